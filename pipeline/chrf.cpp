#include "pipeline/chrf.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <unordered_map>

#include "pipeline/mt_tokenizers.h"

namespace huiyan::pipeline {

namespace {

using CharNgramCounts = std::unordered_map<std::u32string_view, int64_t>;

// The code points n-grams are taken from: lower-cased if asked, whitespace removed unless kept
// (sacreBLEU's ''.join(line.split()), so Unicode whitespace goes too).
std::u32string characters_of(std::string_view line, const ChrfOptions& options) {
  std::string lowered;
  if (options.lowercase) {
    lowered = lower_python(line);
    line = lowered;
  }
  return decode_utf8(options.whitespace ? std::string(line) : remove_python_space(line));
}

// counts[n - 1]: the character n-grams of `text`, viewing into it.
std::vector<CharNgramCounts> char_ngrams(const std::u32string& text, int max_order) {
  std::vector<CharNgramCounts> counts(max_order);
  const std::u32string_view view(text);
  for (int n = 1; n <= max_order; ++n) {
    const auto order = static_cast<size_t>(n);
    for (size_t i = 0; i + order <= view.size(); ++i) ++counts[n - 1][view.substr(i, order)];
  }
  return counts;
}

void check_order(const ChrfOptions& options) {
  if (options.char_order < 1) throw std::invalid_argument("chrF's char order must be >= 1");
}

}  // namespace

ChrfStats chrf_line_stats(std::string_view hyp, const std::vector<std::string_view>& refs,
                          const ChrfOptions& options) {
  check_order(options);
  const int order = options.char_order;
  const std::u32string hyp_chars = characters_of(hyp, options);
  const auto hyp_ngrams = char_ngrams(hyp_chars, order);

  ChrfStats best;
  double best_score = -1.0;
  for (const auto ref : refs) {
    const std::u32string ref_chars = characters_of(ref, options);
    const auto ref_ngrams = char_ngrams(ref_chars, order);
    ChrfStats stats(3 * static_cast<size_t>(order), 0);
    for (int n = 0; n < order; ++n) {
      int64_t hyp_count = 0;
      int64_t matches = 0;
      for (const auto& [ngram, count] : hyp_ngrams[n]) {
        hyp_count += count;
        const auto found = ref_ngrams[n].find(ngram);
        if (found != ref_ngrams[n].end()) matches += std::min(count, found->second);
      }
      int64_t ref_count = 0;
      for (const auto& [ngram, count] : ref_ngrams[n]) ref_count += count;
      // An order the reference is too short for does not count the hypothesis n-grams either.
      stats[3 * n] = ref_ngrams[n].empty() ? 0 : hyp_count;
      stats[3 * n + 1] = ref_count;
      stats[3 * n + 2] = matches;
    }
    // The first reference wins a tie.
    const double score = chrf_from_stats(stats, options);
    if (score > best_score) {
      best_score = score;
      best = std::move(stats);
    }
  }
  return best;
}

double chrf_from_stats(const ChrfStats& stats, const ChrfOptions& options) {
  check_order(options);
  const int order = options.char_order;
  if (stats.size() != 3 * static_cast<size_t>(order)) {
    throw std::invalid_argument("chrF statistics do not match the char order");
  }
  // Same operations in the same order as sacreBLEU, so the result agrees to the last bit.
  constexpr double kEps = 1e-16;
  const double factor = static_cast<double>(options.beta) * options.beta;
  double score = 0.0;
  double avg_prec = 0.0;
  double avg_rec = 0.0;
  int effective_order = 0;
  for (int i = 0; i < order; ++i) {
    const int64_t n_hyp = stats[3 * i];
    const int64_t n_ref = stats[3 * i + 1];
    const int64_t n_match = stats[3 * i + 2];
    const double prec = n_hyp > 0 ? static_cast<double>(n_match) / n_hyp : kEps;
    const double rec = n_ref > 0 ? static_cast<double>(n_match) / n_ref : kEps;
    const double denom = factor * prec + rec;
    score += denom > 0 ? (1 + factor) * prec * rec / denom : kEps;
    if (n_hyp > 0 && n_ref > 0) {
      avg_prec += prec;
      avg_rec += rec;
      ++effective_order;
    }
  }
  if (options.eps_smoothing) return 100 * score / order;
  if (effective_order == 0) return 0.0;
  avg_prec /= effective_order;
  avg_rec /= effective_order;
  if (avg_prec + avg_rec == 0) return 0.0;
  double f = (1 + factor) * avg_prec * avg_rec;
  f /= factor * avg_prec + avg_rec;
  return 100 * f;
}

ChrfScore corpus_chrf(const std::vector<std::string>& hyps, const ReferenceStreams& refs,
                      const ChrfOptions& options) {
  check_order(options);
  check_mt_corpus(hyps, refs);
  ChrfStats sum(3 * static_cast<size_t>(options.char_order), 0);
  for (size_t line = 0; line < hyps.size(); ++line) {
    const ChrfStats stats = chrf_line_stats(hyps[line], line_references(refs, line), options);
    for (size_t i = 0; i < sum.size(); ++i) sum[i] += stats[i];
  }
  ChrfScore result;
  result.score = chrf_from_stats(sum, options);
  result.beta = options.beta;
  result.signature = chrf_signature(options, nrefs_field(refs));
  return result;
}

std::string chrf_signature(const ChrfOptions& options, const std::string& nrefs) {
  return "nrefs:" + nrefs + "|case:" + (options.lowercase ? "lc" : "mixed") +
         "|eff:" + (options.eps_smoothing ? "no" : "yes") +
         "|nc:" + std::to_string(options.char_order) +
         "|nw:0|space:" + (options.whitespace ? "yes" : "no") + "|version:" + signature_version();
}

std::string ChrfScore::text() const {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.2f", score);
  return "chrF" + std::to_string(beta) + " = " + buffer;
}

}  // namespace huiyan::pipeline
