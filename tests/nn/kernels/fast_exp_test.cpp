#include "nn/kernels/fast_exp.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>

namespace huiyan::nn::kernels {
namespace {

int64_t ulp_distance(float a, float b) {
  int32_t ia;
  int32_t ib;
  std::memcpy(&ia, &a, sizeof ia);
  std::memcpy(&ib, &b, sizeof ib);
  return std::llabs(static_cast<int64_t>(ia) - ib);
}

TEST(FastExp, WithinOneUlpOfLibmWhereverTheResultIsNormal) {
  int64_t worst = 0;
  float worst_at = 0;
  int64_t checked = 0;
  for (float x = -87.3f; x < 88.7f; x += std::abs(x) * 1e-5f + 1e-6f, ++checked) {
    const int64_t d = ulp_distance(exp_fast(x), std::exp(x));
    if (d > worst) worst = d, worst_at = x;
  }
  EXPECT_GT(checked, 1000000);
  EXPECT_LE(worst, 1) << "at x = " << worst_at;
}

TEST(FastExp, EdgesAreZeroInfinityAndNan) {
  EXPECT_EQ(exp_fast(0.0f), 1.0f);
  EXPECT_EQ(exp_fast(-INFINITY), 0.0f);
  EXPECT_EQ(exp_fast(-100.0f), 0.0f);
  EXPECT_EQ(exp_fast(INFINITY), INFINITY);
  EXPECT_EQ(exp_fast(100.0f), INFINITY);
  EXPECT_TRUE(std::isnan(exp_fast(NAN)));
  EXPECT_TRUE(std::isfinite(exp_fast(88.72f)));
}

}  // namespace
}  // namespace huiyan::nn::kernels
