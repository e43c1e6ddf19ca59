#include "nn/random.h"

#include <gtest/gtest.h>

#include <cmath>

namespace huiyan::nn {
namespace {

TEST(Random, MatchesTheSplitMix64ReferenceSequence) {
  // First outputs for seed 1234567 of the reference C implementation (Vigna's splitmix64.c).
  Random rng(1234567);
  EXPECT_EQ(rng.next(), 6457827717110365317ULL);
  EXPECT_EQ(rng.next(), 3203168211198807973ULL);
  EXPECT_EQ(rng.next(), 9817491932198370423ULL);
}

TEST(Random, NormalHasTheRequestedMoments) {
  Random rng(3);
  double sum = 0, squares = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    const double v = rng.normal(1.0f, 2.0f);
    sum += v;
    squares += v * v;
  }
  const double mean = sum / n;
  EXPECT_NEAR(mean, 1.0, 0.02);
  EXPECT_NEAR(std::sqrt(squares / n - mean * mean), 2.0, 0.02);
}

}  // namespace
}  // namespace huiyan::nn
