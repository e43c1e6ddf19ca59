#pragma once
// Classification metrics: accuracy, macro-F1, per-class precision/recall/F1 and the confusion
// matrix (single-label); micro- and macro-F1 and exact-match accuracy (multi-label). A class that
// is never predicted has precision 0, one that never occurs recall 0 (scikit-learn's
// zero_division=0), and F1 is 0 when both are.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace huiyan::pipeline {

struct ClassScores {
  std::string label;
  double precision = 0;
  double recall = 0;
  double f1 = 0;
  int64_t support = 0;  // gold examples of the class
};

struct ClassificationMetrics {
  bool multi_label = false;
  int64_t examples = 0;
  double accuracy = 0;  // multi-label: every label of the example right
  double macro_f1 = 0;
  double micro_f1 = 0;  // multi-label (single-label: equals accuracy)
  std::vector<ClassScores> classes;
  std::vector<std::vector<int64_t>> confusion;  // single-label: [gold][predicted]

  nlohmann::json to_json() const;
  std::string to_text() const;  // a table for people
};

ClassificationMetrics single_label_metrics(const std::vector<int32_t>& gold,
                                           const std::vector<int32_t>& predicted,
                                           const std::vector<std::string>& labels);

// Label sets as indices into `labels` (each set without duplicates).
ClassificationMetrics multi_label_metrics(const std::vector<std::vector<int32_t>>& gold,
                                          const std::vector<std::vector<int32_t>>& predicted,
                                          const std::vector<std::string>& labels);

}  // namespace huiyan::pipeline
