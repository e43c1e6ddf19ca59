#pragma once
// What every trainer shows while it trains: on a terminal a progress line redrawn in place, off
// one (a log file, a pipe) the same fields in a log line every 100 steps:
//   step 1200 epoch 3 loss 2.1234 lr 5.000e-04 tok/s 3120 ETA 12m05s

#include <cstdint>
#include <functional>
#include <string>

#include "pipeline/progress.h"
#include "pipeline/training_state.h"

namespace huiyan::pipeline {

// Where training stops, for the ETA: the first of the limits set (0: not set).
struct TrainingLimits {
  int64_t max_steps = 0;
  int64_t max_epochs = 0;
  double max_minutes = 0;
  int64_t batches_per_step = 1;  // gradient accumulation
};

// The figures of one status, counted from the start of this run (not from before a resume).
struct TrainingFigures {
  int64_t steps = 0;             // taken in this run
  double items = 0;              // read in this run, in the unit the line names
  double seconds = 0;            // since this run started
  int64_t batches_in_epoch = 0;  // of the current epoch
  double loss = 0;               // the mean training loss since the last log line
  double lr = 0;
};

// "epoch 3 loss 2.1234 lr 5.000e-04 tok/s 3120 ETA 12m05s" with `unit` ("tok") naming the
// items; no ETA before the first step of the run.
std::string training_status(const TrainingCursor& at, const TrainingLimits& limits,
                            const std::string& unit, const TrainingFigures& figures);

class TrainingProgress {
 public:
  // `start`: the cursor as this run begins (after a resume, where that left off). `log` takes
  // the periodic lines; `enabled` false keeps the terminal line off (--quiet).
  TrainingProgress(const TrainingCursor& start, TrainingLimits limits, std::string unit,
                   bool enabled, std::function<void(const std::string&)> log);

  // After each optimizer step, with `items` read since the run began and the step's `loss`. The
  // loss shown is the mean over the steps since the last log line's (a multiple of 100): a recent
  // figure whatever the validation interval, the same on a terminal and in a log. Steps whose loss
  // is not finite (skipped by the trainer) do not count.
  void step_taken(const TrainingCursor& at, int64_t batches_in_epoch, double items, double loss,
                  double lr);
  // Clears the terminal line, so that a message can follow on a clean line.
  void finish() { line_.finish(); }
  // Since the run began.
  double seconds() const { return line_.seconds(); }

 private:
  Progress line_;
  TrainingLimits limits_;
  std::string unit_;
  std::function<void(const std::string&)> log_;
  int64_t first_step_;
  double window_loss_ = 0;
  int64_t window_steps_ = 0;
};

}  // namespace huiyan::pipeline
