#pragma once
// Finite-difference gradient checks: the gradient that backward() computes for
// L = Σ w ⊙ f(inputs), w a fixed random weighting, against central differences of L in double.

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <vector>

#include "nn/graph.h"
#include "nn/ops.h"
#include "nn/random.h"

namespace huiyan::nn::testing {

struct Input {
  Shape shape;
  std::vector<float> values;
};

// Uniform values in [low, high), seeded.
inline Input random_input(const Shape& shape, uint64_t seed, float low = -1, float high = 1) {
  Random rng(seed);
  Input input{shape, std::vector<float>(static_cast<size_t>(shape.numel()))};
  for (auto& v : input.values) v = rng.uniform(low, high);
  return input;
}

using Function = std::function<Tensor(Graph&, const std::vector<Tensor>&)>;

// Checks every input element (or a seeded sample of `max_checks` of them per input).
inline void expect_gradients(const std::vector<Input>& inputs, const Function& f,
                             float step = 1e-2f, double rtol = 2e-2, double atol = 2e-3,
                             int max_checks = 64) {
  Graph graph;
  std::vector<float> weights;
  const auto loss_of = [&](const std::vector<Input>& at, std::vector<std::vector<float>>* grads) {
    graph.reset();
    std::vector<Tensor> tensors;
    for (const auto& input : at) tensors.push_back(graph.variable(input.shape, input.values));
    Tensor out = f(graph, tensors);
    if (weights.empty()) {
      Random rng(99);
      weights.resize(static_cast<size_t>(out.numel()));
      for (auto& w : weights) w = rng.uniform(-1, 1);
    }
    const std::vector<float> values = out.values();
    double loss = 0;
    for (size_t i = 0; i < values.size(); ++i) loss += static_cast<double>(values[i]) * weights[i];
    if (grads != nullptr) {
      Tensor w = graph.from(out.shape(), weights);
      graph.backward(sum_all(mul(out, w)));
      for (const auto& t : tensors) grads->push_back(t.gradient());
    }
    return loss;
  };

  std::vector<std::vector<float>> analytic;
  loss_of(inputs, &analytic);
  Random pick(7);
  for (size_t which = 0; which < inputs.size(); ++which) {
    const size_t n = inputs[which].values.size();
    std::vector<size_t> positions;
    if (n <= static_cast<size_t>(max_checks)) {
      for (size_t i = 0; i < n; ++i) positions.push_back(i);
    } else {
      for (int i = 0; i < max_checks; ++i) positions.push_back(pick.below(n));
    }
    for (const size_t i : positions) {
      std::vector<Input> plus = inputs;
      std::vector<Input> minus = inputs;
      plus[which].values[i] += step;
      minus[which].values[i] -= step;
      const double numeric = (loss_of(plus, nullptr) - loss_of(minus, nullptr)) / (2.0 * step);
      const double got = analytic[which][i];
      EXPECT_NEAR(got, numeric, atol + rtol * std::abs(numeric))
          << "input " << which << " element " << i;
    }
  }
}

}  // namespace huiyan::nn::testing
