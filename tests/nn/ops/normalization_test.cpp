#include <gtest/gtest.h>

#include <cmath>

#include "nn/ops.h"
#include "tests/nn/gradcheck.h"

namespace huiyan::nn {
namespace {

using testing::expect_gradients;
using testing::random_input;

TEST(Softmax, RowsAreProbabilitiesMatchingTheFormula) {
  const auto x = random_input({3, 4, 7}, 1, -5, 5);
  Graph graph;
  const Tensor t = graph.from(x.shape, x.values);
  const auto p = softmax(t).values();
  const auto lp = log_softmax(t).values();
  for (int64_t row = 0; row < 12; ++row) {
    double max = -1e30;
    for (int j = 0; j < 7; ++j)
      max = std::max<double>(max, x.values[static_cast<size_t>(row * 7 + j)]);
    double z = 0;
    for (int j = 0; j < 7; ++j) z += std::exp(x.values[static_cast<size_t>(row * 7 + j)] - max);
    double total = 0;
    for (int j = 0; j < 7; ++j) {
      const size_t i = static_cast<size_t>(row * 7 + j);
      const double expected = std::exp(x.values[i] - max) / z;
      EXPECT_NEAR(p[i], expected, 1e-6);
      EXPECT_NEAR(lp[i], std::log(expected), 1e-5);
      total += p[i];
    }
    EXPECT_NEAR(total, 1.0, 1e-6);
  }
}

TEST(Softmax, GradientsMatchFiniteDifferences) {
  expect_gradients({random_input({4, 6}, 2, -2, 2)},
                   [](Graph&, const std::vector<Tensor>& in) { return softmax(in[0]); });
  expect_gradients({random_input({2, 3, 5}, 3, -2, 2)},
                   [](Graph&, const std::vector<Tensor>& in) { return log_softmax(in[0]); });
}

TEST(LayerNorm, ForwardNormalizesEachRow) {
  const auto x = random_input({5, 8}, 4, -3, 3);
  const auto gamma = random_input({8}, 5, 0.5f, 1.5f);
  const auto beta = random_input({8}, 6);
  Graph graph;
  const auto y = layer_norm(graph.from(x.shape, x.values), graph.from(gamma.shape, gamma.values),
                            graph.from(beta.shape, beta.values), 1e-5f)
                     .values();
  for (int row = 0; row < 5; ++row) {
    double mean = 0, var = 0;
    for (int j = 0; j < 8; ++j) mean += x.values[static_cast<size_t>(row * 8 + j)];
    mean /= 8;
    for (int j = 0; j < 8; ++j)
      var += std::pow(x.values[static_cast<size_t>(row * 8 + j)] - mean, 2);
    var /= 8;
    for (int j = 0; j < 8; ++j) {
      const size_t i = static_cast<size_t>(row * 8 + j);
      const double expected =
          (x.values[i] - mean) / std::sqrt(var + 1e-5) * gamma.values[static_cast<size_t>(j)] +
          beta.values[static_cast<size_t>(j)];
      EXPECT_NEAR(y[i], expected, 1e-5);
    }
  }
}

TEST(LayerNorm, GradientsMatchFiniteDifferences) {
  expect_gradients(
      {random_input({3, 2, 6}, 7, -2, 2), random_input({6}, 8, 0.5f, 1.5f), random_input({6}, 9)},
      [](Graph&, const std::vector<Tensor>& in) { return layer_norm(in[0], in[1], in[2]); });
}

TEST(LayerNorm, AccumulatesIntoGradientsThatHoldValues) {
  // The same gamma used twice: its gradient is the sum of both uses.
  expect_gradients(
      {random_input({4, 5}, 10, -2, 2), random_input({5}, 11, 0.5f, 1.5f), random_input({5}, 12)},
      [](Graph&, const std::vector<Tensor>& in) {
        const Tensor once = layer_norm(in[0], in[1], in[2]);
        return layer_norm(once, in[1], in[2]);
      });
}

}  // namespace
}  // namespace huiyan::nn
