#include "pipeline/classify_eval.h"

#include <omp.h>

#include <chrono>
#include <map>

#include "io/counted.h"
#include "io/error.h"
#include "io/line_reader.h"
#include "io/tsv.h"
#include "io/utf8.h"
#include "pipeline/normalize.h"
#include "pipeline/parallel.h"

namespace huiyan::pipeline {

ClassifyEvaluation evaluate_labeled_tsv(ClassifierFile& model, const std::string& path,
                                        const LabeledTsvOptions& o) {
  const auto start = std::chrono::steady_clock::now();
  const bool multi = model.model->config().multi_label;
  std::map<std::string, int32_t> label_ids;
  // Both sides cleaned alike: models from before preprocess cleaned labels may store "POS\u00A0".
  for (size_t k = 0; k < model.labels.size(); ++k) {
    const auto [at, added] =
        label_ids.emplace(normalize_label(model.labels[k]), static_cast<int32_t>(k));
    if (!added) {
      // Scores would silently count one class for the other.
      throw io::DataError("the model's labels " +
                          io::quoted(model.labels[static_cast<size_t>(at->second)]) + " and " +
                          io::quoted(model.labels[k]) + " are one label once cleaned (" +
                          io::quoted(at->first) +
                          "); this model was trained on labels huiyan now cleans: preprocess and "
                          "train it again");
    }
  }
  const auto label_id = [&](std::string_view name, const io::LineReader& in) {
    const auto it = label_ids.find(std::string(name));
    if (it == label_ids.end()) {
      std::string known;
      for (const auto& l : model.labels) known += (known.empty() ? "" : ", ") + l;
      throw io::DataError(in.name() + ": line " + std::to_string(in.line_number()) + ": label " +
                          io::quoted(name) + " is not one of the model's (" + known + ")");
    }
    return it->second;
  };

  ClassifyEvaluation result;
  io::LineReader in(path);
  std::vector<std::string> texts;
  std::vector<size_t> line_numbers;  // of texts, for messages
  std::vector<std::vector<int32_t>> gold;
  std::string line;
  std::vector<std::string_view> fields;
  const auto needed = static_cast<size_t>(std::max(o.label_column, o.text_column));
  while (in.next(line)) {
    // A blank line (a trailing one, say) holds no example: left out as one with no text is.
    if (io::trim_blanks(line).empty()) {
      if (o.warn)
        o.warn(in.name() + ": line " + std::to_string(in.line_number()) + ": empty; left out");
      ++result.skipped;
      continue;
    }
    io::split_tsv(line, fields);
    if (fields.size() < needed) {
      throw io::DataError(in.name() + ": line " + std::to_string(in.line_number()) + ": " +
                          std::to_string(fields.size()) + " columns, expected at least " +
                          std::to_string(needed));
    }
    const std::string_view text = fields[static_cast<size_t>(o.text_column - 1)];
    if (!io::is_valid_utf8(text) || io::trim_blanks(text).empty()) {
      if (o.warn) {
        o.warn(in.name() + ": line " + std::to_string(in.line_number()) + ": " +
               (io::is_valid_utf8(text) ? "no text" : "invalid UTF-8") + "; left out");
      }
      ++result.skipped;
      continue;
    }
    const std::string_view raw_label = fields[static_cast<size_t>(o.label_column - 1)];
    if (!io::is_valid_utf8(raw_label)) {
      throw io::DataError(in.name() + ": line " + std::to_string(in.line_number()) +
                          ": the label is not valid UTF-8");
    }
    // As preprocess cleaned the labels the model was trained on.
    const std::string field = normalize_label(raw_label);
    std::vector<int32_t> labels;
    if (multi) {
      for (const auto& name : io::split_labels(field, o.label_separator))
        labels.push_back(label_id(name, in));
      std::sort(labels.begin(), labels.end());
      labels.erase(std::unique(labels.begin(), labels.end()), labels.end());
    } else {
      labels.push_back(label_id(field, in));
    }
    gold.push_back(std::move(labels));
    texts.emplace_back(text);
    line_numbers.push_back(in.line_number());
  }

  // ICU break iterators are not thread-safe: one splitter per thread.
  const SentenceSplitter prototype(model.sentence_locale);
  std::vector<SentenceSplitter> splitters(static_cast<size_t>(omp_get_max_threads()), prototype);
  std::vector<std::vector<std::vector<int32_t>>> encoded(texts.size());
  parallel_for(texts.size(), [&](size_t i) {
    encoded[i] = encode_text(model, splitters[static_cast<size_t>(omp_get_thread_num())], texts[i]);
  });
  // Text that normalizes to nothing (a line of `<br />` tags, say) has nothing to classify.
  std::vector<DocumentView> docs;
  std::vector<std::vector<int32_t>> scored_gold;
  for (size_t i = 0; i < encoded.size(); ++i) {
    DocumentView d;
    size_t tokens = 0;
    for (const auto& s : encoded[i]) d.emplace_back(s), tokens += s.size();
    if (tokens == 0) {
      if (o.warn)
        o.warn(in.name() + ": line " + std::to_string(line_numbers[i]) + ": no tokens; left out");
      ++result.skipped;
      continue;
    }
    docs.push_back(std::move(d));
    scored_gold.push_back(std::move(gold[i]));
  }
  if (docs.empty()) {
    // Scores of nothing would read as a model that gets everything wrong.
    throw io::DataError(in.name() + ": no line to score (" +
                        io::counted(static_cast<int64_t>(result.skipped), "line") + " left out)");
  }
  const std::vector<Prediction> predictions = predict(*model.model, docs);
  result.metrics =
      score_predictions(predictions, scored_gold, model.labels, multi, model.threshold);
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace huiyan::pipeline
