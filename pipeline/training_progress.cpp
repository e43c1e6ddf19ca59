#include "pipeline/training_progress.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <utility>

#include "pipeline/fixed.h"

namespace huiyan::pipeline {

namespace {
constexpr int64_t kLogEvery = 100;  // steps between log lines off a terminal
}  // namespace

std::string training_status(const TrainingCursor& at, const TrainingLimits& limits,
                            const std::string& unit, const TrainingFigures& f) {
  char rate[32];
  std::snprintf(rate, sizeof rate, "%.3e", f.lr);  // warm-up spans decades
  std::string line = "epoch " + std::to_string(at.epoch_of_last_step()) + " loss " +
                     fixed(f.loss, 4) + " lr " + rate + " " + unit + "/s " +
                     std::to_string(static_cast<int64_t>(f.items / std::max(f.seconds, 1e-9)));
  if (f.steps <= 0 || f.seconds <= 0) return line;
  const double per_step = f.seconds / static_cast<double>(f.steps);
  double left = INFINITY;
  if (limits.max_steps > 0) left = static_cast<double>(limits.max_steps - at.step) * per_step;
  if (limits.max_epochs > 0) {
    // Epochs are taken as long as the current one (their batches may differ a little); each ends
    // with a step of the batches left over.
    const int64_t per = std::max<int64_t>(1, limits.batches_per_step);
    const auto steps_for = [per](int64_t batches) { return (batches + per - 1) / per; };
    const int64_t steps_left =
        steps_for(f.batches_in_epoch - at.batch_in_epoch) +
        std::max<int64_t>(0, limits.max_epochs - at.epoch - 1) * steps_for(f.batches_in_epoch);
    left = std::min(left, static_cast<double>(steps_left) * per_step);
  }
  if (limits.max_minutes > 0) left = std::min(left, limits.max_minutes * 60 - f.seconds);
  if (!std::isfinite(left)) return line;
  return line + " ETA " + format_duration(left);
}

TrainingProgress::TrainingProgress(const TrainingCursor& start, TrainingLimits limits,
                                   std::string unit, bool enabled,
                                   std::function<void(const std::string&)> log)
    : line_("train", "steps", enabled, static_cast<size_t>(start.step)),
      limits_(limits),
      unit_(std::move(unit)),
      log_(std::move(log)),
      first_step_(start.step) {}

void TrainingProgress::step_taken(const TrainingCursor& at, int64_t batches_in_epoch, double items,
                                  double loss, double lr) {
  if (std::isfinite(loss)) {
    window_loss_ += loss;
    ++window_steps_;
  }
  const bool window_ends = at.step % kLogEvery == 0;
  const bool log_line = window_ends && !line_.drawing() && log_;
  if (line_.drawing() || log_line) {
    const double mean = window_loss_ / static_cast<double>(std::max<int64_t>(1, window_steps_));
    const std::string status = training_status(
        at, limits_, unit_, {at.step - first_step_, items, seconds(), batches_in_epoch, mean, lr});
    line_.update(static_cast<size_t>(at.step), status);
    if (log_line) log_("step " + std::to_string(at.step) + " " + status);
  }
  if (window_ends) {
    window_loss_ = 0;
    window_steps_ = 0;
  }
}

}  // namespace huiyan::pipeline
