// The learning-rate schedules of schedule.h, computed in double and rounded once.

#include "nn/schedule.h"

#include <cmath>
#include <stdexcept>

namespace huiyan::nn {

namespace {

void check_rate(float lr) {
  if (!(lr >= 0.0f) || !std::isfinite(lr)) {
    throw std::invalid_argument("a learning rate must be finite and >= 0, got " +
                                std::to_string(lr));
  }
}

void check_warmup(int64_t warmup) {
  if (warmup < 0) {
    throw std::invalid_argument("warm-up steps must be >= 0, got " + std::to_string(warmup));
  }
}

void check_step(int64_t step) {
  if (step < 1) {
    throw std::invalid_argument("schedule steps count from 1, got " + std::to_string(step));
  }
}

// The warm-up ramp's value at step (1 <= step < warmup).
double ramp(double peak, int64_t step, int64_t warmup) {
  return peak * static_cast<double>(step) / static_cast<double>(warmup);
}

}  // namespace

ConstantSchedule::ConstantSchedule(float lr, int64_t warmup) : lr_(lr), warmup_(warmup) {
  check_rate(lr);
  check_warmup(warmup);
}

float ConstantSchedule::lr(int64_t step) const {
  check_step(step);
  if (step < warmup_) return static_cast<float>(ramp(lr_, step, warmup_));
  return lr_;
}

InverseSqrtSchedule::InverseSqrtSchedule(float peak_lr, int64_t warmup)
    : peak_lr_(peak_lr), warmup_(warmup == 0 ? 1 : warmup) {
  check_rate(peak_lr);
  check_warmup(warmup);
}

float InverseSqrtSchedule::lr(int64_t step) const {
  check_step(step);
  if (step < warmup_) return static_cast<float>(ramp(peak_lr_, step, warmup_));
  return static_cast<float>(peak_lr_ *
                            std::sqrt(static_cast<double>(warmup_) / static_cast<double>(step)));
}

LinearDecaySchedule::LinearDecaySchedule(float peak_lr, int64_t warmup, int64_t total_steps)
    : peak_lr_(peak_lr), warmup_(warmup), total_steps_(total_steps) {
  check_rate(peak_lr);
  check_warmup(warmup);
  if (total_steps <= warmup) {
    throw std::invalid_argument("a linear schedule needs total steps (" +
                                std::to_string(total_steps) + ") > warm-up steps (" +
                                std::to_string(warmup) + ")");
  }
}

float LinearDecaySchedule::lr(int64_t step) const {
  check_step(step);
  if (step < warmup_) return static_cast<float>(ramp(peak_lr_, step, warmup_));
  if (step >= total_steps_) return 0.0f;
  return static_cast<float>(peak_lr_ * static_cast<double>(total_steps_ - step) /
                            static_cast<double>(total_steps_ - warmup_));
}

std::unique_ptr<Schedule> make_schedule(const std::string& name, float lr, int64_t warmup,
                                        int64_t total_steps) {
  if (name == "constant") return std::make_unique<ConstantSchedule>(lr, warmup);
  if (name == "inverse-sqrt") return std::make_unique<InverseSqrtSchedule>(lr, warmup);
  if (name == "linear") return std::make_unique<LinearDecaySchedule>(lr, warmup, total_steps);
  throw std::invalid_argument("unknown learning-rate schedule '" + name +
                              "' (expected constant, inverse-sqrt or linear)");
}

}  // namespace huiyan::nn
