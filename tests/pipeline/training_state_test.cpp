#include "pipeline/training_state.h"

#include <gtest/gtest.h>

#include <bit>
#include <fstream>
#include <string>
#include <vector>

#include "io/error.h"
#include "tests/temp_dir.h"

namespace huiyan::pipeline {
namespace {

TEST(TrainingState, CursorRoundTripsThroughCounters) {
  const TrainingCursor saved{1234, 7, 42, 3.25, 2, 17.5, 6, 1200};
  const auto counters = cursor_counters(saved, {{"sampler", 99}});
  EXPECT_EQ(counters.at("sampler"), 99);
  const TrainingCursor read = cursor_from(counters, "m.last.h5");
  EXPECT_EQ(read.step, 1234);
  EXPECT_EQ(read.epoch, 7);
  EXPECT_EQ(read.batch_in_epoch, 42);
  EXPECT_EQ(read.best, 3.25);
  EXPECT_EQ(read.stale, 2);
  EXPECT_EQ(read.loss_sum, 17.5);
  EXPECT_EQ(read.loss_count, 6);
  EXPECT_EQ(read.validated_step, 1200);
}

// Translation models saved before the trainer used the cursor named their best validation loss
// best_valid_bits and kept no count of validations without improvement: they still resume.
TEST(TrainingState, OlderTranslationCountersStillResume) {
  const std::map<std::string, int64_t> older = {{"step", 500},
                                                {"epoch", 2},
                                                {"batch_in_epoch", 17},
                                                {"best_valid_bits", std::bit_cast<int64_t>(4.5)}};
  const TrainingCursor read = cursor_from(older, "m.last.h5");
  EXPECT_EQ(read.step, 500);
  EXPECT_EQ(read.best, 4.5);
  EXPECT_EQ(read.stale, 0);
}

TEST(TrainingState, AMissingCounterNamesTheFile) {
  try {
    cursor_from({{"step", 1}, {"epoch", 0}}, "m.last.h5");
    FAIL() << "no error";
  } catch (const io::DataError& e) {
    EXPECT_NE(std::string(e.what()).find("m.last.h5: /train_state: the counter 'batch_in_epoch'"),
              std::string::npos)
        << e.what();
  }
}

// The error a resume check gives, or "" when it lets the run go on.
std::string resume_refusal(const std::string& path, const nlohmann::json& config,
                           const std::map<std::string, std::string>& tokenizers) {
  try {
    check_resumes_same_model(path, config, tokenizers);
    return "";
  } catch (const io::DataError& e) {
    return e.what();
  } catch (const std::invalid_argument& e) {
    return std::string("usage: ") + e.what();
  }
}

TEST(TrainingState, ResumeRefusesAnotherModelButNotAnotherDropout) {
  testing::TempDir dir;
  const std::string path = dir / "m.last.h5";
  const nlohmann::json saved = {{"arch", "transformer"},
                                {"model", {{"heads", 2}, {"dim", 32}, {"dropout", 0.1}}}};
  ModelFile file;
  file.config_json = saved.dump();
  file.tokenizers = {{"src", "model bytes"}};
  save_model(path, file);

  EXPECT_EQ(resume_refusal(path, saved, {{"src", "model bytes"}}), "");
  nlohmann::json other = saved;
  other["model"]["dropout"] = 0.3;
  EXPECT_EQ(resume_refusal(path, other, {{"src", "model bytes"}}), "");
  other["model"]["heads"] = 4;
  // An option given against the run's is a usage mistake.
  EXPECT_EQ(resume_refusal(path, other, {{"src", "model bytes"}}),
            "usage: " + path +
                ": trained with --heads 2, but this run has --heads 4; resume with the options it "
                "was trained with");
  other = saved;
  other["arch"] = "rnn";
  EXPECT_NE(resume_refusal(path, other, {})
                .find("trained with --arch transformer, but this run has --arch rnn"),
            std::string::npos);
  other = saved;
  other["model"]["layers"] = 3;  // a setting older files did not store: not compared
  EXPECT_EQ(resume_refusal(path, other, {}), "");
  EXPECT_NE(resume_refusal(path, saved, {{"src", "other bytes"}}).find("another src tokenizer"),
            std::string::npos);
  EXPECT_NE(resume_refusal(path, saved, {{"tgt", "model bytes"}}).find("another tgt tokenizer"),
            std::string::npos);
  // No file: resume_training_state names it.
  EXPECT_EQ(resume_refusal(dir / "none.h5", saved, {}), "");
}

// A classifier's labels give its outputs their meaning: another table (other names, or the same
// in another order) is another model.
TEST(TrainingState, ResumeRefusesOtherLabels) {
  testing::TempDir dir;
  const std::string path = dir / "m.last.h5";
  ModelFile file;
  file.config_json = R"({"model": {}})";
  file.tables["labels"] = {"neg", "pos"};
  save_model(path, file);
  const nlohmann::json config = {{"model", nlohmann::json::object()}};
  EXPECT_NO_THROW(check_resumes_same_model(path, config, {}, {{"labels", {"neg", "pos"}}}));
  for (const std::vector<std::string>& other :
       {std::vector<std::string>{"pos", "neg"}, std::vector<std::string>{"neg", "pos", "mixed"}}) {
    try {
      check_resumes_same_model(path, config, {}, {{"labels", other}});
      FAIL() << "no error";
    } catch (const io::DataError& e) {
      EXPECT_NE(std::string(e.what()).find(path + ": trained with other labels than the --data"),
                std::string::npos)
          << e.what();
    }
  }
}

// Without a valid split a run is told that nothing is validated; a validated run may not go on so.
TEST(TrainingState, AValidatedRunNeedsAValidSplit) {
  std::vector<std::string> said;
  const auto say = [&](const std::string& line) { said.push_back(line); };
  check_valid_split(true, true, "best valid loss 2.0000", "d.h5", "m.last.h5", say);
  EXPECT_TRUE(said.empty());
  check_valid_split(false, true, "", "d.h5", "m.last.h5", say);
  ASSERT_EQ(said.size(), 1u);
  EXPECT_NE(said[0].find("d.h5 has no valid split: nothing is validated"), std::string::npos);
  EXPECT_THROW(check_valid_split(false, true, "best valid loss 2.0000", "d.h5", "m.last.h5", say),
               io::DataError);
  EXPECT_NO_THROW(check_valid_split(false, false, "", "d.h5", "m.last.h5", say));
}

// A fresh run is told which files of an earlier one under its -o it will replace: the model (even
// without NAME.last.h5), the state and, when it keeps checkpoints, those of steps it reaches.
TEST(TrainingState, AFreshRunIsWarnedOfWhatItReplaces) {
  testing::TempDir dir;
  const std::string output = dir / "m.h5";
  EXPECT_EQ(earlier_run_warning(output, "", true), "");
  ModelFile file;
  file.config_json = R"({"model": {}})";
  save_model(checkpoint_path(output, 20), file);
  EXPECT_EQ(earlier_run_warning(output, "", false), "");
  EXPECT_EQ(earlier_run_warning(output, "", true),
            "warning: this run replaces any of the 1 earlier checkpoint " + (dir / "m.step<N>.h5") +
                " of steps it reaches as it saves");
  save_model(output, file);
  EXPECT_EQ(earlier_run_warning(output, "", false),
            "warning: " + output + " exists: this run replaces it as it saves");
  file.has_train_state = true;
  file.counters = {{"step", 40}};
  save_model(last_model_path(output), file);
  save_model(checkpoint_path(output, 40), file);
  const std::string warning = earlier_run_warning(output, "", true);
  EXPECT_NE(warning.find(last_model_path(output) +
                         " holds an earlier run (step 40): this one replaces it, " + output +
                         " and any of the 2 earlier checkpoints"),
            std::string::npos)
      << warning;
}

// A run that stopped early on --patience has nothing left to do on --resume, unless the patience
// is raised; a fresh run under the same -o starts over.
TEST(TrainingRun, AResumeAfterAnEarlyStopTrainsNothing) {
  testing::TempDir dir;
  std::vector<std::string> said;
  const auto say = [&](const std::string& line) { said.push_back(line); };
  const TrainingCursor stopped{30, 1, 5, 2.0, 2};
  EXPECT_TRUE(TrainingRun(stopped, {100, 0, 2, true, dir / "m.h5", {}, false}, nullptr, say)
                  .done_before_starting());
  ASSERT_EQ(said.size(), 1u);
  EXPECT_NE(said[0].find("stopped early after 2 validations without improvement; raise "
                         "--patience (now 2)"),
            std::string::npos)
      << said[0];
  EXPECT_FALSE(TrainingRun(stopped, {100, 0, 3, true, dir / "m.h5", {}, false}, nullptr, say)
                   .done_before_starting());
  EXPECT_FALSE(TrainingRun(stopped, {100, 0, 0, true, dir / "m.h5", {}, false}, nullptr, say)
                   .done_before_starting());
}

// The fresh-run warning says what an earlier NAME.last.h5 is when --resume could not go on with it.
TEST(TrainingState, AFreshRunSaysWhatTheEarlierStateFileIs) {
  testing::TempDir dir;
  const std::string output = dir / "m.h5";
  ModelFile file;
  file.config_json = R"({"task": "classify", "model": {}})";
  save_model(last_model_path(output), file);
  const std::string warning = earlier_run_warning(output, "translate", false);
  EXPECT_NE(warning.find("holds a model of --task classify: this one replaces it"),
            std::string::npos)
      << warning;
  EXPECT_EQ(warning.find("--resume would"), std::string::npos) << warning;
  std::ofstream(last_model_path(output)) << "not HDF5";
  EXPECT_NE(
      earlier_run_warning(output, "translate", false).find("is no model file this run can read"),
      std::string::npos);
}

// Resuming within an epoch with other batching cuts the rest of the epoch anew: a warning naming
// the option. At an epoch's start, or with the same settings, nothing is said.
TEST(TrainingRun, WarnsOfOtherBatchingWithinAnEpoch) {
  testing::TempDir dir;
  const std::string output = dir / "m.h5";
  ModelFile file;
  file.config_json = R"({"model": {}, "batching": {"batch_tokens": 600, "seed": 1}})";
  save_model(last_model_path(output), file);
  std::vector<std::string> said;
  const auto say = [&](const std::string& line) { said.push_back(line); };
  const TrainingCursor within{40, 2, 7, 1.0, 0};
  const nlohmann::json other = {{"batch_tokens", 2000}, {"seed", 1}};
  const auto settings = [&](const nlohmann::json& batching) {
    return RunSettings{100, 0, 0, true, output, {{"batching", batching}}, false};
  };
  TrainingRun(within, settings(other), nullptr, say);
  ASSERT_EQ(said.size(), 1u);
  EXPECT_NE(said[0].find("within epoch 3 with --batch-tokens 2000 (was 600)"), std::string::npos)
      << said[0];
  said.clear();
  TrainingRun(TrainingCursor{40, 3, 0, 1.0, 0}, settings(other), nullptr, say);
  TrainingRun(within, settings({{"batch_tokens", 600}, {"seed", 1}}), nullptr, say);
  EXPECT_TRUE(said.empty());
}

// A stop asked for ends the run with its state saved, not validated; on the run's last step it
// ends as any run: validated.
TEST(TrainingRun, AStopOnRequestSavesUnlessTheRunWasAtItsEnd) {
  testing::TempDir dir;
  bool asked = false;
  TrainingRun run(
      TrainingCursor{}, RunSettings{10, 0, 0, false, dir / "m.h5", {}, false},
      [&] { return asked; }, nullptr);
  EXPECT_FALSE(run.done_before_starting());
  EXPECT_FALSE(run.stop_asked(false));
  asked = true;
  EXPECT_FALSE(run.stop_asked(true));  // a limit stopped it already
  EXPECT_TRUE(run.stop_asked(false));
  std::string done;
  run.finish(
      TrainingCursor{4, 0, 4, -1, 0, 0, 0, 2}, [&] { done = "validated"; },
      [&] { done = "saved"; });
  EXPECT_EQ(done, "saved");
  EXPECT_TRUE(run.interrupted());
  run.finish(
      TrainingCursor{10, 0, 10, -1, 0, 0, 0, 2}, [&] { done = "validated"; },
      [&] { done = "saved"; });
  EXPECT_EQ(done, "validated");
  EXPECT_FALSE(run.interrupted());
  // Asked before the first step: nothing to do, nothing saved.
  TrainingRun at_once(
      TrainingCursor{}, RunSettings{10, 0, 0, false, dir / "m.h5", {}, false}, [] { return true; },
      nullptr);
  EXPECT_TRUE(at_once.done_before_starting());
  done.clear();
  at_once.finish(
      TrainingCursor{}, [&] { done = "validated"; }, [&] { done = "saved"; });
  EXPECT_EQ(done, "");
}

}  // namespace
}  // namespace huiyan::pipeline
