#include "nn/attention_memory.h"

#include <gtest/gtest.h>

#include <cmath>

#include "tests/nn/attention_test_util.h"
#include "tests/nn/gradcheck.h"

namespace huiyan::nn {
namespace {

TEST(MemoryAttention, EachHopFollowsTheRecurrence) {
  Random rng(1);
  MemoryAttention memory(3, 2, rng);
  const auto u1 = testing::random_input({1, 3}, 2);
  const auto keys = testing::random_input({1, 4, 3}, 3);
  const auto values = testing::random_input({1, 4, 3}, 4);
  Graph graph;
  const std::vector<float> keep = {1, 1, 1, 0};
  const auto r = memory(graph.from(u1.shape, u1.values), graph.from(keys.shape, keys.values),
                        graph.from(values.shape, values.values), graph.from({1, 4}, keep));
  ASSERT_EQ(r.weights.size(), 2u);
  const auto H = memory.h.weight.values();
  std::vector<double> u(u1.values.begin(), u1.values.end());
  for (int hop = 0; hop < 2; ++hop) {
    testing::expect_distribution(r.weights[static_cast<size_t>(hop)], keep, 4);
    std::vector<double> p(4, 0.0);
    double z = 0;
    for (int i = 0; i < 3; ++i) {  // pᵢ = softmax(uᵀ mᵢ) over kept memories
      double s = 0;
      for (int c = 0; c < 3; ++c)
        s += u[static_cast<size_t>(c)] * keys.values[static_cast<size_t>(i * 3 + c)];
      p[static_cast<size_t>(i)] = std::exp(s);
      z += p[static_cast<size_t>(i)];
    }
    std::vector<double> next(3, 0.0);  // u ← H u + Σ pᵢ cᵢ
    for (int r_ = 0; r_ < 3; ++r_) {
      for (int c = 0; c < 3; ++c)
        next[static_cast<size_t>(r_)] +=
            H[static_cast<size_t>(r_ * 3 + c)] * u[static_cast<size_t>(c)];
      for (int i = 0; i < 3; ++i)
        next[static_cast<size_t>(r_)] +=
            p[static_cast<size_t>(i)] / z * values.values[static_cast<size_t>(i * 3 + r_)];
    }
    u = next;
  }
  const auto answer = r.answer.values();
  for (int c = 0; c < 3; ++c)
    EXPECT_NEAR(answer[static_cast<size_t>(c)], u[static_cast<size_t>(c)], 1e-5);
}

TEST(MemoryAttention, GradientsMatchFiniteDifferences) {
  Random rng(5);
  MemoryAttention memory(3, 3, rng);
  testing::expect_gradients({testing::random_input({2, 3}, 6), testing::random_input({2, 4, 3}, 7),
                             testing::random_input({2, 4, 3}, 8)},
                            [&](Graph&, const std::vector<Tensor>& in) {
                              return memory(in[0], in[1], in[2], Tensor()).answer;
                            });
}

}  // namespace
}  // namespace huiyan::nn
