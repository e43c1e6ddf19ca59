#include "nn/attention_luong.h"

#include <gtest/gtest.h>

#include <cmath>

#include "tests/nn/attention_test_util.h"
#include "tests/nn/gradcheck.h"

namespace huiyan::nn {
namespace {

LuongOptions options(LuongScore score, bool local = false) {
  LuongOptions o;
  o.score = score;
  o.hidden = 4;
  o.local = local;
  o.window = 2;
  return o;
}

TEST(LuongAttention, ScoresMatchThePaper) {
  Random rng(1);
  const auto h = testing::random_input({2, 4}, 2);
  const auto src = testing::random_input({2, 5, 4}, 3);
  Graph graph;
  const Tensor ht = graph.from(h.shape, h.values), hs = graph.from(src.shape, src.values);
  const auto at = [&](const std::vector<float>& v, size_t i) { return static_cast<double>(v[i]); };
  {
    LuongAttention dot(options(LuongScore::dot), rng);
    const auto s = dot.scores(ht, hs).values();
    for (int b = 0; b < 2; ++b)
      for (int t = 0; t < 5; ++t) {
        double e = 0;
        for (int i = 0; i < 4; ++i)
          e += at(h.values, static_cast<size_t>(b * 4 + i)) *
               at(src.values, static_cast<size_t>((b * 5 + t) * 4 + i));
        EXPECT_NEAR(s[static_cast<size_t>(b * 5 + t)], e, 1e-6);
      }
  }
  {
    LuongAttention general(options(LuongScore::general), rng);
    const auto Wa = general.parameters()[0].tensor.values();  // W_a [4, 4]
    const auto s = general.scores(ht, hs).values();
    for (int b = 0; b < 2; ++b)
      for (int t = 0; t < 5; ++t) {
        double e = 0;  // hₜᵀ W_a h̄ₛ
        for (int i = 0; i < 4; ++i)
          for (int j = 0; j < 4; ++j)
            e += at(h.values, static_cast<size_t>(b * 4 + i)) * Wa[static_cast<size_t>(i * 4 + j)] *
                 at(src.values, static_cast<size_t>((b * 5 + t) * 4 + j));
        EXPECT_NEAR(s[static_cast<size_t>(b * 5 + t)], e, 1e-5);
      }
  }
  {
    LuongAttention concat_score(options(LuongScore::concat), rng);
    const auto params = concat_score.parameters();  // W_a_state, W_a_source, v_a, W_c
    const auto Ws = params[0].tensor.values(), Wr = params[1].tensor.values(),
               va = params[2].tensor.values();
    const auto s = concat_score.scores(ht, hs).values();
    for (int b = 0; b < 2; ++b)
      for (int t = 0; t < 5; ++t) {
        double e = 0;  // v_aᵀ tanh(W_a [hₜ; h̄ₛ])
        for (int r = 0; r < 4; ++r) {
          double pre = 0;
          for (int i = 0; i < 4; ++i) {
            pre +=
                Ws[static_cast<size_t>(r * 4 + i)] * at(h.values, static_cast<size_t>(b * 4 + i));
            pre += Wr[static_cast<size_t>(r * 4 + i)] *
                   at(src.values, static_cast<size_t>((b * 5 + t) * 4 + i));
          }
          e += va[static_cast<size_t>(r)] * std::tanh(pre);
        }
        EXPECT_NEAR(s[static_cast<size_t>(b * 5 + t)], e, 1e-5);
      }
  }
}

TEST(LuongAttention, GlobalWeightsAndAttentionalState) {
  Random rng(4);
  LuongAttention attention(options(LuongScore::general), rng);
  Graph graph;
  const std::vector<float> keep = {1, 1, 1, 1, 0, 1, 1, 0, 0, 0};
  const auto h = testing::random_input({2, 4}, 5);
  const auto result =
      attention(graph.from(h.shape, h.values),
                graph.from({2, 5, 4}, testing::random_input({2, 5, 4}, 6).values),
                graph.from({2, 5}, keep), graph.ids({2}, std::vector<int32_t>{4, 2}));
  testing::expect_distribution(result.weights, keep, 5);
  // h̃ₜ = tanh(W_c [cₜ; hₜ]), W_c [4, 8].
  const auto Wc = attention.parameters()[1].tensor.values();
  const auto c = result.context.values();
  const auto got = result.attentional.values();
  for (int b = 0; b < 2; ++b)
    for (int r = 0; r < 4; ++r) {
      double pre = 0;
      for (int i = 0; i < 4; ++i)
        pre += Wc[static_cast<size_t>(r * 8 + i)] * c[static_cast<size_t>(b * 4 + i)];
      for (int i = 0; i < 4; ++i)
        pre += Wc[static_cast<size_t>(r * 8 + 4 + i)] * h.values[static_cast<size_t>(b * 4 + i)];
      EXPECT_NEAR(got[static_cast<size_t>(b * 4 + r)], std::tanh(pre), 1e-5);
    }
}

TEST(LuongAttention, LocalPStaysInItsWindowWithGaussianWeights) {
  Random rng(7);
  LuongAttention attention(options(LuongScore::dot, true), rng);
  Graph graph;
  const int64_t len = 12;
  const auto result =
      attention(graph.from({1, 4}, testing::random_input({1, 4}, 8).values),
                graph.from({1, len, 4}, testing::random_input({1, len, 4}, 9).values), Tensor(),
                graph.ids({1}, std::vector<int32_t>{static_cast<int32_t>(len)}));
  const float p = result.position.item();
  EXPECT_GE(p, 0.0f);
  EXPECT_LE(p, static_cast<float>(len));
  const auto w = result.weights.values();
  const auto scores =
      attention
          .scores(graph.from({1, 4}, testing::random_input({1, 4}, 8).values),
                  graph.from({1, len, 4}, testing::random_input({1, len, 4}, 9).values))
          .values();
  // Inside the window: softmax over the window times exp(-(s - p)² / (2 (D/2)²)); outside: 0.
  double z = 0;
  for (int s = 0; s < len; ++s)
    if (std::abs(s - p) <= 2) z += std::exp(scores[static_cast<size_t>(s)]);
  for (int s = 0; s < len; ++s) {
    if (std::abs(s - p) > 2) {
      EXPECT_EQ(w[static_cast<size_t>(s)], 0.0f) << s;
    } else {
      const double expected =
          std::exp(scores[static_cast<size_t>(s)]) / z * std::exp(-(s - p) * (s - p) / 2.0);
      EXPECT_NEAR(w[static_cast<size_t>(s)], expected, 1e-5) << s;
    }
  }
}

TEST(LuongAttention, GradientsMatchFiniteDifferences) {
  for (const LuongScore score : {LuongScore::dot, LuongScore::general, LuongScore::concat}) {
    for (const bool local : {false, true}) {
      Random rng(10);
      LuongAttention attention(options(score, local), rng);
      testing::expect_gradients(
          {testing::random_input({2, 4}, 11), testing::random_input({2, 6, 4}, 12)},
          [&](Graph& graph, const std::vector<Tensor>& in) {
            const auto r =
                attention(in[0], in[1], Tensor(), graph.ids({2}, std::vector<int32_t>{6, 4}));
            return concat({r.attentional, r.weights}, 1);
          },
          1e-3f, 3e-2, 3e-3);
    }
  }
}

}  // namespace
}  // namespace huiyan::nn
