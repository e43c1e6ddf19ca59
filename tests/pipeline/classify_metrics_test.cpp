#include "pipeline/classify_metrics.h"

#include <gtest/gtest.h>

namespace huiyan::pipeline {
namespace {

TEST(ClassifyMetrics, SingleLabelAgreesWithAHandCount) {
  // gold:      a a a b b c
  // predicted: a a b b c c
  // a: tp 2 fp 0 fn 1 -> P 1, R 2/3, F1 0.8
  // b: tp 1 fp 1 fn 1 -> P 1/2, R 1/2, F1 1/2
  // c: tp 1 fp 1 fn 0 -> P 1/2, R 1, F1 2/3
  const auto m = single_label_metrics({0, 0, 0, 1, 1, 2}, {0, 0, 1, 1, 2, 2}, {"a", "b", "c"});
  EXPECT_EQ(m.examples, 6);
  EXPECT_NEAR(m.accuracy, 4.0 / 6, 1e-12);
  EXPECT_NEAR(m.classes[0].precision, 1.0, 1e-12);
  EXPECT_NEAR(m.classes[0].recall, 2.0 / 3, 1e-12);
  EXPECT_NEAR(m.classes[0].f1, 0.8, 1e-12);
  EXPECT_NEAR(m.classes[1].f1, 0.5, 1e-12);
  EXPECT_NEAR(m.classes[2].recall, 1.0, 1e-12);
  EXPECT_NEAR(m.macro_f1, (0.8 + 0.5 + 2.0 / 3) / 3, 1e-12);
  EXPECT_EQ(m.classes[0].support, 3);
  const std::vector<std::vector<int64_t>> confusion = {{2, 1, 0}, {0, 1, 1}, {0, 0, 1}};
  EXPECT_EQ(m.confusion, confusion);
  EXPECT_EQ(m.to_json()["confusion"][1][2], 1);
}

TEST(ClassifyMetrics, AClassNeverPredictedScoresZeroNotNaN) {
  const auto m = single_label_metrics({0, 1}, {0, 0}, {"a", "b"});
  EXPECT_EQ(m.classes[1].precision, 0.0);
  EXPECT_EQ(m.classes[1].f1, 0.0);
  EXPECT_NEAR(m.classes[0].f1, 2 * 0.5 * 1 / 1.5, 1e-12);
}

TEST(ClassifyMetrics, MultiLabelMicroAndMacro) {
  // x: gold {0,1} predicted {0}     -> label 0 tp, label 1 fn
  // y: gold {1}   predicted {1,2}   -> label 1 tp, label 2 fp
  // z: gold {}    predicted {}      -> exact
  const auto m = multi_label_metrics({{0, 1}, {1}, {}}, {{0}, {1, 2}, {}}, {"p", "q", "r"});
  EXPECT_NEAR(m.accuracy, 1.0 / 3, 1e-12);
  // micro: tp 2, fp 1, fn 1 -> P 2/3, R 2/3, F1 2/3
  EXPECT_NEAR(m.micro_f1, 2.0 / 3, 1e-12);
  // macro: label 0 F1 1, label 1 P 1 R 1/2 F1 2/3, label 2 F1 0
  EXPECT_NEAR(m.macro_f1, (1 + 2.0 / 3 + 0) / 3, 1e-12);
  EXPECT_TRUE(m.to_json()["multi_label"].get<bool>());
}

TEST(ClassifyMetrics, RejectsMismatchedInput) {
  EXPECT_THROW(single_label_metrics({0}, {0, 1}, {"a", "b"}), std::invalid_argument);
  EXPECT_THROW(single_label_metrics({0}, {2}, {"a", "b"}), std::out_of_range);
}

TEST(ClassifyMetrics, TextTableNamesEveryClass) {
  const auto text = single_label_metrics({0, 1}, {0, 1}, {"neg", "pos"}).to_text();
  EXPECT_NE(text.find("accuracy 1.0000"), std::string::npos);
  EXPECT_NE(text.find("neg"), std::string::npos);
  EXPECT_NE(text.find("pos"), std::string::npos);
}

}  // namespace
}  // namespace huiyan::pipeline
