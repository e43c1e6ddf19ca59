#include <gtest/gtest.h>

#include "nn/graph.h"
#include "nn/layers.h"
#include "nn/ops.h"
#include "nn/random.h"
#include "tests/nn/gradcheck.h"

namespace huiyan::nn {
namespace {

using testing::expect_gradients;
using testing::Function;
using testing::random_input;

// C = op(A) op(B) for one batch, in double.
std::vector<double> naive_matmul(const std::vector<float>& a, const std::vector<float>& b,
                                 int64_t m, int64_t n, int64_t k, bool ta, bool tb) {
  std::vector<double> c(static_cast<size_t>(m * n), 0.0);
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      for (int64_t p = 0; p < k; ++p) {
        const float av = ta ? a[static_cast<size_t>(p * m + i)] : a[static_cast<size_t>(i * k + p)];
        const float bv = tb ? b[static_cast<size_t>(j * k + p)] : b[static_cast<size_t>(p * n + j)];
        c[static_cast<size_t>(i * n + j)] += static_cast<double>(av) * bv;
      }
    }
  }
  return c;
}

class MatmulTest : public ::testing::TestWithParam<std::tuple<bool, bool>> {};

TEST_P(MatmulTest, ForwardMatchesNaiveProduct) {
  const auto [ta, tb] = GetParam();
  const int64_t m = 5, n = 7, k = 3;
  const auto a = random_input(ta ? Shape{k, m} : Shape{m, k}, 1);
  const auto b = random_input(tb ? Shape{n, k} : Shape{k, n}, 2);
  Graph graph;
  const Tensor c = matmul(graph.from(a.shape, a.values), graph.from(b.shape, b.values), ta, tb);
  ASSERT_EQ(c.shape(), (Shape{m, n}));
  const auto expected = naive_matmul(a.values, b.values, m, n, k, ta, tb);
  const auto got = c.values();
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], expected[i], 1e-5);
}

TEST_P(MatmulTest, GradientsMatchFiniteDifferences) {
  const auto [ta, tb] = GetParam();
  const int64_t m = 4, n = 3, k = 5;
  const Function f = [ta, tb](Graph&, const std::vector<Tensor>& in) {
    return matmul(in[0], in[1], ta, tb);
  };
  expect_gradients({random_input(ta ? Shape{k, m} : Shape{m, k}, 3),
                    random_input(tb ? Shape{n, k} : Shape{k, n}, 4)},
                   f);
  // Batched, with a batch-shared right operand (a 2-D b).
  expect_gradients({random_input(ta ? Shape{2, 3, k, m} : Shape{2, 3, m, k}, 5),
                    random_input(tb ? Shape{n, k} : Shape{k, n}, 6)},
                   f);
  // Batched on both sides.
  expect_gradients({random_input(ta ? Shape{3, k, m} : Shape{3, m, k}, 7),
                    random_input(tb ? Shape{3, n, k} : Shape{3, k, n}, 8)},
                   f);
}

INSTANTIATE_TEST_SUITE_P(Transposes, MatmulTest,
                         ::testing::Combine(::testing::Bool(), ::testing::Bool()));

TEST(Matmul, RejectsShapesThatDoNotMultiply) {
  Graph graph;
  EXPECT_THROW(matmul(graph.zeros({2, 3}), graph.zeros({2, 3})), std::invalid_argument);
  EXPECT_THROW(matmul(graph.zeros({2, 2, 3}), graph.zeros({3, 3, 4})), std::invalid_argument);
}

TEST(Linear, ForwardIsXWTransposedPlusBias) {
  Graph graph;
  const auto x = random_input({2, 3, 4}, 1);
  const auto w = random_input({5, 4}, 2);
  const auto b = random_input({5}, 3);
  const Tensor y = linear(graph.from(x.shape, x.values), graph.from(w.shape, w.values),
                          graph.from(b.shape, b.values));
  ASSERT_EQ(y.shape(), (Shape{2, 3, 5}));
  const auto xw = naive_matmul(x.values, w.values, 6, 5, 4, false, true);
  const auto got = y.values();
  for (int64_t r = 0; r < 6; ++r) {
    for (int64_t o = 0; o < 5; ++o) {
      EXPECT_NEAR(got[static_cast<size_t>(r * 5 + o)],
                  xw[static_cast<size_t>(r * 5 + o)] + b.values[static_cast<size_t>(o)], 1e-5);
    }
  }
}

TEST(Linear, GradientsMatchFiniteDifferences) {
  expect_gradients(
      {random_input({3, 7}, 1), random_input({6, 7}, 2), random_input({6}, 3)},
      [](Graph&, const std::vector<Tensor>& in) { return linear(in[0], in[1], in[2]); });
  expect_gradients(
      {random_input({2, 3, 5}, 4), random_input({1, 5}, 5)},
      [](Graph&, const std::vector<Tensor>& in) { return linear(in[0], in[1], Tensor()); });
}

// Into rows 100 apart (as a key/value cache's), the very values linear gives, and nothing
// written between them; only for inference.
TEST(Linear, IntoStridedRowsGivesTheSameValues) {
  Random rng(7);
  const Linear layer(64, 48, rng);
  Graph graph;
  const NoGrad no_grad(graph);
  const auto x_values = random_input({7, 64}, 1);
  const Tensor x = graph.from(x_values.shape, x_values.values);
  const auto want = layer(x).values();
  std::vector<float> out(3 + 7 * 100, -7.0f);
  linear_into(x, layer.weight, layer.bias, out.data() + 3, 100);
  for (int64_t i = 0; i < static_cast<int64_t>(out.size()); ++i) {
    const int64_t row = (i - 3) / 100, col = (i - 3) % 100;
    if (i < 3 || col >= 48) {
      ASSERT_EQ(out[static_cast<size_t>(i)], -7.0f) << i;
    } else {
      ASSERT_EQ(out[static_cast<size_t>(i)], want[static_cast<size_t>(row * 48 + col)]) << i;
    }
  }
  EXPECT_THROW(linear_into(x, layer.weight, layer.bias, out.data(), 47), std::invalid_argument);
  graph.set_recording(true);
  EXPECT_THROW(linear_into(x, layer.weight, layer.bias, out.data(), 100), std::logic_error);
}

}  // namespace
}  // namespace huiyan::nn
