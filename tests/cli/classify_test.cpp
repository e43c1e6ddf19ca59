// huiyan preprocess --format labeled, tokenize, train --task classify, eval --task classify and
// classify as users run them, on the committed IMDB sample.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
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

class ClassifyCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::make_unique<TempDir>();
    const TempDir& d = *dir_;
    const std::vector<std::string> steps = {
        "preprocess -q --format labeled -i " + kData +
            "/imdb/train.tsv --label-column 1 --text-column 4 --out-dir " + (d / "data") +
            " --valid-size 30 --test-size 0",
        "tokenize train -q --threads 1 -i " + (d / "data/train.txt") + " -o " + (d / "sp.model") +
            " --vocab-size 1000",
        "tokenize build -q --task classify --sentences --data-dir " + (d / "data") + " -m " +
            (d / "sp.model") + " -o " + (d / "data.h5")};
    for (const auto& step : steps) {
      const Outcome o = run_huiyan(step);
      ASSERT_EQ(o.exit_code, 0) << step << "\n" << o.err;
    }
    train_ = run_huiyan("train --task classify --data " + (d / "data.h5") + " --arch selfattn -o " +
                        (d / "model.h5") +
                        " --embed-dim 32 --hidden 32 --mlp 32 --hops 2 --penalty 0.1 "
                        "--attention-dim 16 --lr 3e-3 --max-epochs 12 --batch-tokens 4096");
    ASSERT_EQ(train_.exit_code, 0) << train_.err;
  }
  static void TearDownTestSuite() { dir_.reset(); }
  static std::string model() { return *dir_ / "model.h5"; }

  static std::unique_ptr<TempDir> dir_;
  static Outcome train_;
};
std::unique_ptr<TempDir> ClassifyCli::dir_;
Outcome ClassifyCli::train_;

TEST_F(ClassifyCli, LearnsTheSample) {
  // Validation is logged each epoch, and the last model fits the 270 reviews it was trained on
  // (the best one is chosen on 30 valid reviews and may come from an early epoch).
  const auto lines = lines_of(train_.err);
  EXPECT_NE(std::find_if(lines.begin(), lines.end(),
                         [](const std::string& line) {
                           return line.find(" epoch 12 loss ") != std::string::npos &&
                                  line.find(" valid acc ") != std::string::npos;
                         }),
            lines.end())
      << train_.err;
  const std::string last = *dir_ / "model.last.h5";
  const Outcome e = run_huiyan("eval --task classify -m " + last + " --input " + kData +
                               "/imdb/train.tsv --label-column 1 --text-column 4 --json");
  ASSERT_EQ(e.exit_code, 0) << e.err;
  const auto j = nlohmann::json::parse(e.out);
  EXPECT_EQ(j["examples"], 300);
  EXPECT_GE(j["accuracy"].get<double>(), 0.85) << e.out;
  EXPECT_EQ(j["per_class"].size(), 2u);
  EXPECT_GT(j["macro_f1"].get<double>(), 0.8);
  EXPECT_EQ(j["confusion"].size(), 2u);
  const Outcome table = run_huiyan("eval --task classify -m " + model() + " --input " + kData +
                                   "/imdb/test.tsv --label-column 1 --text-column 4");
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("macro-F1"), std::string::npos);
  EXPECT_NE(table.out.find("confusion"), std::string::npos);
}

TEST_F(ClassifyCli, BadLinesGiveWarningsNeverACrash) {
  std::string huge;
  while (huge.size() < (1u << 20)) huge += "A long and boring film. ";
  const std::string input = "\n\xc3\x28 broken\n" + huge + "\nWhat a wonderful, moving film.\n";
  const Outcome o = run_huiyan("classify -m " + model(), input);
  ASSERT_EQ(o.exit_code, 0) << o.err;
  const auto lines = lines_of(o.out);
  ASSERT_EQ(lines.size(), 4u) << o.out;
  EXPECT_EQ(lines[0], "");
  EXPECT_EQ(lines[1], "");
  EXPECT_NE(lines[2].find('\t'), std::string::npos);
  EXPECT_NE(lines[3].find('\t'), std::string::npos);
  EXPECT_NE(o.err.find("line 1: no text"), std::string::npos) << o.err;
  EXPECT_NE(o.err.find("line 2: invalid UTF-8"), std::string::npos) << o.err;
  EXPECT_NE(o.err.find("line 3: "), std::string::npos) << o.err;
}

