#include "nn/graph.h"

#include <gtest/gtest.h>

#include "nn/ops.h"

namespace huiyan::nn {
namespace {

TEST(Graph, NoGradRecordsNothing) {
  Graph graph;
  Tensor w = Tensor::persistent({2, 2}, true);
  const Tensor x = graph.from({1, 2}, std::vector<float>{1, 2});
  {
    NoGrad no_grad(graph);
    const Tensor y = matmul(x, w);
    EXPECT_FALSE(y.requires_grad());
    EXPECT_EQ(graph.tape_size(), 0u);
  }
  const Tensor y = matmul(x, w);
  EXPECT_TRUE(y.requires_grad());
  EXPECT_EQ(graph.tape_size(), 1u);
}

TEST(Graph, ParameterGradientsAccumulateOverBackwardCalls) {
  Graph graph;
  Tensor w = Tensor::persistent({3}, true);
  std::fill_n(w.data(), 3, 2.0f);
  for (int step = 0; step < 2; ++step) {
    const Tensor x = graph.from({3}, std::vector<float>{1, 2, 3});
    graph.backward(sum_all(mul(x, w)));
    graph.reset();
  }
  EXPECT_EQ(w.gradient(), (std::vector<float>{2, 4, 6}));
}

TEST(Graph, TensorsAreInvalidAfterReset) {
  Graph graph;
  const Tensor x = graph.zeros({4});
  graph.reset();
  EXPECT_THROW(x.data(), std::logic_error);
}

TEST(Graph, ArenaSettlesIntoOneBlock) {
  Graph graph;
  for (int step = 0; step < 3; ++step) {
    for (int i = 0; i < 20; ++i) graph.zeros({64 * 1024});
    graph.reset();
  }
  const size_t capacity = graph.arena().capacity_bytes();
  for (int i = 0; i < 20; ++i) graph.zeros({64 * 1024});
  EXPECT_EQ(graph.arena().capacity_bytes(), capacity);  // no new block once warmed up
}

// In inference a tensor's memory serves the next tensor of its size once the tensor is gone; a
// view keeps the memory it reads.
TEST(Graph, InferenceReusesTheMemoryOfTensorsThatDied) {
  Graph graph;
  NoGrad no_grad(graph);
  const float* first = graph.zeros({1000}).data();
  EXPECT_EQ(graph.zeros({1000}).data(), first);
  EXPECT_NE(graph.zeros({2000}).data(), first);

  Tensor view;
  const float* x_data = nullptr;
  {
    const Tensor x = graph.full({10, 100}, 7.0f);
    x_data = x.data();
    view = reshape(x, {1000});
  }
  const Tensor other = graph.full({1000}, 1.0f);
  EXPECT_NE(other.data(), view.data());
  EXPECT_EQ(view.values(), std::vector<float>(1000, 7.0f));
  view = Tensor();  // the view was the last holder: x's memory is free again
  EXPECT_EQ(graph.zeros({1000}).data(), x_data);
}

// After a reset the arena starts again at its first byte: a tensor made before it must not hand
// its block back, nor may blocks handed back before it be handed out after.
TEST(Graph, InferenceHandsBackNothingAcrossAReset) {
  Graph graph;
  NoGrad no_grad(graph);
  Tensor survivor = graph.zeros({1000});  // the arena's first block
  graph.zeros({2000});                    // dies at once: its block is free until the reset
  graph.reset();
  const Tensor fresh = graph.zeros({1000});  // the first block again
  survivor = Tensor();
  const Tensor next = graph.full({1000}, 2.0f);
  EXPECT_NE(next.data(), fresh.data());
  const Tensor after = graph.full({2000}, 3.0f);
  EXPECT_NE(after.data(), fresh.data());
  EXPECT_EQ(fresh.values(), std::vector<float>(1000, 0.0f));
}

TEST(Graph, RecordingKeepsEveryTensorsMemory) {
  Graph graph;
  const float* first = graph.zeros({1000}).data();
  EXPECT_NE(graph.zeros({1000}).data(), first);
}

TEST(Graph, BackwardNeedsAScalarLossWithAGradient) {
  Graph graph;
  EXPECT_THROW(graph.backward(graph.zeros({2})), std::logic_error);
  EXPECT_THROW(graph.backward(graph.zeros({1})), std::logic_error);
}

}  // namespace
}  // namespace huiyan::nn
