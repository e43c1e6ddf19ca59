#include "pipeline/classify_metrics.h"

#include <algorithm>
#include <iomanip>
#include <sstream>
#include <stdexcept>

namespace huiyan::pipeline {

namespace {

double ratio(int64_t a, int64_t b) {
  return b == 0 ? 0.0 : static_cast<double>(a) / b;
}
double f1_of(double p, double r) {
  return p + r == 0 ? 0.0 : 2 * p * r / (p + r);
}

// Per-class scores and their macro mean from true/false positive and false negative counts.
void fill_classes(ClassificationMetrics& m, const std::vector<std::string>& labels,
                  const std::vector<int64_t>& tp, const std::vector<int64_t>& fp,
                  const std::vector<int64_t>& fn) {
  double f1_sum = 0;
  for (size_t k = 0; k < labels.size(); ++k) {
    ClassScores c;
    c.label = labels[k];
    c.precision = ratio(tp[k], tp[k] + fp[k]);
    c.recall = ratio(tp[k], tp[k] + fn[k]);
    c.f1 = f1_of(c.precision, c.recall);
    c.support = tp[k] + fn[k];
    f1_sum += c.f1;
    m.classes.push_back(c);
  }
  m.macro_f1 = labels.empty() ? 0 : f1_sum / static_cast<double>(labels.size());
}

void check_label(int32_t id, size_t labels) {
  if (id < 0 || static_cast<size_t>(id) >= labels) {
    throw std::out_of_range("label index " + std::to_string(id) + " outside the " +
                            std::to_string(labels) + " labels");
  }
}

}  // namespace

ClassificationMetrics single_label_metrics(const std::vector<int32_t>& gold,
                                           const std::vector<int32_t>& predicted,
                                           const std::vector<std::string>& labels) {
  if (gold.size() != predicted.size()) {
    throw std::invalid_argument("metrics: " + std::to_string(gold.size()) + " gold labels, " +
                                std::to_string(predicted.size()) + " predictions");
  }
  const size_t n = labels.size();
  ClassificationMetrics m;
  m.examples = static_cast<int64_t>(gold.size());
  m.confusion.assign(n, std::vector<int64_t>(n, 0));
  std::vector<int64_t> tp(n, 0), fp(n, 0), fn(n, 0);
  int64_t correct = 0;
  for (size_t i = 0; i < gold.size(); ++i) {
    check_label(gold[i], n);
    check_label(predicted[i], n);
    ++m.confusion[static_cast<size_t>(gold[i])][static_cast<size_t>(predicted[i])];
    if (gold[i] == predicted[i]) {
      ++correct;
      ++tp[static_cast<size_t>(gold[i])];
    } else {
      ++fp[static_cast<size_t>(predicted[i])];
      ++fn[static_cast<size_t>(gold[i])];
    }
  }
  m.accuracy = ratio(correct, m.examples);
  m.micro_f1 = m.accuracy;
  fill_classes(m, labels, tp, fp, fn);
  return m;
}

ClassificationMetrics multi_label_metrics(const std::vector<std::vector<int32_t>>& gold,
                                          const std::vector<std::vector<int32_t>>& predicted,
                                          const std::vector<std::string>& labels) {
  if (gold.size() != predicted.size()) {
    throw std::invalid_argument("metrics: " + std::to_string(gold.size()) + " gold label sets, " +
                                std::to_string(predicted.size()) + " predictions");
  }
  const size_t n = labels.size();
  ClassificationMetrics m;
  m.multi_label = true;
  m.examples = static_cast<int64_t>(gold.size());
  std::vector<int64_t> tp(n, 0), fp(n, 0), fn(n, 0);
  int64_t exact = 0;
  for (size_t i = 0; i < gold.size(); ++i) {
    std::vector<char> in_gold(n, 0), in_predicted(n, 0);
    for (const int32_t g : gold[i]) check_label(g, n), in_gold[static_cast<size_t>(g)] = 1;
    for (const int32_t p : predicted[i])
      check_label(p, n), in_predicted[static_cast<size_t>(p)] = 1;
    bool all = true;
    for (size_t k = 0; k < n; ++k) {
      tp[k] += in_gold[k] && in_predicted[k];
      fp[k] += !in_gold[k] && in_predicted[k];
      fn[k] += in_gold[k] && !in_predicted[k];
      all = all && in_gold[k] == in_predicted[k];
    }
    exact += all;
  }
  m.accuracy = ratio(exact, m.examples);
  int64_t tp_all = 0, fp_all = 0, fn_all = 0;
  for (size_t k = 0; k < n; ++k) tp_all += tp[k], fp_all += fp[k], fn_all += fn[k];
  m.micro_f1 = f1_of(ratio(tp_all, tp_all + fp_all), ratio(tp_all, tp_all + fn_all));
  fill_classes(m, labels, tp, fp, fn);
  return m;
}

nlohmann::json ClassificationMetrics::to_json() const {
  nlohmann::json per_class = nlohmann::json::array();
  for (const auto& c : classes) {
    per_class.push_back({{"label", c.label},
                         {"precision", c.precision},
                         {"recall", c.recall},
                         {"f1", c.f1},
                         {"support", c.support}});
  }
  nlohmann::json j = {{"examples", examples},
                      {"accuracy", accuracy},
                      {"macro_f1", macro_f1},
                      {"per_class", per_class}};
  if (multi_label) {
    j["micro_f1"] = micro_f1;
    j["multi_label"] = true;
  } else {
    j["confusion"] = confusion;
  }
  return j;
}

std::string ClassificationMetrics::to_text() const {
  std::ostringstream out;
  out << std::fixed << std::setprecision(4);
  out << "examples " << examples << "\n";
  out << (multi_label ? "exact-match accuracy " : "accuracy ") << accuracy << "\n";
  out << "macro-F1 " << macro_f1 << "\n";
  if (multi_label) out << "micro-F1 " << micro_f1 << "\n";
  size_t width = 5;
  for (const auto& c : classes) width = std::max(width, c.label.size());
  out << "\n"
      << std::left << std::setw(static_cast<int>(width)) << "label" << std::right
      << "  precision     recall         F1    support\n";
  for (const auto& c : classes) {
    out << std::left << std::setw(static_cast<int>(width)) << c.label << std::right << std::setw(11)
        << c.precision << std::setw(11) << c.recall << std::setw(11) << c.f1 << std::setw(11)
        << c.support << "\n";
  }
  if (!multi_label && !confusion.empty()) {
    out << "\nconfusion (rows gold, columns predicted, in the order above)\n";
    for (const auto& row : confusion) {
      for (size_t k = 0; k < row.size(); ++k) out << (k ? " " : "") << std::setw(8) << row[k];
      out << "\n";
    }
  }
  return out.str();
}

}  // namespace huiyan::pipeline