TEST_F(ClassifyCli, ExplainWeightsSumToOne) {
  const std::string html = *dir_ / "explain.html";
  const Outcome o =
      run_huiyan("classify -m " + model() + " --json --explain --explain-html " + html,
                 "I loved this film. The acting was great.\nBoring and bad.\n");
  ASSERT_EQ(o.exit_code, 0) << o.err;
  const auto lines = lines_of(o.out);
  ASSERT_EQ(lines.size(), 2u);
  for (const auto& line : lines) {
    const auto j = nlohmann::json::parse(line);
    double total = 0;
    for (const auto& w : j["attention"]["words"]) total += w[1].get<double>();
    EXPECT_NEAR(total, 1.0, 1e-4) << line;
  }
  ASSERT_TRUE(std::filesystem::exists(html));
  // Plain output on a pipe: label, probability and the heaviest words as word:weight.
  const Outcome plain = run_huiyan("classify --explain -m " + model(), "Boring and bad.\n");
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_NE(plain.out.find(':'), std::string::npos) << plain.out;
  EXPECT_EQ(plain.out.find('\x1b'), std::string::npos) << "no colours on a pipe";
}

TEST_F(ClassifyCli, PretrainedTokenVectorsStartTheEmbedding) {
  const TempDir& d = *dir_;
  const Outcome vectors =
      run_huiyan("train --task embeddings --threads 1 --data " + (d / "data.h5") + " -o " +
                 (d / "vectors.h5") + " --dim 32 --epochs 1");
  ASSERT_EQ(vectors.exit_code, 0) << vectors.err;
  const std::string train = "train -q --task classify --data " + (d / "data.h5") +
                            " --arch selfattn --hidden 16 --mlp 16 --max-epochs 1 -o " +
                            (d / "init.h5") + " --init-embeddings " + (d / "vectors.h5");
  EXPECT_EQ(run_huiyan(train + " --embed-dim 32").exit_code, 0);
  const Outcome wrong = run_huiyan(train + " --embed-dim 16");
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_NE(wrong.err.find("vectors.h5"), std::string::npos) << wrong.err;
  // A resume goes on with the run's weights: initial embeddings would be silently replaced.
  const Outcome resumed = run_huiyan(train + " --embed-dim 32 --resume");
  EXPECT_EQ(resumed.exit_code, 2) << resumed.err;
  EXPECT_NE(resumed.err.find("--init-embeddings starts a new model"), std::string::npos)
      << resumed.err;
}

TEST_F(ClassifyCli, ClearErrors) {
  const Outcome missing = run_huiyan("classify -m " + (*dir_ / "nope.h5"), "text\n");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("nope.h5"), std::string::npos) << missing.err;
  EXPECT_EQ(run_huiyan("classify -m " + model() + " --top-k 0", "x\n").exit_code, 2);
  // Options of another input format, a column before the first, and a page that cannot be
  // written are found before any document is classified.
  for (const std::string& options :
       {std::string(" --text-column 2"), std::string(" --input-format tsv --text-column 0"),
        std::string(" --input-format tsv --text-field body")}) {
    const Outcome r = run_huiyan("classify -m " + model() + options, "x\n");
    EXPECT_EQ(r.exit_code, 2) << options << ": " << r.err;
    EXPECT_EQ(r.out, "") << options;
  }
  const Outcome page =
      run_huiyan("classify -m " + model() + " --explain-html " + (*dir_ / "none/x.html"), "x\n");
  EXPECT_EQ(page.exit_code, 1) << page.err;
  EXPECT_EQ(page.out, "");
  EXPECT_NE(page.err.find("none/x.html"), std::string::npos) << page.err;
  // The page and the labels in one stream (stdout is a file here) would interleave.
  const Outcome into_labels =
      run_huiyan("classify -m " + model() + " --explain-html /dev/stdout", "x\n");
  EXPECT_EQ(into_labels.exit_code, 2) << into_labels.err;
  EXPECT_EQ(into_labels.out, "");
  EXPECT_NE(into_labels.err.find("--explain-html /dev/stdout names where the labels go"),
            std::string::npos)
      << into_labels.err;
  const std::string tsv = dir_->write("bad.tsv", "1\t0\t0\tGood.\nmaybe\t0\t0\tHm.\n");
  const Outcome bad = run_huiyan("eval --task classify -m " + model() + " --input " + tsv +
                                 " --label-column 1 --text-column 4");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("line 2: label 'maybe'"), std::string::npos) << bad.err;
  // Nothing left to score is an error, not a table of zeros.
  const std::string blank = dir_->write("blank.tsv", "\n1\t0\t0\t \n");
  const Outcome none = run_huiyan("eval --task classify -m " + model() + " --input " + blank +
                                  " --label-column 1 --text-column 4");
  EXPECT_EQ(none.exit_code, 1) << none.err;
  EXPECT_NE(none.err.find("no line to score (2 lines left out)"), std::string::npos) << none.err;
  EXPECT_EQ(none.out, "");
  const Outcome translate_model =
      run_huiyan("train --task classify --data " + model() + " --arch han -o " + (*dir_ / "x.h5"));
  EXPECT_EQ(translate_model.exit_code, 1) << translate_model.err;
}

}  // namespace
}  // namespace huiyan
