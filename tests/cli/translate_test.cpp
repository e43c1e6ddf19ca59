// huiyan train and huiyan translate as users run them, on the committed sample.

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <memory>

#include "tests/cli/run_huiyan.h"
#include "tests/temp_dir.h"

namespace huiyan {
namespace {

using huiyan::testing::read_file;
using huiyan::testing::TempDir;

const std::string kData = HUIYAN_TEST_DATA_DIR;

using testing::Outcome;
using testing::run_huiyan;

size_t lines(const std::string& text) {
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

// One small model for every test here: trained once through the CLI.
class TranslateCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::make_unique<TempDir>();  // lives for the whole suite
    const TempDir& d = *dir_;
    ASSERT_EQ(
        run_huiyan("preprocess -q --format parallel --src " + kData + "/multi30k/train.de --tgt " +
                   kData + "/multi30k/train.en --valid-size 40 --test-size 0 --out-dir " +
                   (d / "data"))
            .exit_code,
        0);
    ASSERT_EQ(run_huiyan("tokenize train -q -i " + (d / "data/train.src") + " -i " +
                         (d / "data/train.tgt") + " --vocab-size 500 --byte-fallback -o " +
                         (d / "joint.model"))
                  .exit_code,
              0);
    ASSERT_EQ(run_huiyan("tokenize build -q --task translate --data-dir " + (d / "data") + " -m " +
                         (d / "joint.model") + " -o " + (d / "data.h5"))
                  .exit_code,
              0);
    const Outcome train = run_huiyan(
        "train -q --task translate --data " + (d / "data.h5") + " -o " + (d / "model.h5") +
        " --dim 32 --heads 2 --layers 1 --ff-dim 64 --batch-tokens 600 --max-steps 40 "
        "--valid-every 20 --warmup 10 --lr 2e-3");
    ASSERT_EQ(train.exit_code, 0) << train.err;
  }
  static void TearDownTestSuite() { dir_.reset(); }
  static std::unique_ptr<TempDir> dir_;
};

std::unique_ptr<TempDir> TranslateCli::dir_;

TEST_F(TranslateCli, OneLineOutPerLineInWithEmptyLinesKept) {
  TempDir scratch;
  const Outcome r = run_huiyan("translate -m " + (*dir_ / "model.h5") + " --beam 2",
                               "Ein Mann.\n\nZwei Hunde spielen.\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(lines(r.out), 3u);
  EXPECT_EQ(r.out.substr(r.out.find('\n') + 1, 1), "\n");  // the empty line stays empty
  const Outcome nbest =
      run_huiyan("translate -m " + (*dir_ / "model.h5") + " --beam 3 --n-best 2", "Ein Mann.\n");
  EXPECT_EQ(lines(nbest.out), 2u);
  EXPECT_EQ(nbest.out.rfind("0 ||| ", 0), 0u);
}

TEST_F(TranslateCli, BadInputWarnsAndKeepsAlignmentNeverCrashes) {
  TempDir scratch;
  std::string junk;
  for (int i = 1; i < 256; ++i) {
    if (i != '\n') junk.push_back(static_cast<char>(i));
  }
  const std::string long_line(100'000, 'a');
  const Outcome r = run_huiyan("translate -m " + (*dir_ / "model.h5") + " --beam 1",
                               "gut \xff kaputt\n" + junk + "\n" + long_line + "\nEin Hund.\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(lines(r.out), 4u);
  EXPECT_NE(r.err.find("line 1: invalid UTF-8"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("line 3: "), std::string::npos) << r.err;  // truncated
}

TEST_F(TranslateCli, EvalTranslatesAndScoresInOneGo) {
  const Outcome r = run_huiyan("eval --task translate -m " + (*dir_ / "model.h5") + " --src " +
                               (*dir_ / "data/valid.src") + " --ref " + (*dir_ / "data/valid.tgt") +
                               " --metric bleu,chrf --json --beam 2");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"bleu\""), std::string::npos);
  EXPECT_NE(r.out.find("\"chrf\""), std::string::npos);
  EXPECT_EQ(run_huiyan("eval --task translate -m " + (*dir_ / "model.h5")).exit_code, 2);
}

TEST_F(TranslateCli, MissingOrWrongModelIsAnError) {
  TempDir scratch;
  const Outcome missing = run_huiyan("translate -m " + (scratch / "none.h5"), "x\n");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(lines(missing.err), 1u);
  const Outcome dataset = run_huiyan("translate -m " + (*dir_ / "data.h5"), "x\n");
  EXPECT_EQ(dataset.exit_code, 1);
  EXPECT_NE(dataset.err.find("not a huiyan model file"), std::string::npos) << dataset.err;
  EXPECT_EQ(
      run_huiyan("translate -m " + (*dir_ / "model.h5") + " --beam 2 --n-best 3", "").exit_code, 2);
}

}  // namespace
}  // namespace huiyan
