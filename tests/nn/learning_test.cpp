// Small networks learn: the pieces (ops, autograd, layers, optimizer) work together.

#include <gtest/gtest.h>

#include "nn/layers.h"
#include "nn/optimizer.h"

namespace huiyan::nn {
namespace {

class Mlp : public Module {
 public:
  Mlp(int64_t in, int64_t hidden, int64_t out, Random& rng)
      : first(in, hidden, rng), second(hidden, out, rng) {
    add_module("first", first);
    add_module("second", second);
  }
  Tensor operator()(const Tensor& x) const { return second(tanh(first(x))); }
  Linear first;
  Linear second;
};

TEST(Learning, TwoLayerMlpLearnsFourBitParity) {
  // All 16 inputs of 4 bits (as ±1), labelled by their parity: not linearly separable.
  std::vector<float> inputs;
  std::vector<int32_t> labels;
  for (int n = 0; n < 16; ++n) {
    int ones = 0;
    for (int bit = 0; bit < 4; ++bit) {
      const bool on = (n >> bit) & 1;
      inputs.push_back(on ? 1.0f : -1.0f);
      ones += on;
    }
    labels.push_back(ones % 2);
  }
  Random rng(1);
  Mlp mlp(4, 16, 2, rng);
  Adam adam(mlp.parameters());
  Graph graph;
  float loss = 0;
  int steps = 0;
  for (; steps < 1000; ++steps) {
    const Tensor logits = mlp(graph.from({16, 4}, inputs));
    const Tensor objective = cross_entropy(logits, graph.ids({16}, labels));
    loss = objective.item();
    if (loss < 0.01f) break;
    graph.backward(objective);
    adam.step(0.03f);
    adam.zero_grad();
    graph.reset();
  }
  EXPECT_LT(loss, 0.01f) << "after " << steps << " steps";
  NoGrad no_grad(graph);
  EXPECT_EQ(argmax(mlp(graph.from({16, 4}, inputs))), labels);
}

TEST(Learning, SameSeedSameTrainingBitForBit) {
  const auto train = [] {
    Random rng(7);
    Mlp mlp(3, 8, 3, rng);
    Adam adam(mlp.parameters());
    Graph graph;
    Random data(11);
    for (int step = 0; step < 20; ++step) {
      std::vector<float> x(24);
      std::vector<int32_t> y(8);
      for (auto& v : x) v = data.uniform(-1, 1);
      for (auto& v : y) v = static_cast<int32_t>(data.below(3));
      graph.backward(cross_entropy(mlp(graph.from({8, 3}, x)), graph.ids({8}, y), 0.1f));
      adam.step(0.01f);
      adam.zero_grad();
      graph.reset();
    }
    std::vector<float> all;
    for (const auto& p : mlp.parameters()) {
      const auto v = p.tensor.values();
      all.insert(all.end(), v.begin(), v.end());
    }
    return all;
  };
  EXPECT_EQ(train(), train());
}

}  // namespace
}  // namespace huiyan::nn
