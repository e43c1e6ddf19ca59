#include "nn/kernels/convert.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace huiyan::nn::kernels {
namespace {

float round_trip(float x) {
  bf16 b;
  to_bf16(&x, 1, &b);
  return from_bf16(b);
}

TEST(ToBf16, KeepsWhatBf16HoldsAndRoundsTiesToEven) {
  EXPECT_EQ(round_trip(1.0f), 1.0f);
  EXPECT_EQ(round_trip(-2.5f), -2.5f);
  EXPECT_EQ(round_trip(1.0f + 0x1.0p-7f), 1.0f + 0x1.0p-7f);  // bf16's last mantissa bit
  // Halfway between 1 and 1 + 2^-7: to the even one, 1.
  EXPECT_EQ(round_trip(1.0f + 0x1.0p-8f), 1.0f);
  // Halfway between 1 + 2^-7 (odd) and 1 + 2^-6 (even): up.
  EXPECT_EQ(round_trip(1.0f + 0x1.0p-7f + 0x1.0p-8f), 1.0f + 0x1.0p-6f);
  // Just above halfway: up.
  EXPECT_EQ(round_trip(1.0f + 0x1.0p-8f + 0x1.0p-20f), 1.0f + 0x1.0p-7f);
  EXPECT_EQ(round_trip(INFINITY), INFINITY);
  EXPECT_TRUE(std::isnan(round_trip(NAN)));
}

TEST(ToBf16, RelativeErrorIsAtMostHalfAnUlpOnLongArrays) {
  // Long enough to run in parallel chunks.
  std::vector<float> x(300000);
  for (size_t i = 0; i < x.size(); ++i) x[i] = std::sin(static_cast<float>(i)) * 1000.0f + 0.5f;
  std::vector<bf16> b(x.size());
  to_bf16(x.data(), static_cast<int64_t>(x.size()), b.data());
  for (size_t i = 0; i < x.size(); ++i) {
    ASSERT_LE(std::abs(from_bf16(b[i]) - x[i]), std::abs(x[i]) * 0x1.0p-8f) << i;
  }
}

}  // namespace
}  // namespace huiyan::nn::kernels
