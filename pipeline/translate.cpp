#include "pipeline/translate.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <sstream>
#include <stdexcept>

#include "io/utf8.h"
#include "pipeline/line_stream.h"
#include "pipeline/normalize.h"

namespace huiyan::pipeline {

namespace {

constexpr int32_t kBos = 2;
constexpr int32_t kEos = 3;

}  // namespace

size_t sentences_per_batch(const TranslateOptions& o) {
  if (o.batch_sentences != 0) return o.batch_sentences;
  return o.beam == 1 ? 64 : 32;
}

void check_translate_options(const TranslateOptions& o) {
  // Past a few dozen, wider beams find nothing better; a million would ask for terabytes of
  // scores and caches before failing.
  if (o.beam < 1 || o.beam > 1000) {
    throw std::invalid_argument("--beam must be between 1 (greedy) and 1000");
  }
  if (o.n_best < 1 || o.n_best > o.beam) {
    throw std::invalid_argument("need 1 <= --n-best <= --beam");
  }
  if (!(o.length_penalty >= 0) || !std::isfinite(o.length_penalty)) {
    throw std::invalid_argument("--length-penalty must be a number >= 0");
  }
  if (!(o.max_length_ratio >= 0) || !std::isfinite(o.max_length_ratio)) {
    throw std::invalid_argument("--max-length-ratio must be a number >= 0");
  }
  if (o.max_length_offset < 0) throw std::invalid_argument("--max-length-offset must be >= 0");
  if (o.max_length_ratio == 0 && o.max_length_offset == 0) {
    throw std::invalid_argument(
        "--max-length-ratio 0 and --max-length-offset 0 leave no room for any output");
  }
}

std::vector<std::vector<nn::Hypothesis>> translate_ids(
    nn::Seq2Seq& model, const std::vector<std::vector<int32_t>>& sources,
    const TranslateOptions& o) {
  const int64_t max_positions = model.max_length();
  // Sentences sorted by length so each batch pads little; results go back in input order.
  std::vector<size_t> order;
  for (size_t i = 0; i < sources.size(); ++i) {
    if (!sources[i].empty()) order.push_back(i);
  }
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return sources[a].size() < sources[b].size(); });
  std::vector<std::vector<nn::Hypothesis>> results(sources.size());
  nn::DecodeOptions decode;
  decode.beam = o.beam;
  decode.n_best = o.n_best;
  decode.length_penalty = o.length_penalty;
  decode.bos = kBos;
  decode.eos = kEos;
  decode.keep_attention = static_cast<bool>(o.attention);
  // The weights' packed (and bf16) copies live in a graph of their own, kept for every batch of
  // this call: the model does not change while it translates. (Packed in the batch's graph, they
  // were made again after each batch's reset: 11 % of translating Multi30k's test set.) A stream
  // packs them again per call, i.e. per maxi-batch of lines (about 12 ms for Transformer-small).

  nn::Graph weight_copies;
  nn::Graph graph;
  graph.share_weight_copies_of(weight_copies);
  nn::NoGrad no_grad(graph);
  const size_t per_batch = sentences_per_batch(o);
  for (size_t start = 0; start < order.size(); start += per_batch) {
    const size_t end = std::min(order.size(), start + per_batch);
    const auto batch = static_cast<int64_t>(end - start);
    int64_t longest = 0;
    for (size_t i = start; i < end; ++i)
      longest = std::max<int64_t>(longest, static_cast<int64_t>(sources[order[i]].size()));
    std::vector<int32_t> ids(static_cast<size_t>(batch * longest), 0);
    std::vector<int32_t> lengths(static_cast<size_t>(batch));
    std::vector<int64_t> max_lengths(static_cast<size_t>(batch));
    for (int64_t b = 0; b < batch; ++b) {
      const auto& source = sources[order[start + static_cast<size_t>(b)]];
      std::copy(source.begin(), source.end(), ids.begin() + b * longest);
      lengths[static_cast<size_t>(b)] = static_cast<int32_t>(source.size());
      // Output tokens the options allow, eos not counted (as in fairseq), then the eos step; in
      // double, which holds any ratio and offset the options take without overflowing.
      const double tokens =
          std::floor(static_cast<double>(o.max_length_ratio) * static_cast<double>(source.size())) +
          static_cast<double>(o.max_length_offset);
      max_lengths[static_cast<size_t>(b)] = static_cast<int64_t>(
          std::clamp(tokens + 1.0, 1.0, static_cast<double>(max_positions - 1)));
    }
    const nn::IntTensor src_lengths = graph.ids({batch}, lengths);
    const nn::Tensor memory = model.encode(graph.ids({batch, longest}, ids), src_lengths);
    // Caches as long as the longest output may be (+1 for the final eos step), not the model's
    // maximum: beam rows times capacity is the decoder's memory.
    const int64_t longest_output = *std::max_element(max_lengths.begin(), max_lengths.end());
    const auto steps = model.step_decoder(memory, src_lengths, longest_output + 1);
    auto hypotheses = nn::beam_search(*steps, batch, max_lengths, decode);
    for (int64_t b = 0; b < batch; ++b)
      results[order[start + static_cast<size_t>(b)]] =
          std::move(hypotheses[static_cast<size_t>(b)]);
    graph.reset();
  }
  return results;
}

