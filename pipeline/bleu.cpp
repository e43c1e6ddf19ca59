#include "pipeline/bleu.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <unordered_map>

#include "pipeline/fixed.h"

namespace huiyan::pipeline {

namespace {

// The words of a tokenized line joined by single spaces, with where each word starts and ends:
// an n-gram is then a substring, and since words hold no whitespace, equal substrings are equal
// word tuples (and n-grams of different orders never collide).
struct Words {
  std::string text;
  std::vector<std::pair<size_t, size_t>> spans;

  size_t size() const { return spans.size(); }
  std::string_view ngram(size_t first, size_t n) const {
    const size_t begin = spans[first].first;
    return std::string_view(text).substr(begin, spans[first + n - 1].second - begin);
  }
};

// sacreBLEU's _preprocess_segment, then str.split() as extract_all_word_ngrams does it.
Words words_of(std::string_view line, const BleuOptions& options) {
  std::string lowered;
  if (options.lowercase) {
    lowered = lower_python(line);
    line = lowered;
  }
  const std::string tokenized = mt_tokenize(options.tokenizer, rstrip_python(line));
  Words words;
  words.text.reserve(tokenized.size());
  for (const auto word : split_python(tokenized)) {
    if (!words.text.empty()) words.text.push_back(' ');
    words.spans.emplace_back(words.text.size(), words.text.size() + word.size());
    words.text.append(word);
  }
  return words;
}

using NgramCounts = std::unordered_map<std::string_view, int64_t>;

void count_ngrams(const Words& words, int n, NgramCounts& counts) {
  const auto order = static_cast<size_t>(n);
  for (size_t i = 0; i + order <= words.size(); ++i) ++counts[words.ngram(i, order)];
}

// The reference length closest to the hypothesis length; of two as close, the shorter.
int64_t closest_ref_len(int64_t hyp_len, const std::vector<int64_t>& ref_lens) {
  int64_t closest_diff = -1;
  int64_t closest_len = -1;
  for (const int64_t ref_len : ref_lens) {
    const int64_t diff = std::llabs(hyp_len - ref_len);
    if (closest_diff == -1 || diff < closest_diff) {
      closest_diff = diff;
      closest_len = ref_len;
    } else if (diff == closest_diff && ref_len < closest_len) {
      closest_len = ref_len;
    }
  }
  return closest_len;
}

// sacreBLEU's my_log: log(0) is a large finite negative number, so a zero precision gives a
// score of exactly 0 instead of a NaN.
double my_log(double x) {
  return x == 0 ? -9999999999.0 : std::log(x);
}

double smooth_value(const BleuOptions& options) {
  if (options.smooth_value) return *options.smooth_value;
  return options.smoothing == BleuSmoothing::add_k ? 1.0 : 0.1;
}

void check_order(const BleuOptions& options) {
  if (options.max_order < 1) throw std::invalid_argument("BLEU's max n-gram order must be >= 1");
}

}  // namespace

BleuStats& BleuStats::operator+=(const BleuStats& other) {
  hyp_len += other.hyp_len;
  ref_len += other.ref_len;
  correct.resize(std::max(correct.size(), other.correct.size()));
  total.resize(std::max(total.size(), other.total.size()));
  for (size_t i = 0; i < other.correct.size(); ++i) correct[i] += other.correct[i];
  for (size_t i = 0; i < other.total.size(); ++i) total[i] += other.total[i];
  return *this;
}

BleuStats bleu_line_stats(std::string_view hyp, const std::vector<std::string_view>& refs,
                          const BleuOptions& options) {
  check_order(options);
  const int max_order = options.max_order;
  // Reference n-gram counts: for each n-gram, its highest count in any one reference.
  std::vector<Words> ref_words;
  ref_words.reserve(refs.size());
  std::vector<int64_t> ref_lens;
  NgramCounts ref_counts;
  for (const auto ref : refs) {
    ref_words.push_back(words_of(ref, options));
    ref_lens.push_back(static_cast<int64_t>(ref_words.back().size()));
    NgramCounts counts;
    for (int n = 1; n <= max_order; ++n) count_ngrams(ref_words.back(), n, counts);
    for (const auto& [ngram, count] : counts) {
      int64_t& best = ref_counts[ngram];
      best = std::max(best, count);
    }
  }

  const Words hyp_words = words_of(hyp, options);
  BleuStats stats;
  stats.hyp_len = static_cast<int64_t>(hyp_words.size());
  stats.ref_len = closest_ref_len(stats.hyp_len, ref_lens);
  stats.correct.assign(max_order, 0);
  stats.total.assign(max_order, 0);
  for (int n = 1; n <= max_order; ++n) {
    NgramCounts hyp_counts;
    count_ngrams(hyp_words, n, hyp_counts);
    for (const auto& [ngram, count] : hyp_counts) {
      stats.total[n - 1] += count;
      const auto found = ref_counts.find(ngram);
      if (found != ref_counts.end()) stats.correct[n - 1] += std::min(count, found->second);
    }
  }
  return stats;
}

BleuScore bleu_from_stats(const BleuStats& stats, const BleuOptions& options) {
  check_order(options);
  const int max_order = options.max_order;
  if (stats.correct.size() != static_cast<size_t>(max_order) ||
      stats.total.size() != static_cast<size_t>(max_order)) {
    throw std::invalid_argument("BLEU statistics do not match the max n-gram order");
  }
  BleuScore result;
  result.counts = stats.correct;
  result.totals = stats.total;
  result.hyp_len = stats.hyp_len;
  result.ref_len = stats.ref_len;
  result.ratio = stats.ref_len != 0 ? static_cast<double>(stats.hyp_len) / stats.ref_len : 0.0;
  if (stats.hyp_len < stats.ref_len) {
    result.bp =
        stats.hyp_len > 0 ? std::exp(1 - static_cast<double>(stats.ref_len) / stats.hyp_len) : 0.0;
  } else {
    result.bp = 1.0;
  }
  result.precisions.assign(max_order, 0.0);
  // No match at all is a score of 0 whatever the smoothing (sacreBLEU issue #141).
  if (std::all_of(stats.correct.begin(), stats.correct.end(), [](int64_t c) { return c == 0; })) {
    return result;
  }

  const double value = smooth_value(options);
  double smooth_mteval = 1.0;
  int eff_order = max_order;
  for (int n = 1; n <= max_order; ++n) {
    auto correct = static_cast<double>(stats.correct[n - 1]);
    auto total = static_cast<double>(stats.total[n - 1]);
    if (options.smoothing == BleuSmoothing::add_k && n > 1) {
      correct += value;
      total += value;
    }
    if (total == 0) break;
    if (options.effective_order) eff_order = n;
    double& precision = result.precisions[n - 1];
    if (correct == 0) {
      if (options.smoothing == BleuSmoothing::exp) {
        smooth_mteval *= 2;
        precision = 100. / (smooth_mteval * total);
      } else if (options.smoothing == BleuSmoothing::floor) {
        precision = 100. * value / total;
      }
    } else {
      precision = 100. * correct / total;
    }
  }
  // Summed left to right, as Python's sum() does, so the last bit agrees too.
  double log_sum = 0;
  for (int n = 0; n < eff_order; ++n) log_sum += my_log(result.precisions[n]);
  result.score = result.bp * std::exp(log_sum / eff_order);
  return result;
}

BleuScore corpus_bleu(const std::vector<std::string>& hyps, const ReferenceStreams& refs,
                      const BleuOptions& options) {
  check_order(options);
  check_mt_corpus(hyps, refs);
  BleuStats sum;
  sum.correct.assign(options.max_order, 0);
  sum.total.assign(options.max_order, 0);
  for (size_t line = 0; line < hyps.size(); ++line) {
    sum += bleu_line_stats(hyps[line], line_references(refs, line), options);
  }
  BleuScore score = bleu_from_stats(sum, options);
  score.signature = bleu_signature(options, nrefs_field(refs));
  return score;
}

std::string bleu_signature(const BleuOptions& options, const std::string& nrefs) {
  std::string smooth;
  switch (options.smoothing) {
    case BleuSmoothing::none:
      smooth = "none";
      break;
    case BleuSmoothing::floor:
      smooth = "floor[" + fixed(smooth_value(options), 2) + "]";
      break;
    case BleuSmoothing::add_k:
      smooth = "add-k[" + fixed(smooth_value(options), 2) + "]";
      break;
    case BleuSmoothing::exp:
      smooth = "exp";
      break;
  }
  return "nrefs:" + nrefs + "|case:" + (options.lowercase ? "lc" : "mixed") +
         "|eff:" + (options.effective_order ? "yes" : "no") +
         "|tok:" + mt_tokenizer_name(options.tokenizer) + "|smooth:" + smooth +
         "|version:" + signature_version();
}

std::string BleuScore::text() const {
  std::string line = "BLEU = " + fixed(score, 2) + " ";
  for (size_t i = 0; i < precisions.size(); ++i) {
    if (i > 0) line += "/";
    line += fixed(precisions[i], 1);
  }
  line += " (BP = " + fixed(bp, 3) + " ratio = " + fixed(ratio, 3) +
          " hyp_len = " + std::to_string(hyp_len) + " ref_len = " + std::to_string(ref_len) + ")";
  return line;
}

}  // namespace huiyan::pipeline
