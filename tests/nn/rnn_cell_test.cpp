#include "nn/rnn_cell.h"

#include <gtest/gtest.h>

#include "nn/ops.h"
#include "tests/nn/gradcheck.h"

namespace huiyan::nn {
namespace {

class RecurrentCellTest : public ::testing::TestWithParam<kernels::Cell> {};

// Stepping the cell over a sequence gives what the sequence primitive gives, same weights.
TEST_P(RecurrentCellTest, SteppingEqualsTheSequenceLayer) {
  Random rng(1);
  RecurrentCell cell(GetParam(), 3, 5, rng);
  const auto x = testing::random_input({2, 4, 3}, 2);
  Graph graph;
  const Tensor input = graph.from(x.shape, x.values);
  const auto sequence = recurrent_layer(GetParam(), input, cell.weight_ih, cell.weight_hh, cell.bias).values();
  CellState state = cell.zero_state(graph, 2);
  for (int64_t t = 0; t < 4; ++t) {
    state = cell(reshape(slice(input, 1, t, t + 1), {2, 3}), state);
    const auto h = state.h.values();
    for (int b = 0; b < 2; ++b)
      for (int j = 0; j < 5; ++j) EXPECT_NEAR(h[static_cast<size_t>(b * 5 + j)], sequence[static_cast<size_t>((b * 4 + t) * 5 + j)], 1e-5);
  }
}

TEST_P(RecurrentCellTest, GradientsMatchFiniteDifferences) {
  Random rng(3);
  RecurrentCell cell(GetParam(), 3, 4, rng);
  testing::expect_gradients({testing::random_input({2, 3}, 4), testing::random_input({2, 4}, 5), testing::random_input({2, 4}, 6)},
                            [&](Graph&, const std::vector<Tensor>& in) {
                              CellState s{in[1], GetParam() == kernels::Cell::lstm ? in[2] : Tensor()};
                              const CellState next = cell(in[0], s);
                              return next.c.defined() ? concat({next.h, next.c}, 1) : next.h;
                            });
}

INSTANTIATE_TEST_SUITE_P(Cells, RecurrentCellTest, ::testing::Values(kernels::Cell::gru, kernels::Cell::lstm),
                         [](const auto& info) { return info.param == kernels::Cell::gru ? "Gru" : "Lstm"; });

}  // namespace
}  // namespace huiyan::nn
