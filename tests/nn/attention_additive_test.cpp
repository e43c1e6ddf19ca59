#include "nn/attention_additive.h"

#include <gtest/gtest.h>

#include <cmath>

#include "tests/nn/attention_test_util.h"
#include "tests/nn/gradcheck.h"

namespace huiyan::nn {
namespace {

TEST(AdditiveAttention, MatchesTheFormulaOnFixedWeights) {
  Random rng(1);
  AdditiveAttention attention(3, 4, 5, rng);
  const auto q = testing::random_input({2, 3}, 2);
  const auto values = testing::random_input({2, 6, 4}, 3);
  Graph graph;
  const AttentionResult result =
      attention(graph.from(q.shape, q.values), graph.from(values.shape, values.values), Tensor());
  const auto W1 = attention.w1.weight.values(), b1 = attention.w1.bias.values();
  const auto W2 = attention.w2.weight.values(), b2 = attention.w2.bias.values();
  const auto V = attention.v.weight.values(), bv = attention.v.bias.values();
  const auto weights = result.weights.values();
  const auto context = result.context.values();
  for (int b = 0; b < 2; ++b) {
    std::vector<double> score(6);
    for (int t = 0; t < 6; ++t) {
      double s = bv[0];
      for (int u = 0; u < 5; ++u) {
        double pre = b1[static_cast<size_t>(u)] + b2[static_cast<size_t>(u)];
        for (int i = 0; i < 4; ++i)
          pre += W1[static_cast<size_t>(u * 4 + i)] *
                 values.values[static_cast<size_t>((b * 6 + t) * 4 + i)];
        for (int i = 0; i < 3; ++i)
          pre += W2[static_cast<size_t>(u * 3 + i)] * q.values[static_cast<size_t>(b * 3 + i)];
        s += V[static_cast<size_t>(u)] * std::tanh(pre);
      }
      score[static_cast<size_t>(t)] = s;
    }
    double z = 0;
    for (double s : score) z += std::exp(s);
    for (int t = 0; t < 6; ++t)
      EXPECT_NEAR(weights[static_cast<size_t>(b * 6 + t)],
                  std::exp(score[static_cast<size_t>(t)]) / z, 1e-6);
    for (int i = 0; i < 4; ++i) {
      double c = 0;
      for (int t = 0; t < 6; ++t)
        c += std::exp(score[static_cast<size_t>(t)]) / z *
             values.values[static_cast<size_t>((b * 6 + t) * 4 + i)];
      EXPECT_NEAR(context[static_cast<size_t>(b * 4 + i)], c, 1e-6);
    }
  }
}

TEST(AdditiveAttention, MaskedPositionsGetExactlyZero) {
  Random rng(4);
  AdditiveAttention attention(3, 4, 5, rng);
  Graph graph;
  const std::vector<float> keep = {1, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0};
  const auto result = attention(graph.from({2, 3}, testing::random_input({2, 3}, 5).values),
                                graph.from({2, 6, 4}, testing::random_input({2, 6, 4}, 6).values),
                                graph.from({2, 6}, keep));
  testing::expect_distribution(result.weights, keep, 6);
}

TEST(AdditiveAttention, GradientsMatchFiniteDifferences) {
  Random rng(7);
  AdditiveAttention attention(3, 4, 5, rng);
  testing::expect_gradients(
      {testing::random_input({2, 3}, 8), testing::random_input({2, 5, 4}, 9)},
      [&](Graph& graph, const std::vector<Tensor>& in) {
        const Tensor keep = graph.from({2, 5}, std::vector<float>{1, 1, 1, 1, 1, 1, 1, 0, 0, 0});
        const auto r = attention(in[0], in[1], keep);
        return concat({r.context, r.weights}, 1);
      });
}

}  // namespace
}  // namespace huiyan::nn