std::vector<std::vector<nn::Hypothesis>> translate_lines(
    Translator& t, const std::vector<std::string>& lines, const std::string& source,
    size_t first_line, const TranslateOptions& o, std::vector<std::vector<int32_t>>* encoded) {
  const TextNormalizer normalize;
  const int64_t max_positions = t.model->max_length();
  std::vector<std::vector<int32_t>> sources(lines.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    if (!io::is_valid_utf8(lines[i])) {
      if (o.warn)
        o.warn(source + ": line " + std::to_string(first_line + i) +
               ": invalid UTF-8; left untranslated");
      continue;
    }
    const std::string text = normalize(lines[i]);
    if (text.empty()) continue;
    std::vector<int> ids = t.src_tokenizer->encode_ids(text);
    if (static_cast<int64_t>(ids.size()) > max_positions) {
      if (o.warn) {
        o.warn(source + ": line " + std::to_string(first_line + i) + ": " +
               std::to_string(ids.size()) + " tokens, truncated to " +
               std::to_string(max_positions));
      }
      ids.resize(static_cast<size_t>(max_positions));
    }
    sources[i].assign(ids.begin(), ids.end());
  }
  auto hypotheses = translate_ids(*t.model, sources, o);
  if (encoded != nullptr) *encoded = std::move(sources);
  return hypotheses;
}

namespace {

// The best hypothesis's pieces and attention rows, cut to the source's own length (the rows were
// as long as the batch's longest source).
AttentionRecord attention_record(const Translator& t, size_t index,
                                 const std::vector<int32_t>& source, const nn::Hypothesis& best) {
  AttentionRecord r;
  r.index = index;
  for (const int32_t id : source) r.source.push_back(t.src_tokenizer->piece(id));
  for (const int32_t id : best.tokens) r.target.push_back(t.tgt_tokenizer->piece(id));
  r.target.push_back(t.tgt_tokenizer->piece(kEos));
  const size_t padded = best.attention.size() / r.target.size();
  for (size_t row = 0; row < r.target.size(); ++row) {
    const auto from = best.attention.begin() + static_cast<int64_t>(row * padded);
    r.weights.insert(r.weights.end(), from, from + static_cast<int64_t>(source.size()));
  }
  return r;
}

}  // namespace

size_t translate_stream(Translator& t, io::LineReader& in, std::ostream& out,
                        const TranslateOptions& o) {
  return transform_line_batches(
      in, out, sentences_per_batch(o) * std::max<size_t>(o.maxi_batch, 1),
      [&](const std::vector<std::string>& lines, size_t first_line) {
        std::vector<std::vector<int32_t>> sources;
        const auto translations = translate_lines(t, lines, in.name(), first_line, o, &sources);
        if (o.attention) {
          for (size_t i = 0; i < lines.size(); ++i) {
            if (translations[i].empty()) continue;
            o.attention(attention_record(t, first_line + i - 1, sources[i], translations[i][0]));
          }
        }
        std::vector<std::string> outputs;
        for (size_t i = 0; i < lines.size(); ++i) {
          const auto& hyps = translations[i];
          if (o.n_best <= 1) {
            outputs.push_back(hyps.empty() ? std::string()
                                           : t.tgt_tokenizer->decode_ids(hyps[0].tokens));
            continue;
          }
          // n-best lines: the sentence's 0-based index in the input, the text, the score.
          std::ostringstream block;
          const size_t index = first_line + i - 1;
          for (size_t h = 0; h < hyps.size(); ++h) {
            if (h > 0) block << '\n';
            block << index << " ||| " << t.tgt_tokenizer->decode_ids(hyps[h].tokens) << " ||| "
                  << hyps[h].score;
          }
          if (hyps.empty()) block << index << " |||  ||| 0";
          outputs.push_back(block.str());
        }
        return outputs;
      });
}

}  // namespace huiyan::pipeline
