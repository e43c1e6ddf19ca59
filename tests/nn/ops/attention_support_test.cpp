#include <gtest/gtest.h>

#include "nn/attention_multihead.h"
#include "nn/ops.h"
#include "tests/nn/attention_test_util.h"
#include "tests/nn/gradcheck.h"

namespace huiyan::nn {
namespace {

using testing::random_input;

TEST(MaskedSoftmax, KeptPositionsSumToOneOthersAreZero) {
  Graph graph;
  const std::vector<float> keep = {1, 0, 1, 0, 0, 0, 1, 1, 1};
  const Tensor w =
      masked_softmax(graph.from({3, 3}, random_input({3, 3}, 1).values), graph.from({3, 3}, keep));
  testing::expect_distribution(w, keep, 3);
  EXPECT_EQ(w.values()[3] + w.values()[4] + w.values()[5], 0.0f);  // nothing kept: all 0, no NaN
  testing::expect_gradients({random_input({2, 3, 4}, 2)}, [](Graph& graph,
                                                             const std::vector<Tensor>& in) {
    return masked_softmax(in[0], graph.from({2, 1, 4}, std::vector<float>{1, 1, 0, 1, 0, 0, 0, 0}));
  });
}

TEST(Pick, GathersOnePerRowWithGradient) {
  Graph graph;
  const Tensor x = graph.from({2, 3}, std::vector<float>{1, 2, 3, 4, 5, 6});
  EXPECT_EQ(pick(x, graph.ids({2}, std::vector<int32_t>{2, 0})).values(),
            (std::vector<float>{3, 4}));
  testing::expect_gradients({random_input({3, 4}, 3)},
                            [](Graph& graph, const std::vector<Tensor>& in) {
                              return pick(in[0], graph.ids({3}, std::vector<int32_t>{1, 1, 3}));
                            });
}

struct FusedCase {
  int64_t query_len;
  int64_t key_len;
  bool causal;
  bool padding;
};

class FusedAttentionTest : public ::testing::TestWithParam<FusedCase> {};

// The fused kernel gives the naive path's output and gradients within 1e-5.
TEST_P(FusedAttentionTest, EqualsTheNaivePath) {
  const auto [tq, tk, causal, padding] = GetParam();
  const int64_t batch = 2, heads = 2, d = 8;
  const auto q = random_input({batch, heads, tq, d}, 1);
  const auto k = random_input({batch, heads, tk, d}, 2);
  const auto v = random_input({batch, heads, tk, 5}, 3);
  const auto dy = random_input({batch, heads, tq, 5}, 4);
  std::vector<float> key_keep(static_cast<size_t>(batch * tk), 1.0f);
  if (padding) {
    for (int64_t j = tk * 2 / 3; j < tk; ++j) key_keep[static_cast<size_t>(tk + j)] = 0.0f;
  }
  const auto run = [&](bool fused) {
    Graph graph;
    const Tensor tq_ = graph.variable(q.shape, q.values), tk_ = graph.variable(k.shape, k.values),
                 tv_ = graph.variable(v.shape, v.values);
    const Tensor keep = padding ? graph.from({batch, tk}, key_keep) : Tensor();
    Tensor out;
    if (fused) {
      out = fused_attention(tq_, tk_, tv_, keep, causal);
    } else {
      Tensor full_keep;
      if (padding || causal) full_keep = attention_keep(graph, keep, batch, tq, tk, causal);
      out = scaled_dot_product_attention(tq_, tk_, tv_, full_keep).output;
    }
    graph.backward(sum_all(mul(out, graph.from(dy.shape, dy.values))));
    std::vector<std::vector<float>> result = {out.values(), tq_.gradient(), tk_.gradient(),
                                              tv_.gradient()};
    return result;
  };
  const auto fused = run(true);
  const auto naive = run(false);
  const char* names[] = {"output", "dq", "dk", "dv"};
  for (size_t which = 0; which < 4; ++which) {
    ASSERT_EQ(fused[which].size(), naive[which].size());
    for (size_t i = 0; i < fused[which].size(); ++i) {
      ASSERT_NEAR(fused[which][i], naive[which][i], 1e-5) << names[which] << " [" << i << "]";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, FusedAttentionTest,
                         ::testing::Values(FusedCase{5, 7, false, false},
                                           FusedCase{37, 37, true, true},
                                           FusedCase{130, 300, false, true},
                                           FusedCase{200, 200, true, false},
                                           FusedCase{64, 128, false, false}));

TEST(FusedAttention, MultiHeadUsesItForLongInputsWithoutWeights) {
  Random rng(5);
  MultiHeadAttention attention(8, 2, rng);
  attention.set_fused_from(16);
  Graph graph;
  const auto x = random_input({1, 20, 8}, 6);
  const Tensor input = graph.from(x.shape, x.values);
  const auto with_weights = attention(input, input, input, Tensor(), true);
  attention.need_weights = false;
  const auto fused = attention(input, input, input, Tensor(), true);
  EXPECT_TRUE(with_weights.weights.defined());
  EXPECT_FALSE(fused.weights.defined());
  const auto a = with_weights.output.values(), b = fused.output.values();
  for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-5);
}

}  // namespace
}  // namespace huiyan::nn
