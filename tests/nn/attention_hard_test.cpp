#include "nn/attention_hard.h"

#include <gtest/gtest.h>

#include "nn/optimizer.h"

namespace huiyan::nn {
namespace {

TEST(HardAttention, InferencePicksTheArgmaxAndTrainingSamplesByWeight) {
  Graph graph;
  const Tensor weights = graph.from({1, 3}, std::vector<float>{0.2f, 0.5f, 0.3f});
  const Tensor values = graph.from({1, 3, 2}, std::vector<float>{1, 1, 2, 2, 3, 3});
  HardAttention hard(1);
  const auto greedy = hard.select(weights, values, false);
  EXPECT_EQ(greedy.selected, (std::vector<int32_t>{1}));
  EXPECT_EQ(greedy.context.values(), (std::vector<float>{2, 2}));
  std::vector<int> counts(3, 0);
  for (int i = 0; i < 20000; ++i)
    ++counts[static_cast<size_t>(hard.select(weights, values, true).selected[0])];
  EXPECT_NEAR(counts[0] / 20000.0, 0.2, 0.015);
  EXPECT_NEAR(counts[1] / 20000.0, 0.5, 0.015);
  EXPECT_NEAR(counts[2] / 20000.0, 0.3, 0.015);
  // A weight of exactly 0 is never sampled.
  const Tensor masked = graph.from({1, 3}, std::vector<float>{0.0f, 1.0f, 0.0f});
  for (int i = 0; i < 100; ++i) EXPECT_EQ(hard.select(masked, values, true).selected[0], 1);
}

// REINFORCE with the baseline raises the probability of rewarded choices: rewarding position 2
// moves the attention there.
TEST(HardAttention, ReinforceLearnsWhereTheRewardIs) {
  Tensor logits = Tensor::persistent({1, 4}, true);
  Adam adam({{"logits", logits}});
  HardAttention hard(3);
  Graph graph;
  for (int step = 0; step < 300; ++step) {
    const Tensor l = reshape(add(graph.zeros({1, 4}), logits), {1, 4});
    const Tensor weights = softmax(l);
    const Tensor values = graph.zeros({1, 4, 1});
    const auto choice = hard.select(weights, values, true);
    const float reward = choice.selected[0] == 2 ? 1.0f : 0.0f;
    graph.backward(hard.reinforce_loss(choice, {reward}));
    adam.step(0.05f);
    adam.zero_grad();
    graph.reset();
  }
  const Tensor final_weights = softmax(add(graph.zeros({1, 4}), logits));
  EXPECT_GT(final_weights.values()[2], 0.9f);
  EXPECT_GT(hard.baseline(), 0.5f);
}

}  // namespace
}  // namespace huiyan::nn
