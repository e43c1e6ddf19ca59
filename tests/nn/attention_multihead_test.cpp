#include "nn/attention_multihead.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "nn/engine.h"
#include "tests/nn/attention_test_util.h"
#include "tests/nn/gradcheck.h"

namespace huiyan::nn {
namespace {

TEST(ScaledDotProduct, MatchesSoftmaxOfScaledScoresTimesValues) {
  const auto q = testing::random_input({1, 2, 3, 4}, 1);
  const auto k = testing::random_input({1, 2, 5, 4}, 2);
  const auto v = testing::random_input({1, 2, 5, 3}, 3);
  Graph graph;
  const auto r =
      scaled_dot_product_attention(graph.from(q.shape, q.values), graph.from(k.shape, k.values),
                                   graph.from(v.shape, v.values), Tensor());
  const auto out = r.output.values();
  for (int h = 0; h < 2; ++h)
    for (int i = 0; i < 3; ++i) {
      std::vector<double> s(5);
      double z = 0;
      for (int j = 0; j < 5; ++j) {
        double dot = 0;
        for (int c = 0; c < 4; ++c)
          dot += q.values[static_cast<size_t>((h * 3 + i) * 4 + c)] *
                 k.values[static_cast<size_t>((h * 5 + j) * 4 + c)];
        s[static_cast<size_t>(j)] = std::exp(dot / 2.0);  // √d_k = 2
        z += s[static_cast<size_t>(j)];
      }
      for (int c = 0; c < 3; ++c) {
        double expected = 0;
        for (int j = 0; j < 5; ++j)
          expected +=
              s[static_cast<size_t>(j)] / z * v.values[static_cast<size_t>((h * 5 + j) * 3 + c)];
        EXPECT_NEAR(out[static_cast<size_t>((h * 3 + i) * 3 + c)], expected, 1e-5);
      }
    }
}

TEST(MultiHeadAttention, PaddingAndCausalMasksGiveExactZeros) {
  Random rng(4);
  MultiHeadAttention attention(8, 2, rng);
  Graph graph;
  const auto x = testing::random_input({2, 4, 8}, 5);
  const Tensor input = graph.from(x.shape, x.values);
  const std::vector<float> key_keep = {1, 1, 1, 1, 1, 1, 0, 0};
  const auto r = attention(input, input, input, graph.from({2, 4}, key_keep), true);
  ASSERT_EQ(r.weights.shape(), (Shape{2, 2, 4, 4}));
  std::vector<float> keep;
  for (int b = 0; b < 2; ++b)
    for (int h = 0; h < 2; ++h)
      for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 4; ++j)
          keep.push_back(j <= i && key_keep[static_cast<size_t>(b * 4 + j)] != 0 ? 1.0f : 0.0f);
  testing::expect_distribution(reshape(r.weights, {16, 4}), keep, 4);
}

TEST(MultiHeadAttention, HeadsSplitAndMergeLikeTheFormula) {
  // With W^Q = W^K = W^V = W^O = I and zero biases, head i attends with the i-th slice of x.
  Random rng(6);
  MultiHeadAttention attention(4, 2, rng);
  for (Linear* l : {&attention.q, &attention.k, &attention.v, &attention.out}) {
    std::fill_n(l->weight.data(), 16, 0.0f);
    for (int i = 0; i < 4; ++i) l->weight.data()[i * 5] = 1.0f;
  }
  const auto x = testing::random_input({1, 3, 4}, 7);
  Graph graph;
  const Tensor input = graph.from(x.shape, x.values);
  const auto r = attention(input, input, input, Tensor(), false);
  const auto out = r.output.values();
  for (int head = 0; head < 2; ++head)
    for (int i = 0; i < 3; ++i) {
      std::vector<double> s(3);
      double z = 0;
      for (int j = 0; j < 3; ++j) {
        double dot = 0;
        for (int c = 0; c < 2; ++c)
          dot += x.values[static_cast<size_t>(i * 4 + head * 2 + c)] *
                 x.values[static_cast<size_t>(j * 4 + head * 2 + c)];
        s[static_cast<size_t>(j)] = std::exp(dot / std::sqrt(2.0));
        z += s[static_cast<size_t>(j)];
      }
      for (int c = 0; c < 2; ++c) {
        double expected = 0;
        for (int j = 0; j < 3; ++j)
          expected +=
              s[static_cast<size_t>(j)] / z * x.values[static_cast<size_t>(j * 4 + head * 2 + c)];
        EXPECT_NEAR(out[static_cast<size_t>(i * 4 + head * 2 + c)], expected, 1e-5);
      }
    }
}

TEST(MultiHeadAttention, CachedDecodingEqualsUncachedStepByStep) {
  Random rng(8);
  MultiHeadAttention self(8, 2, rng);
  MultiHeadAttention cross(8, 2, rng);
  const int64_t batch = 2, len = 5, source = 6;
  const auto x = testing::random_input({batch, len, 8}, 9);
  const auto memory = testing::random_input({batch, source, 8}, 10);
  const std::vector<float> memory_keep = {1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0};
  Graph graph;
  NoGrad no_grad(graph);
  const Tensor all = graph.from(x.shape, x.values);
  const Tensor mem = graph.from(memory.shape, memory.values);
  const Tensor keep = graph.from({batch, source}, memory_keep);
  const auto full_self = self(all, all, all, Tensor(), true).output.values();
  const auto full_cross = cross(all, mem, mem, keep, false).output.values();

  KvCache cache(batch, 2, 4, len);
  KvCache memory_cache = cross.precompute(mem);
  for (int64_t t = 0; t < len; ++t) {
    const Tensor query = slice(all, 1, t, t + 1);
    const auto step = self.step(query, cache).output.values();
    const auto step_cross = cross.attend_cached(query, memory_cache, keep).output.values();
    for (int64_t b = 0; b < batch; ++b)
      for (int c = 0; c < 8; ++c) {
        EXPECT_NEAR(step[static_cast<size_t>(b * 8 + c)],
                    full_self[static_cast<size_t>((b * len + t) * 8 + c)], 1e-5)
            << t;
        EXPECT_NEAR(step_cross[static_cast<size_t>(b * 8 + c)],
                    full_cross[static_cast<size_t>((b * len + t) * 8 + c)], 1e-5)
            << t;
      }
  }
  EXPECT_EQ(cache.length, len);
  EXPECT_THROW(self.step(slice(all, 1, 0, 1), cache), std::length_error);
}

// In bf16 precision the caches hold bf16 keys and values: step-by-step decoding then stays
// within that rounding of the full computation, and a cache of no positions does not break.
TEST(MultiHeadAttention, Bf16CachesStayCloseToTheFullComputation) {
  if (!Engine::bf16_supported()) GTEST_SKIP() << "no bf16 on this CPU";
  Engine::get().set_precision(Precision::bf16);
  Random rng(8);
  MultiHeadAttention self(64, 1, rng);
  const int64_t batch = 2, len = 5;
  const auto x = testing::random_input({batch, len, 64}, 9);
  Graph graph;
  NoGrad no_grad(graph);
  const Tensor all = graph.from(x.shape, x.values);
  const auto full = self(all, all, all, Tensor(), true).output.values();
  KvCache cache(batch, 1, 64, len);
  EXPECT_TRUE(cache.bf16());
  double worst = 0;
  for (int64_t t = 0; t < len; ++t) {
    const auto step = self.step(slice(all, 1, t, t + 1), cache).output.values();
    for (int64_t b = 0; b < batch; ++b)
      for (int c = 0; c < 64; ++c) {
        const double diff = std::abs(step[static_cast<size_t>(b * 64 + c)] -
                                     full[static_cast<size_t>((b * len + t) * 64 + c)]);
        worst = std::max(worst, diff);
      }
  }
  EXPECT_GT(worst, 0.0);  // the caches did round
  EXPECT_LT(worst, 3e-2);
  KvCache empty(batch, 1, 64, 0);
  EXPECT_EQ(empty.cache_rows(), batch);
  EXPECT_THROW(self.step(slice(all, 1, 0, 1), empty), std::length_error);
  Engine::get().set_precision(Precision::f32);
}

TEST(MultiHeadAttention, GradientsMatchFiniteDifferences) {
  Random rng(11);
  MultiHeadAttention attention(4, 2, rng);
  testing::expect_gradients(
      {testing::random_input({2, 3, 4}, 12), testing::random_input({2, 4, 4}, 13)},
      [&](Graph& graph, const std::vector<Tensor>& in) {
        const Tensor keep = graph.from({2, 4}, std::vector<float>{1, 1, 1, 1, 1, 1, 0, 0});
        return attention(in[0], in[1], in[1], keep, false).output;
      });
}

}  // namespace
}  // namespace huiyan::nn
