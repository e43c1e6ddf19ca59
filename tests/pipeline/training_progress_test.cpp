#include "pipeline/training_progress.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

namespace huiyan::pipeline {
namespace {

TrainingCursor at(int64_t step, int64_t epoch, int64_t batch_in_epoch) {
  TrainingCursor c;
  c.step = step;
  c.epoch = epoch;
  c.batch_in_epoch = batch_in_epoch;
  return c;
}

// Once an epoch's last batch is taken the cursor points at the next epoch: a message then names
// the epoch just finished, not the one not yet begun.
TEST(TrainingProgress, EpochOfTheLastStepCountsFromOne) {
  EXPECT_EQ(at(0, 0, 0).epoch_of_last_step(), 1);  // nothing trained yet: the first epoch
  EXPECT_EQ(at(5, 0, 5).epoch_of_last_step(), 1);
  EXPECT_EQ(at(10, 1, 0).epoch_of_last_step(), 1);  // the first epoch just ended
  EXPECT_EQ(at(13, 1, 3).epoch_of_last_step(), 2);
}

// 100 steps of this run in 50 s, 32,000 tokens: 640 tok/s and 0.5 s a step, so 900 steps to
// --max-steps 1000 take 7m30s.
TEST(TrainingProgress, StatusShowsTheFieldsAndTheTimeToMaxSteps) {
  TrainingLimits limits;
  limits.max_steps = 1000;
  const std::string status =
      training_status(at(100, 0, 100), limits, "tok", {100, 32'000, 50, 400, 2.5, 5e-4});
  EXPECT_EQ(status, "epoch 1 loss 2.5000 lr 5.000e-04 tok/s 640 ETA 7m30s");
}

// The ETA runs to the first limit reached. Epochs of 50 batches, 2 batches a step: from batch 20
// of the second epoch, 80 batches (40 steps, 20 s) are left to --max-epochs 3.
TEST(TrainingProgress, EtaRunsToTheFirstLimit) {
  TrainingLimits limits;
  limits.max_steps = 1000;
  limits.max_epochs = 3;
  limits.batches_per_step = 2;
  const TrainingFigures figures{100, 1000, 50, 50, 1.0, 1e-3};
  EXPECT_NE(training_status(at(100, 1, 20), limits, "seq", figures).find(" ETA 20s"),
            std::string::npos);
  // Each epoch ends with a step of its odd batch: epochs of 51 batches, from batch 20 of the
  // second, take 16 + 26 steps, 42 s at a second a step.
  EXPECT_NE(training_status(at(100, 1, 20), limits, "seq", {100, 1000, 100, 51, 1.0, 1e-3})
                .find(" ETA 42s"),
            std::string::npos);
  limits.max_minutes = 1;  // 10 s left of the minute
  EXPECT_NE(training_status(at(100, 1, 20), limits, "seq", figures).find(" seq/s 20 ETA 10s"),
            std::string::npos);
}

// Before the run's first step there is no rate to project from; after a resume only this run's
// steps count (the cursor's 5,000 earlier steps took no time of this run).
TEST(TrainingProgress, EtaComesFromThisRunsSteps) {
  TrainingLimits limits;
  limits.max_steps = 6000;
  EXPECT_EQ(training_status(at(5000, 4, 0), limits, "tok", {0, 0, 0, 10, 3.0, 1e-4}).find("ETA"),
            std::string::npos);
  EXPECT_NE(
      training_status(at(5010, 4, 10), limits, "tok", {10, 0, 5, 10, 3.0, 1e-4}).find(" ETA 8m15s"),
      std::string::npos);  // 990 steps at 0.5 s
}

// The loss in a log line is the mean of the steps since the previous log line, whatever the
// validation interval; a step whose loss is not finite does not count.
TEST(TrainingProgress, LogLinesShowTheLossOfTheirOwnHundredSteps) {
  std::vector<std::string> lines;
  TrainingProgress progress(at(0, 0, 0), {}, "tok", false,
                            [&](const std::string& line) { lines.push_back(line); });
  for (int64_t step = 1; step <= 200; ++step) {
    const double loss = step == 150 ? NAN : static_cast<double>(step);
    progress.step_taken(at(step, 0, step), 1000, 0, loss, 1e-3);
  }
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[0].find("step 100 epoch 1 loss 50.5000 "), std::string::npos) << lines[0];
  // Steps 101..200 but 150: (15050 - 150) / 99.
  EXPECT_NE(lines[1].find("step 200 epoch 1 loss 150.5051 "), std::string::npos) << lines[1];
}

}  // namespace
}  // namespace huiyan::pipeline
