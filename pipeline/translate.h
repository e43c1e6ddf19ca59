#pragma once
// `huiyan translate`: text in, text out, with a model file alone (its tokenizers are inside).
// Lines are normalized as `preprocess` does, encoded, translated in length-sorted batches with
// beam search on the KV-cached decoder, and decoded back to plain text, in input order. Lines are
// read ahead (up to maxi_batch batches, less when the input would make us wait) and sorted
// together, so a file decodes in batches of near-equal lengths while a pipe still gets each line
// back at once.

#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "io/line_reader.h"
#include "nn/decoding.h"
#include "pipeline/attention_export.h"
#include "pipeline/translation_model.h"

namespace huiyan::pipeline {

struct TranslateOptions {
  int beam = 5;
  int n_best = 1;                 // > 1: "index ||| translation ||| score" lines
  float length_penalty = 0.6f;    // GNMT α
  float max_length_ratio = 2.0f;  // output tokens <= ratio · source tokens + offset
  int64_t max_length_offset = 10;
  // Sentences decoded together; 0: sentences_per_batch's default for the search.
  size_t batch_sentences = 0;
  // translate_stream reads up to this many batches' worth of lines ahead and sorts them by length
  // together (Marian's maxi-batch): batches of similar lengths pad less and finish together.
  size_t maxi_batch = 32;
  std::function<void(const std::string&)> warn;  // non-fatal problems (long or invalid lines)
  // When set, translate_stream hands it the best hypothesis's attention for each translated
  // line, in input order.
  std::function<void(const AttentionRecord&)> attention;
};

// std::invalid_argument naming the first option (as the command line spells it) that cannot
// work: a beam below 1, n-best outside [1, beam], a length limit or penalty that is negative or
// not a number, or limits that leave no room for a single output token.
void check_translate_options(const TranslateOptions& o);

// o.batch_sentences, or when 0: 64 sentences for greedy search, 32 with a beam (the beam's rows
// multiply them). Measured on Multi30k test2016 (Transformer-small, 1 and 2 threads): greedy 8 %
// faster at 64 than at 32 sentences and slower at 128; beam 5 fastest at 32, slower at 64 and
// 128, where more rows wait for the batch's longest sentence.
size_t sentences_per_batch(const TranslateOptions& o);

// Translates token ids (each already within the model's maximum length): n-best per source, best
// first; empty sources get no hypothesis.
std::vector<std::vector<nn::Hypothesis>> translate_ids(
    nn::Seq2Seq& model, const std::vector<std::vector<int32_t>>& sources,
    const TranslateOptions& options);

// Translates `lines` (lines `first_line`.. of the input `source`, for messages): n-best per line,
// best first. Empty lines get no hypothesis. `sources` (optional) gets the token ids that were
// translated.
std::vector<std::vector<nn::Hypothesis>> translate_lines(
    Translator& translator, const std::vector<std::string>& lines, const std::string& source,
    size_t first_line, const TranslateOptions& options,
    std::vector<std::vector<int32_t>>* sources = nullptr);

size_t translate_stream(Translator& translator, io::LineReader& in, std::ostream& out,
                        const TranslateOptions& options);

}  // namespace huiyan::pipeline
