#include "nn/random.h"

#include <gtest/gtest.h>

#include <cmath>

#include "nn/layers.h"

namespace huiyan::nn {
namespace {

TEST(Random, MatchesTheSplitMix64ReferenceSequence) {
  // First outputs for seed 1234567 of the reference C implementation (Vigna's splitmix64.c).
  Random rng(1234567);
  EXPECT_EQ(rng.next(), 6457827717110365317ULL);
  EXPECT_EQ(rng.next(), 3203168211198807973ULL);
  EXPECT_EQ(rng.next(), 9817491932198370423ULL);
}

// A stream for loading draws what Random(seed) draws, but parameters made with it keep their
// allocated zeros: no initial values are drawn for weights a file then replaces.
TEST(Random, ForLoadingLeavesParametersUndrawn) {
  Random loading = Random::for_loading(7);
  Random plain(7);
  EXPECT_TRUE(loading.loading());
  EXPECT_FALSE(plain.loading());
  EXPECT_EQ(loading.next(), plain.next());
  const Linear loaded(4, 3, loading);
  const Linear drawn(4, 3, plain);
  int drawn_nonzero = 0;
  for (int64_t i = 0; i < 12; ++i) {
    EXPECT_EQ(loaded.weight.data()[i], 0.0f) << i;
    drawn_nonzero += drawn.weight.data()[i] != 0.0f ? 1 : 0;
  }
  EXPECT_EQ(drawn_nonzero, 12);
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
