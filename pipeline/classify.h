#pragma once
// `huiyan classify` and what evaluation shares with it: documents -> label probabilities, with the
// attention the model read them by; text lines -> the model's tokens, as training saw them
// (normalized as `preprocess` does, split into ICU sentences when the model's data was).

#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "io/line_reader.h"
#include "pipeline/classify_metrics.h"
#include "pipeline/classify_model.h"
#include "pipeline/sentence_splitter.h"

namespace huiyan::pipeline {

struct Prediction {
  std::vector<float> probabilities;  // per label: softmax, or a sigmoid each when multi-label
  // With explain: the attention per row the model read (one row for flat models, one per sentence
  // for HAN) over the row's tokens, where those tokens came from, and HAN's sentence weights.
  std::vector<std::vector<float>> token_weights;
  std::vector<std::vector<TokenOrigin>> origins;
  std::vector<float> sentence_weights;
};

// Predicts every document, in batches of similar length holding up to `batch_tokens` tokens read.
std::vector<Prediction> predict(nn::Classifier& model, const std::vector<DocumentView>& documents,
                                bool explain = false, int64_t batch_tokens = 32768);

// The labels a prediction gives: the best one (single-label), or each at or above the threshold
// (multi-label, best first; may be none).
std::vector<int32_t> predicted_labels(const Prediction& prediction, bool multi_label,
                                      float threshold);

// A text as the model's token ids: its sentences (one sequence when the model reads flat text).
// `splitter` is used when the model reads sentences. Throws io::DataError for invalid UTF-8.
// With `surfaces`, also each token's text as it stands in the (normalized) text, for explain.
using TokenSurfaces = std::vector<std::vector<std::string>>;
std::vector<std::vector<int32_t>> encode_text(const ClassifierFile& model,
                                              SentenceSplitter& splitter, std::string_view text,
                                              TokenSurfaces* surfaces = nullptr);

// A word (SentencePiece pieces joined) and the attention it got: the sum over its pieces, times
// its sentence's weight for HAN, so a document's words sum to 1.
struct WordWeight {
  std::string word;
  float weight = 0;
  int32_t sentence = 0;
};
struct Explanation {
  std::vector<WordWeight> words;
  std::vector<float> sentence_weights;  // HAN only
};
// Words are spelt as the text has them when `surfaces` (from encode_text) are given, as the
// model's pieces otherwise (then a character outside the vocabulary shows as <unk>).
Explanation explain(const ClassifierFile& model, const Prediction& prediction,
                    const DocumentView& document, const TokenSurfaces* surfaces = nullptr);

struct ClassifyOptions {
  std::string input_format = "text";  // text | tsv | jsonl
  int text_column = 1;                // tsv: 1-based
  std::string text_field = "text";    // jsonl
  int top_k = 1;
  bool json = false;
  bool explain = false;      // add the attention to each output line
  bool colour = false;       // explain with ANSI colours (a terminal) instead of word:weight
  size_t batch_lines = 256;  // lines gathered per model call
  std::function<void(const std::string&)> warn;  // empty, invalid or long lines
  // Called for each classified line with its number, text, label and explanation (--explain-html).
  std::function<void(size_t line, const std::string& text, const std::string& label,
                     float probability, const Explanation&)>
      explained;
};

// stdin -> stdout: one output line per input line, in order. Lines that cannot be classified
// (empty, invalid UTF-8, no text field) give an empty output line and a warning.
size_t classify_stream(ClassifierFile& model, io::LineReader& in, std::ostream& out,
                       const ClassifyOptions& options);

// The text of an input line in the given format; false (and `error` set) when it has none.
bool line_text(const std::string& line, const ClassifyOptions& options, std::string& text,
               std::string& error);

}  // namespace huiyan::pipeline

namespace huiyan::pipeline {

// Gold labels of a split as label sets (single-label: one each).
std::vector<std::vector<int32_t>> gold_label_sets(const io::DatasetSplit& split);

// Metrics of predictions against gold label sets.
ClassificationMetrics score_predictions(const std::vector<Prediction>& predictions,
                                        const std::vector<std::vector<int32_t>>& gold,
                                        const std::vector<std::string>& labels, bool multi_label,
                                        float threshold);

// Multi-label: the threshold in 0.05, 0.10 … 0.95 with the best micro-F1 (the lowest of ties).
float tune_threshold(const std::vector<Prediction>& predictions,
                     const std::vector<std::vector<int32_t>>& gold,
                     const std::vector<std::string>& labels);

}  // namespace huiyan::pipeline
