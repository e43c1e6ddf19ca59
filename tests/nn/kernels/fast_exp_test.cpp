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

// The form for softmax gives exp_fast's very bits over the floats up to 88 (every 97th of the
// non-negative ones, every 89th of the negative ones down past the underflow to -inf) and NaN.
TEST(FastExp, BelowEightyEightMatchesBitForBit) {
  int64_t checked = 0;
  const auto expect_same = [&](uint32_t bits) {
    float x;
    std::memcpy(&x, &bits, sizeof x);
    const float a = exp_fast(x), b = exp_below_88(x);
    ++checked;
    return std::memcmp(&a, &b, sizeof a) == 0 ? ::testing::AssertionSuccess()
                                              : ::testing::AssertionFailure() << "at x = " << x;
  };
  uint32_t limit;
  const float eighty_eight = 88.0f;
  std::memcpy(&limit, &eighty_eight, sizeof limit);
  for (uint32_t bits = 0; bits <= limit; bits += 97) ASSERT_TRUE(expect_same(bits));
  ASSERT_TRUE(expect_same(limit));
  for (uint32_t bits = 0x80000000u; bits <= 0xFF800000u; bits += 89) ASSERT_TRUE(expect_same(bits));
  EXPECT_GT(checked, 30000000);
  EXPECT_EQ(exp_below_88(-INFINITY), 0.0f);
  EXPECT_EQ(exp_below_88(-0.0f), 1.0f);
  EXPECT_TRUE(std::isnan(exp_below_88(NAN)));
}

}  // namespace
}  // namespace huiyan::nn::kernels
