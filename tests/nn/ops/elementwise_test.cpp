#include <gtest/gtest.h>

#include <cmath>

#include "nn/ops.h"
#include "tests/nn/gradcheck.h"

namespace huiyan::nn {
namespace {

using testing::expect_gradients;
using testing::random_input;

struct BroadcastCase {
  Shape a;
  Shape b;
};

class BinaryTest : public ::testing::TestWithParam<BroadcastCase> {};

TEST_P(BinaryTest, ForwardBroadcastsLikeNumpy) {
  const auto& [a_shape, b_shape] = GetParam();
  const auto a = random_input(a_shape, 1);
  const auto b = random_input(b_shape, 2, 0.5f, 2.0f);
  Graph graph;
  const Tensor ta = graph.from(a.shape, a.values);
  const Tensor tb = graph.from(b.shape, b.values);
  const auto sum = add(ta, tb).values();
  const auto difference = sub(ta, tb).values();
  const auto product = mul(ta, tb).values();
  const auto quotient = div(ta, tb).values();
  // b's element for a's flat index i: drop the dims where b is 1.
  for (int64_t i = 0; i < a_shape.numel(); ++i) {
    int64_t rest = i;
    int64_t b_index = 0;
    int64_t b_stride = 1;
    for (int d = 1; d <= a_shape.rank; ++d) {
      const int64_t coordinate = rest % a_shape[-d];
      rest /= a_shape[-d];
      if (d <= b_shape.rank) {
        if (b_shape[-d] != 1) b_index += coordinate * b_stride;
        b_stride *= b_shape[-d];
      }
    }
    const float av = a.values[static_cast<size_t>(i)];
    const float bv = b.values[static_cast<size_t>(b_index)];
    EXPECT_FLOAT_EQ(sum[static_cast<size_t>(i)], av + bv);
    EXPECT_FLOAT_EQ(difference[static_cast<size_t>(i)], av - bv);
    EXPECT_FLOAT_EQ(product[static_cast<size_t>(i)], av * bv);
    EXPECT_NEAR(quotient[static_cast<size_t>(i)], av / bv, 1e-6);
  }
}

TEST_P(BinaryTest, GradientsMatchFiniteDifferences) {
  const auto& [a_shape, b_shape] = GetParam();
  const std::vector<testing::Input> inputs = {random_input(a_shape, 3),
                                              random_input(b_shape, 4, 0.5f, 2.0f)};
  for (const auto& op : {add, sub, mul, div}) {
    expect_gradients(inputs,
                     [op](Graph&, const std::vector<Tensor>& in) { return op(in[0], in[1]); });
  }
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, BinaryTest,
    ::testing::Values(BroadcastCase{{3, 5}, {3, 5}}, BroadcastCase{{3, 5}, {5}},
                      BroadcastCase{{3, 5}, {3, 1}}, BroadcastCase{{2, 3, 4}, {1, 3, 1}},
                      BroadcastCase{{2, 2, 3, 3}, {2, 1, 1, 3}}, BroadcastCase{{7}, {1}}));

TEST(Binary, RejectsShapesThatDoNotBroadcast) {
  Graph graph;
  EXPECT_THROW(add(graph.zeros({3, 5}), graph.zeros({4})), std::invalid_argument);
  EXPECT_THROW(add(graph.zeros({5}), graph.zeros({3, 5})), std::invalid_argument);
}

TEST(Unary, ForwardMatchesTheFormulas) {
  const auto x = random_input({4, 9}, 5, -3, 3);
  Graph graph;
  const Tensor t = graph.from(x.shape, x.values);
  const auto r = relu(t).values();
  const auto g = gelu(t).values();
  const auto th = tanh(t).values();
  const auto s = sigmoid(t).values();
  const auto e = exp(t).values();
  const auto a = affine(t, 2.0f, -1.0f).values();
  for (size_t i = 0; i < x.values.size(); ++i) {
    const double v = x.values[i];
    EXPECT_NEAR(r[i], std::max(v, 0.0), 1e-6);
    EXPECT_NEAR(g[i], 0.5 * v * (1 + std::erf(v / std::sqrt(2.0))), 1e-5);
    EXPECT_NEAR(th[i], std::tanh(v), 1e-6);
    EXPECT_NEAR(s[i], 1 / (1 + std::exp(-v)), 1e-6);
    EXPECT_NEAR(e[i], std::exp(v), 1e-5 * std::exp(v));
    EXPECT_NEAR(a[i], 2 * v - 1, 1e-6);
  }
  const auto positive = random_input({10}, 6, 0.1f, 5.0f);
  const auto l = log(graph.from(positive.shape, positive.values)).values();
  // oneDNN's log is accurate to a few ulps.
  for (size_t i = 0; i < l.size(); ++i) EXPECT_NEAR(l[i], std::log(positive.values[i]), 5e-6);
}

TEST(Unary, GradientsMatchFiniteDifferences) {
  // Values kept away from relu's kink at 0, where the derivative jumps.
  auto x = random_input({3, 11}, 7, -2, 2);
  for (auto& v : x.values) v += v >= 0 ? 0.1f : -0.1f;
  for (const auto& op : {relu, gelu, tanh, sigmoid, exp}) {
    expect_gradients({x}, [op](Graph&, const std::vector<Tensor>& in) { return op(in[0]); });
  }
  expect_gradients({random_input({13}, 8, 0.5f, 3.0f)},
                   [](Graph&, const std::vector<Tensor>& in) { return log(in[0]); });
  expect_gradients(
      {x}, [](Graph&, const std::vector<Tensor>& in) { return affine(in[0], -1.5f, 2.0f); });
}

}  // namespace
}  // namespace huiyan::nn
