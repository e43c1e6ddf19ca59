#include <gtest/gtest.h>

#include "nn/ops.h"
#include "tests/nn/gradcheck.h"

namespace huiyan::nn {
namespace {

using testing::expect_gradients;
using testing::random_input;

TEST(Reduce, SumMeanMaxOverEachAxis) {
  const auto x = random_input({2, 3, 4}, 1);
  Graph graph;
  const Tensor t = graph.from(x.shape, x.values);
  const auto at = [&](int64_t i, int64_t j, int64_t k) {
    return x.values[static_cast<size_t>((i * 3 + j) * 4 + k)];
  };
  const auto s1 = sum(t, 1);
  ASSERT_EQ(s1.shape(), (Shape{2, 4}));
  const auto m0 = mean(t, 0).values();
  const auto x2 = max(t, -1).values();
  for (int64_t i = 0; i < 2; ++i) {
    for (int64_t k = 0; k < 4; ++k) {
      EXPECT_NEAR(s1.values()[static_cast<size_t>(i * 4 + k)],
                  at(i, 0, k) + at(i, 1, k) + at(i, 2, k), 1e-6);
    }
  }
  for (int64_t j = 0; j < 3; ++j) {
    for (int64_t k = 0; k < 4; ++k) {
      EXPECT_NEAR(m0[static_cast<size_t>(j * 4 + k)], (at(0, j, k) + at(1, j, k)) / 2, 1e-6);
    }
  }
  for (int64_t i = 0; i < 2; ++i) {
    for (int64_t j = 0; j < 3; ++j) {
      float expected = at(i, j, 0);
      for (int64_t k = 1; k < 4; ++k) expected = std::max(expected, at(i, j, k));
      EXPECT_EQ(x2[static_cast<size_t>(i * 3 + j)], expected);
    }
  }
  EXPECT_NEAR(
      sum_all(t).item(),
      [&] {
        double s = 0;
        for (float v : x.values) s += v;
        return s;
      }(),
      1e-5);
}

TEST(Reduce, GradientsMatchFiniteDifferences) {
  for (int axis : {0, 1, 2}) {
    expect_gradients({random_input({3, 4, 5}, 2)},
                     [axis](Graph&, const std::vector<Tensor>& in) { return sum(in[0], axis); });
    expect_gradients({random_input({3, 4, 5}, 3)},
                     [axis](Graph&, const std::vector<Tensor>& in) { return mean(in[0], axis); });
    // Distinct values 0.05 apart: a step of 1e-3 never changes which element is the maximum.
    testing::Input spaced{{3, 4, 5}, std::vector<float>(60)};
    for (size_t i = 0; i < 60; ++i)
      spaced.values[i] = 0.05f * static_cast<float>((i * 37) % 60) - 1.5f;
    expect_gradients(
        {spaced}, [axis](Graph&, const std::vector<Tensor>& in) { return max(in[0], axis); },
        1e-3f);
  }
  expect_gradients({random_input({6, 2}, 5)},
                   [](Graph&, const std::vector<Tensor>& in) { return mean_all(in[0]); });
}

}  // namespace
}  // namespace huiyan::nn
