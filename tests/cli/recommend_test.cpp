// huiyan preprocess --format interactions, train --task recommend, eval --task recommend and
// recommend as users run them, on the committed Amazon Video sample.

#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/cli/run_huiyan.h"
#include "tests/temp_dir.h"

namespace huiyan {
namespace {

using huiyan::testing::TempDir;
using testing::lines_of;
using testing::Outcome;
using testing::run_huiyan;

const std::string kData = HUIYAN_TEST_DATA_DIR;

class RecommendCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::make_unique<TempDir>();
    const TempDir& d = *dir_;
    const Outcome pre = run_huiyan("preprocess --format interactions --input " + kData +
                                   "/amazon-video/sample.txt --out-dir " + (d / "data"));
    ASSERT_EQ(pre.exit_code, 0) << pre.err;
    ASSERT_NE(pre.err.find("21859 interactions of 1000 users"), std::string::npos) << pre.err;
    train_ = run_huiyan("train --task recommend --data " + (d / "data/data.h5") + " -o " +
                        (d / "model.h5") + " --dim 16 --max-len 20 --max-epochs 6 --valid-every 3");
    ASSERT_EQ(train_.exit_code, 0) << train_.err;
  }
  static void TearDownTestSuite() { dir_.reset(); }

  static std::string model() { return *dir_ / "model.h5"; }
  static std::string data() { return *dir_ / "data/data.h5"; }

  static std::unique_ptr<TempDir> dir_;
  static Outcome train_;
};
std::unique_ptr<TempDir> RecommendCli::dir_;
Outcome RecommendCli::train_;

TEST_F(RecommendCli, TrainingLossFallsAndValidationIsLogged) {
  // "step N epoch E loss L valid ndcg@10 ..." at epochs 3 and 6.
  std::vector<double> losses;
  for (const auto& line : lines_of(train_.err)) {
    const size_t at = line.find(" loss ");
    if (at != std::string::npos && line.find("valid ndcg@10") != std::string::npos) {
      losses.push_back(std::stod(line.substr(at + 6)));
    }
  }
  ASSERT_EQ(losses.size(), 2u) << train_.err;
  EXPECT_LT(losses[1], losses[0]);
}

TEST_F(RecommendCli, EvalPrintsBothProtocolsAndJson) {
  const Outcome text = run_huiyan("eval --task recommend -m " + model() + " --data " + data());
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("sampled negatives"), std::string::npos);
  EXPECT_NE(text.out.find("full catalogue"), std::string::npos);
  // More negatives than a user has unseen items cannot be drawn: the output says how many were.
  const Outcome too_many = run_huiyan("eval --task recommend -m " + model() + " --data " + data() +
                                      " --negatives 1000000");
  ASSERT_EQ(too_many.exit_code, 0) << too_many.err;
  EXPECT_NE(too_many.out.find(
                "(vs 1000000 sampled negatives, or every unseen item where fewer: down to "),
            std::string::npos)
      << too_many.out;
  const Outcome json =
      run_huiyan("eval --task recommend -m " + model() + " --data " + data() + " --json");
  ASSERT_EQ(json.exit_code, 0) << json.err;
  const auto j = nlohmann::json::parse(json.out);
  for (const char* key : {"hr@10_sampled", "ndcg@10_sampled", "hr@10_full", "ndcg@10_full"}) {
    ASSERT_TRUE(j.contains(key)) << key;
    EXPECT_GE(j[key].get<double>(), 0.0);
    EXPECT_LE(j[key].get<double>(), 1.0);
  }
  EXPECT_GE(j["hr@10_sampled"].get<double>(), j["hr@10_full"].get<double>());
  const Outcome popular =
      run_huiyan("eval --task recommend --baseline popular --data " + data() + " --json");
  ASSERT_EQ(popular.exit_code, 0) << popular.err;
  EXPECT_EQ(nlohmann::json::parse(popular.out)["system"], "popular");
  EXPECT_EQ(run_huiyan("eval --task recommend --data " + data()).exit_code, 2);
}

TEST_F(RecommendCli, RecommendsKItemsPerLineInInputOrder) {
  // Items of user 1 in the sample, then an empty line, then another history.
  const Outcome out =
      run_huiyan("recommend -m " + model() + " -k 5 --exclude-seen", "1 2 3\n\n4,5\n");
  ASSERT_EQ(out.exit_code, 0) << out.err;
  const auto lines = lines_of(out.out);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(std::count(lines[0].begin(), lines[0].end(), '\t'), 4);
  for (const char* seen : {"1 ", "2 ", "3 "}) EXPECT_NE(lines[0].substr(0, 2), seen);
  EXPECT_EQ(lines[1], "");
  const Outcome json = run_huiyan("recommend -m " + model() + " -k 2 --json", "1 2 3\n");
  ASSERT_EQ(json.exit_code, 0) << json.err;
  const auto j = nlohmann::json::parse(json.out);
  ASSERT_EQ(j["items"].size(), 2u);
  EXPECT_GE(j["items"][0]["score"].get<double>(), j["items"][1]["score"].get<double>());
}

TEST_F(RecommendCli, BadInputWarnsAndNeverCrashes) {
  std::string input = "1 2 \xff\xfe\n";             // invalid UTF-8
  input += std::string("\x01\x02\x7f junk\n", 12);  // binary junk: unknown items
  std::string huge;
  for (int i = 0; huge.size() < 1'000'000; ++i) huge += std::to_string(i % 900 + 1) + " ";
  input += huge + "\n";  // a 1 MB history: its newest items are read
  input += "999999 1\n";
  const Outcome out = run_huiyan("recommend -m " + model() + " -k 3", input);
  ASSERT_EQ(out.exit_code, 0) << out.err;
  const auto lines = lines_of(out.out);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0], "");
  EXPECT_EQ(lines[1], "");
  EXPECT_FALSE(lines[2].empty());
  EXPECT_FALSE(lines[3].empty());
  EXPECT_NE(out.err.find("line 1: invalid UTF-8"), std::string::npos) << out.err;
  EXPECT_NE(out.err.find("line 4: unknown item '999999'"), std::string::npos) << out.err;
  const Outcome missing = run_huiyan("recommend -m /nonexistent.h5", "1\n");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("/nonexistent.h5"), std::string::npos);
}

}  // namespace
}  // namespace huiyan
