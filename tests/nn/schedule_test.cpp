// Learning-rate schedules at chosen steps: warm-up ramp, peak, decay, and the end.

#include "nn/schedule.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace huiyan::nn {
namespace {

TEST(ConstantSchedule, WarmsUpLinearlyThenHolds) {
  const ConstantSchedule schedule(0.01f, 4);
  EXPECT_FLOAT_EQ(schedule.lr(1), 0.0025f);
  EXPECT_FLOAT_EQ(schedule.lr(3), 0.0075f);
  EXPECT_FLOAT_EQ(schedule.lr(4), 0.01f);
  EXPECT_FLOAT_EQ(schedule.lr(1000000), 0.01f);
  EXPECT_FLOAT_EQ(ConstantSchedule(0.5f).lr(1), 0.5f);
}

TEST(InverseSqrtSchedule, PeaksAtWarmupThenDecaysAsInverseSqrt) {
  const InverseSqrtSchedule schedule(1e-3f, 4000);
  EXPECT_FLOAT_EQ(schedule.lr(1), 1e-3f / 4000);
  EXPECT_FLOAT_EQ(schedule.lr(2000), 0.5e-3f);
  EXPECT_FLOAT_EQ(schedule.lr(4000), 1e-3f);
  EXPECT_FLOAT_EQ(schedule.lr(16000), 0.5e-3f);
  EXPECT_FLOAT_EQ(schedule.lr(9000), static_cast<float>(1e-3 * std::sqrt(4000.0 / 9000.0)));
  // Noam's form, d^-0.5 · min(step^-0.5, step · warmup^-1.5), scaled to the same peak.
  for (const int64_t step : {10, 3999, 4001, 123456}) {
    const double noam = std::min(std::pow(step, -0.5), step * std::pow(4000.0, -1.5));
    EXPECT_FLOAT_EQ(schedule.lr(step), static_cast<float>(1e-3 * noam * std::sqrt(4000.0)));
  }
  // No warm-up: the peak at step 1.
  EXPECT_FLOAT_EQ(InverseSqrtSchedule(0.1f, 0).lr(1), 0.1f);
  EXPECT_FLOAT_EQ(InverseSqrtSchedule(0.1f, 0).lr(4), 0.05f);
}

TEST(LinearDecaySchedule, WarmsUpDecaysToZeroAndStays) {
  const LinearDecaySchedule schedule(0.1f, 10, 110);
  EXPECT_FLOAT_EQ(schedule.lr(1), 0.01f);
  EXPECT_FLOAT_EQ(schedule.lr(5), 0.05f);
  EXPECT_FLOAT_EQ(schedule.lr(10), 0.1f);
  EXPECT_FLOAT_EQ(schedule.lr(60), 0.05f);
  EXPECT_FLOAT_EQ(schedule.lr(85), 0.025f);
  EXPECT_FLOAT_EQ(schedule.lr(109), 0.001f);
  EXPECT_EQ(schedule.lr(110), 0.0f);
  EXPECT_EQ(schedule.lr(1000), 0.0f);
  EXPECT_THROW(LinearDecaySchedule(0.1f, 10, 10), std::invalid_argument);
}

TEST(Schedule, StepsCountFromOne) {
  EXPECT_THROW(ConstantSchedule(0.1f).lr(0), std::invalid_argument);
  EXPECT_THROW(InverseSqrtSchedule(0.1f, 10).lr(-1), std::invalid_argument);
  EXPECT_THROW(ConstantSchedule(-0.1f), std::invalid_argument);
  EXPECT_THROW(ConstantSchedule(0.1f, -1), std::invalid_argument);
}

TEST(Schedule, MadeByName) {
  EXPECT_FLOAT_EQ(make_schedule("constant", 0.2f, 2, 0)->lr(1), 0.1f);
  EXPECT_FLOAT_EQ(make_schedule("inverse-sqrt", 0.2f, 4, 0)->lr(16), 0.1f);
  EXPECT_FLOAT_EQ(make_schedule("linear", 0.2f, 0, 10)->lr(5), 0.1f);
  EXPECT_THROW(make_schedule("cosine", 0.2f, 0, 10), std::invalid_argument);
  EXPECT_THROW(make_schedule("linear", 0.2f, 10, 5), std::invalid_argument);
}

}  // namespace
}  // namespace huiyan::nn
