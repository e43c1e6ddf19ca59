#pragma once
// Learning-rate schedules: the rate for each optimizer step, steps counting from 1. Each warm-up
// ramps linearly from peak/warmup at step 1 to the peak at step `warmup`.

#include <cstdint>
#include <memory>
#include <string>

namespace huiyan::nn {

class Schedule {
 public:
  virtual ~Schedule() = default;
  // std::invalid_argument for step < 1.
  virtual float lr(int64_t step) const = 0;
};

// Warm-up, then `lr` for good. warmup = 0: no warm-up.
class ConstantSchedule : public Schedule {
 public:
  explicit ConstantSchedule(float lr, int64_t warmup = 0);
  float lr(int64_t step) const override;

 private:
  float lr_;
  int64_t warmup_;
};

// Noam (Vaswani et al. 2017) / fairseq's inverse_sqrt: warm-up, then peak·sqrt(warmup / step).
// warmup = 0 acts as 1 (the peak at step 1, then peak / sqrt(step)).
class InverseSqrtSchedule : public Schedule {
 public:
  InverseSqrtSchedule(float peak_lr, int64_t warmup);
  float lr(int64_t step) const override;

 private:
  float peak_lr_;
  int64_t warmup_;
};

// Warm-up, then linearly down to 0 at total_steps (> warmup), and 0 after.
class LinearDecaySchedule : public Schedule {
 public:
  LinearDecaySchedule(float peak_lr, int64_t warmup, int64_t total_steps);
  float lr(int64_t step) const override;

 private:
  float peak_lr_;
  int64_t warmup_;
  int64_t total_steps_;
};

// "constant", "inverse-sqrt" or "linear" (the one that uses total_steps); std::invalid_argument
// for any other name.
std::unique_ptr<Schedule> make_schedule(const std::string& name, float lr, int64_t warmup,
                                        int64_t total_steps);

}  // namespace huiyan::nn
