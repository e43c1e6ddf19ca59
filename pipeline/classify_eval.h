#pragma once
// `huiyan eval --task classify`: a labelled TSV (gold label and text columns) read, encoded as
// the model reads text, classified, and scored (pipeline/classify_metrics.h).

#include <functional>
#include <string>

#include "pipeline/classify.h"

namespace huiyan::pipeline {

struct LabeledTsvOptions {
  int label_column = 1;  // 1-based
  int text_column = 2;
  char label_separator = ',';                    // multi-label models: labels in one field
  std::function<void(const std::string&)> warn;  // lines left out (no text, invalid UTF-8)
};

struct ClassifyEvaluation {
  ClassificationMetrics metrics;
  size_t skipped = 0;  // lines left out
  double seconds = 0;
};

// A gold label the model does not know is an io::DataError naming the file and line.
ClassifyEvaluation evaluate_labeled_tsv(ClassifierFile& model, const std::string& path,
                                        const LabeledTsvOptions& options);

}  // namespace huiyan::pipeline
