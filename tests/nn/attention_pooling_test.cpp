#include "nn/attention_pooling.h"

#include <gtest/gtest.h>

#include <cmath>

#include "tests/nn/attention_test_util.h"
#include "tests/nn/gradcheck.h"

namespace huiyan::nn {
namespace {

TEST(SelfAttentionPooling, MatchesTheSeedLayer) {
  Random rng(1);
  SelfAttentionPooling pool(3, 5, rng);
  const auto x = testing::random_input({2, 4, 3}, 2);
  Graph graph;
  const auto r = pool(graph.from(x.shape, x.values), Tensor());
  const auto D = pool.dense.weight.values(), bd = pool.dense.bias.values(),
             W = pool.w.weight.values();
  const auto context = r.context.values();
  for (int b = 0; b < 2; ++b) {
    std::vector<double> e(4);
    double z = 0;
    for (int t = 0; t < 4; ++t) {
      double s = 0;  // tanh(relu(x D + b)) · W
      for (int u = 0; u < 5; ++u) {
        double pre = bd[static_cast<size_t>(u)];
        for (int i = 0; i < 3; ++i)
          pre += D[static_cast<size_t>(u * 3 + i)] *
                 x.values[static_cast<size_t>((b * 4 + t) * 3 + i)];
        s += std::tanh(std::max(pre, 0.0)) * W[static_cast<size_t>(u)];
      }
      e[static_cast<size_t>(t)] = std::exp(s);
      z += e[static_cast<size_t>(t)];
    }
    for (int i = 0; i < 3; ++i) {
      double c = 0;  // Aᵀ x
      for (int t = 0; t < 4; ++t)
        c += e[static_cast<size_t>(t)] / z * x.values[static_cast<size_t>((b * 4 + t) * 3 + i)];
      EXPECT_NEAR(context[static_cast<size_t>(b * 3 + i)], c, 1e-6);
    }
  }
}

TEST(StructuredSelfAttention, HopsAreDistributionsAndThePenaltyIsTheFrobeniusNorm) {
  Random rng(3);
  StructuredSelfAttention attention(4, 6, 3, rng);
  Graph graph;
  const std::vector<float> keep = {1, 1, 1, 1, 1, 1, 1, 0, 0};
  const auto r = attention(graph.from({3, 3, 4}, testing::random_input({3, 3, 4}, 4).values),
                           graph.from({3, 3}, keep));
  ASSERT_EQ(r.weights.shape(), (Shape{3, 3, 3}));
  std::vector<float> expanded;
  for (int b = 0; b < 3; ++b)
    for (int hop = 0; hop < 3; ++hop)
      for (int t = 0; t < 3; ++t) expanded.push_back(keep[static_cast<size_t>(b * 3 + t)]);
  testing::expect_distribution(reshape(r.weights, {9, 3}), expanded, 3);
  // ‖AAᵀ − I‖²_F from the weights, per document, summed.
  const auto a = r.weights.values();
  double penalty = 0;
  for (int b = 0; b < 3; ++b)
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j) {
        double dot = 0;
        for (int t = 0; t < 3; ++t)
          dot += a[static_cast<size_t>((b * 3 + i) * 3 + t)] *
                 a[static_cast<size_t>((b * 3 + j) * 3 + t)];
        penalty += std::pow(dot - (i == j ? 1 : 0), 2);
      }
  EXPECT_NEAR(r.penalty.item(), penalty, 1e-5);
}

TEST(AttentionPooling, GradientsMatchFiniteDifferences) {
  Random rng(5);
  SelfAttentionPooling pool(3, 4, rng);
  StructuredSelfAttention structured(3, 4, 2, rng);
  testing::expect_gradients(
      {testing::random_input({2, 5, 3}, 6)}, [&](Graph& graph, const std::vector<Tensor>& in) {
        const Tensor keep = graph.from({2, 5}, std::vector<float>{1, 1, 1, 1, 1, 1, 1, 0, 0, 0});
        const auto s = structured(in[0], keep);
        return concat(
            {reshape(pool(in[0], keep).context, {6}), reshape(s.embedding, {12}), s.penalty}, 0);
      });
}

}  // namespace
}  // namespace huiyan::nn
