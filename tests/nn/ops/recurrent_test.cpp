#include <gtest/gtest.h>

#include <cmath>

#include "nn/ops.h"
#include "tests/nn/gradcheck.h"

namespace huiyan::nn {
namespace {

using kernels::Cell;
using testing::expect_gradients;
using testing::random_input;

double sigmoid_d(double v) {
  return 1 / (1 + std::exp(-v));
}

// The cell equations of kernels/rnn.h in double, one time step after another.
std::vector<double> reference_rnn(Cell cell, const std::vector<float>& x,
                                  const std::vector<float>& wl, const std::vector<float>& wi,
                                  const std::vector<float>& bias, int64_t batch, int64_t time,
                                  int64_t input, int64_t hidden) {
  const int64_t gates = cell == Cell::lstm ? 4 : 3;
  std::vector<double> y(static_cast<size_t>(batch * time * hidden));
  for (int64_t b = 0; b < batch; ++b) {
    std::vector<double> h(static_cast<size_t>(hidden), 0.0), c(static_cast<size_t>(hidden), 0.0);
    for (int64_t t = 0; t < time; ++t) {
      // a[g][j] = W_g x + b_g (input part), u[g][j] = U_g h (recurrent part)
      std::vector<double> a(static_cast<size_t>(gates * hidden)),
          u(static_cast<size_t>(gates * hidden));
      for (int64_t r = 0; r < gates * hidden; ++r) {
        double sa = 0, su = 0;
        for (int64_t k = 0; k < input; ++k)
          sa += wl[static_cast<size_t>(r * input + k)] *
                x[static_cast<size_t>((b * time + t) * input + k)];
        for (int64_t k = 0; k < hidden; ++k)
          su += wi[static_cast<size_t>(r * hidden + k)] * h[static_cast<size_t>(k)];
        a[static_cast<size_t>(r)] = sa;
        u[static_cast<size_t>(r)] = su;
      }
      std::vector<double> next(static_cast<size_t>(hidden));
      for (int64_t j = 0; j < hidden; ++j) {
        const auto at = [&](const std::vector<double>& v, int64_t g) {
          return v[static_cast<size_t>(g * hidden + j)];
        };
        const auto b_at = [&](int64_t g) {
          return static_cast<double>(bias[static_cast<size_t>(g * hidden + j)]);
        };
        if (cell == Cell::lstm) {
          const double i = sigmoid_d(at(a, 0) + at(u, 0) + b_at(0));
          const double f = sigmoid_d(at(a, 1) + at(u, 1) + b_at(1));
          const double g = std::tanh(at(a, 2) + at(u, 2) + b_at(2));
          const double o = sigmoid_d(at(a, 3) + at(u, 3) + b_at(3));
          c[static_cast<size_t>(j)] = f * c[static_cast<size_t>(j)] + i * g;
          next[static_cast<size_t>(j)] = o * std::tanh(c[static_cast<size_t>(j)]);
        } else {
          const double update = sigmoid_d(at(a, 0) + at(u, 0) + b_at(0));
          const double reset = sigmoid_d(at(a, 1) + at(u, 1) + b_at(1));
          const double n = std::tanh(at(a, 2) + b_at(2) + reset * (at(u, 2) + b_at(3)));
          next[static_cast<size_t>(j)] = update * h[static_cast<size_t>(j)] + (1 - update) * n;
        }
      }
      h = next;
      for (int64_t j = 0; j < hidden; ++j)
        y[static_cast<size_t>((b * time + t) * hidden + j)] = h[static_cast<size_t>(j)];
    }
  }
  return y;
}

class RecurrentTest : public ::testing::TestWithParam<Cell> {};

TEST_P(RecurrentTest, ForwardMatchesTheCellEquations) {
  const Cell cell = GetParam();
  const int64_t batch = 3, time = 5, input = 4, hidden = 6, gates = cell == Cell::lstm ? 4 : 3;
  const auto x = random_input({batch, time, input}, 1);
  const auto wl = random_input({gates * hidden, input}, 2, -0.5f, 0.5f);
  const auto wi = random_input({gates * hidden, hidden}, 3, -0.5f, 0.5f);
  const auto bias = random_input({4 * hidden}, 4, -0.5f, 0.5f);
  Graph graph;
  const auto y =
      recurrent_layer(cell, graph.from(x.shape, x.values), graph.from(wl.shape, wl.values),
                      graph.from(wi.shape, wi.values), graph.from(bias.shape, bias.values))
          .values();
  const auto expected =
      reference_rnn(cell, x.values, wl.values, wi.values, bias.values, batch, time, input, hidden);
  ASSERT_EQ(y.size(), expected.size());
  for (size_t i = 0; i < y.size(); ++i) EXPECT_NEAR(y[i], expected[i], 2e-5) << i;
}

TEST_P(RecurrentTest, GradientsMatchFiniteDifferences) {
  const Cell cell = GetParam();
  const int64_t hidden = 3, gates = cell == Cell::lstm ? 4 : 3;
  expect_gradients(
      {random_input({2, 4, 3}, 5), random_input({gates * hidden, 3}, 6, -0.5f, 0.5f),
       random_input({gates * hidden, hidden}, 7, -0.5f, 0.5f),
       random_input({4 * hidden}, 8, -0.5f, 0.5f)},
      [cell](Graph&, const std::vector<Tensor>& in) {
        return recurrent_layer(cell, in[0], in[1], in[2], in[3]);
      },
      1e-2f, 3e-2, 3e-3);
}

INSTANTIATE_TEST_SUITE_P(Cells, RecurrentTest, ::testing::Values(Cell::gru, Cell::lstm),
                         [](const auto& info) { return info.param == Cell::gru ? "Gru" : "Lstm"; });

TEST(Recurrent, ReverseSequencesAndLastSteps) {
  Graph graph;
  // batch 2, time 3, dim 1: lengths 2 and 3.
  const Tensor x = graph.from({2, 3, 1}, std::vector<float>{1, 2, 9, 4, 5, 6});
  const IntTensor lengths = graph.ids({2}, std::vector<int32_t>{2, 3});
  EXPECT_EQ(reverse_sequences(x, lengths).values(), (std::vector<float>{2, 1, 9, 6, 5, 4}));
  EXPECT_EQ(last_steps(x, lengths).values(), (std::vector<float>{2, 6}));
  EXPECT_THROW(last_steps(x, graph.ids({2}, std::vector<int32_t>{4, 1})), std::invalid_argument);
  expect_gradients({random_input({2, 4, 3}, 9)}, [](Graph& g, const std::vector<Tensor>& in) {
    const IntTensor l = g.ids({2}, std::vector<int32_t>{3, 0});
    return concat({reshape(last_steps(in[0], l), {2, 1, 3}), reverse_sequences(in[0], l)}, 1);
  });
}

}  // namespace
}  // namespace huiyan::nn
