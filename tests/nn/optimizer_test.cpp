// Optimizers against reference loops written out in double, checkpoint round trips, clipping.

#include "nn/optimizer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "nn/engine.h"
#include "nn/graph.h"
#include "nn/ops.h"

namespace huiyan::nn {
namespace {

const std::vector<float> kStart = {0.5f, -1.25f, 2.0f, 0.0f, -0.75f, 3.0f};
// A different gradient for each of the three steps; one element's gradient stays 0.
const std::vector<std::vector<float>> kGradients = {
    {0.1f, -0.4f, 1.5f, 0.0f, 2.0f, -0.3f},
    {-0.2f, 0.3f, 1.0f, 0.0f, -1.0f, 0.6f},
    {0.4f, 0.1f, -0.5f, 0.0f, 0.5f, -0.9f},
};
const std::vector<float> kRates = {0.1f, 0.05f, 0.2f};

Tensor parameter(const std::vector<float>& values) {
  Tensor t = Tensor::persistent({static_cast<int64_t>(values.size())}, true);
  std::copy(values.begin(), values.end(), t.data());
  return t;
}

// What a backward() would leave: a written gradient on a persistent tensor.
void set_gradient(const Tensor& t, const std::vector<float>& values) {
  TensorImpl& impl = t.impl();
  impl.grad_storage = values;
  impl.grad = impl.grad_storage.data();
  impl.grad_written = true;
}

// Runs the optimizer made by `make` for three steps on kStart with kGradients and kRates.
std::vector<float> run_three_steps(
    const std::function<std::unique_ptr<Optimizer>(std::vector<NamedTensor>)>& make) {
  const Tensor p = parameter(kStart);
  auto optimizer = make({{"w", p}});
  for (size_t step = 0; step < 3; ++step) {
    set_gradient(p, kGradients[step]);
    optimizer->step(kRates[step]);
  }
  EXPECT_EQ(optimizer->steps(), 3);
  return p.values();
}

void expect_close(const std::vector<float>& actual, const std::vector<double>& expected) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < actual.size(); ++i) {
    EXPECT_NEAR(actual[i], expected[i], 2e-6 * std::max(1.0, std::abs(expected[i])))
        << "element " << i;
  }
}

std::vector<double> sgd_reference(double momentum, double weight_decay, bool nesterov) {
  std::vector<double> p(kStart.begin(), kStart.end());
  std::vector<double> v(p.size(), 0.0);
  for (size_t step = 0; step < 3; ++step) {
    for (size_t i = 0; i < p.size(); ++i) {
      double g = kGradients[step][i] + weight_decay * p[i];
      if (momentum != 0) {
        v[i] = step == 0 ? g : momentum * v[i] + g;
        g = nesterov ? g + momentum * v[i] : v[i];
      }
      p[i] -= kRates[step] * g;
    }
  }
  return p;
}

std::vector<double> adam_reference(double beta1, double beta2, double eps, double weight_decay,
                                   bool decoupled) {
  std::vector<double> p(kStart.begin(), kStart.end());
  std::vector<double> m(p.size(), 0.0), v(p.size(), 0.0);
  for (size_t step = 0; step < 3; ++step) {
    const double t = static_cast<double>(step + 1);
    const double lr = kRates[step];
    for (size_t i = 0; i < p.size(); ++i) {
      double g = kGradients[step][i];
      if (decoupled) {
        p[i] -= lr * weight_decay * p[i];
      } else {
        g += weight_decay * p[i];
      }
      m[i] = beta1 * m[i] + (1 - beta1) * g;
      v[i] = beta2 * v[i] + (1 - beta2) * g * g;
      const double m_hat = m[i] / (1 - std::pow(beta1, t));
      const double v_hat = v[i] / (1 - std::pow(beta2, t));
      p[i] -= lr * m_hat / (std::sqrt(v_hat) + eps);
    }
  }
  return p;
}

TEST(SGD, PlainStepsMatchTheFormula) {
  const auto actual = run_three_steps([](auto params) { return std::make_unique<SGD>(params); });
  expect_close(actual, sgd_reference(0, 0, false));
}

TEST(SGD, MomentumWithWeightDecayMatchesTheFormula) {
  const auto actual =
      run_three_steps([](auto params) { return std::make_unique<SGD>(params, 0.9f, 0.01f); });
  expect_close(actual, sgd_reference(0.9f, 0.01f, false));
}

TEST(SGD, NesterovMatchesTheFormula) {
  const auto actual =
      run_three_steps([](auto params) { return std::make_unique<SGD>(params, 0.8f, 0.05f, true); });
  expect_close(actual, sgd_reference(0.8f, 0.05f, true));
}

TEST(Adam, StepsMatchTheFormula) {
  const auto actual = run_three_steps([](auto params) { return std::make_unique<Adam>(params); });
  expect_close(actual, adam_reference(0.9f, 0.999f, 1e-8f, 0, false));
}

TEST(Adam, L2WeightDecayGoesThroughTheMoments) {
  // Adam normalizes the gradient, so one summing to about 0 (like -0.3 + 0.1 · 3) would amplify
  // rounding; this decay keeps every gradient clear of 0.
  const auto actual = run_three_steps(
      [](auto params) { return std::make_unique<Adam>(params, 0.8f, 0.99f, 1e-6f, 0.05f); });
  expect_close(actual, adam_reference(0.8f, 0.99f, 1e-6f, 0.05f, false));
}

TEST(Adam, AdamWDecaysTheParameterDirectly) {
  const auto actual = run_three_steps(
      [](auto params) { return std::make_unique<AdamW>(params, 0.9f, 0.999f, 1e-8f, 0.1f); });
  expect_close(actual, adam_reference(0.9f, 0.999f, 1e-8f, 0.1f, true));
  // Decoupled decay differs from L2 decay once the moments normalize the gradient.
  const auto l2 = adam_reference(0.9f, 0.999f, 1e-8f, 0.1f, false);
  EXPECT_GT(std::abs(actual[5] - l2[5]), 1e-4);
}

TEST(Optimizer, LeavesParametersWithoutGradientUntouched) {
  const std::vector<std::function<std::unique_ptr<Optimizer>(std::vector<NamedTensor>)>> makers = {
      [](auto params) { return std::make_unique<SGD>(params, 0.9f, 0.1f); },
      [](auto params) { return std::make_unique<Adam>(params, 0.9f, 0.999f, 1e-8f, 0.1f); },
      [](auto params) { return std::make_unique<AdamW>(params); }};
  for (const auto& make : makers) {
    const Tensor with = parameter(kStart);
    const Tensor without = parameter(kStart);
    auto optimizer = make({{"with", with}, {"without", without}});
    for (size_t step = 0; step < 3; ++step) {
      set_gradient(with, kGradients[step]);
      optimizer->step(0.1f);
    }
    EXPECT_NE(with.values(), kStart);
    EXPECT_EQ(without.values(), kStart);
    // Its state stays untouched too.
    for (const auto& [name, tensor] : optimizer->state()) {
      if (name.ends_with(".without")) {
        EXPECT_EQ(tensor.values(), std::vector<float>(kStart.size(), 0.0f)) << name;
      }
    }
  }
}

TEST(Optimizer, ZeroGradMakesTheNextBackwardOverwrite) {
  Graph graph;
  const Tensor w = parameter({1, 2, 3});
  SGD optimizer({{"w", w}});
  const auto backward_with = [&](const std::vector<float>& x) {
    graph.backward(sum_all(mul(graph.from({3}, x), w)));  // d/dw = x
    graph.reset();
  };
  backward_with({1, 1, 1});
  backward_with({2, 3, 4});
  EXPECT_EQ(w.gradient(), (std::vector<float>{3, 4, 5}));  // accumulated
  optimizer.zero_grad();
  EXPECT_FALSE(w.has_grad());
  optimizer.step(1.0f);  // nothing to do
  EXPECT_EQ(w.values(), (std::vector<float>{1, 2, 3}));
  backward_with({5, 6, 7});
  EXPECT_EQ(w.gradient(), (std::vector<float>{5, 6, 7}));
  optimizer.step(0.5f);
  EXPECT_EQ(w.values(), (std::vector<float>{1 - 2.5f, 2 - 3.0f, 3 - 3.5f}));
}

TEST(Optimizer, StateRoundTripContinuesBitIdentically) {
  const std::vector<std::function<std::unique_ptr<Optimizer>(std::vector<NamedTensor>)>> makers = {
      [](auto params) { return std::make_unique<SGD>(params, 0.9f, 0.01f, true); },
      [](auto params) { return std::make_unique<Adam>(params, 0.9f, 0.98f, 1e-9f, 0.01f); },
      [](auto params) { return std::make_unique<AdamW>(params); }};
  for (size_t which = 0; which < makers.size(); ++which) {
    const auto& make = makers[which];
    const Tensor a = parameter(kStart);
    const Tensor b = parameter({0.25f, -0.5f});
    auto uninterrupted = make({{"a", a}, {"b", b}});
    for (size_t step = 0; step < 3; ++step) {
      set_gradient(a, kGradients[step]);
      set_gradient(b, {kGradients[step][0], kGradients[step][1]});
      uninterrupted->step(kRates[step]);
    }
    const auto saved = uninterrupted->state();
    const std::vector<float> saved_a = a.values(), saved_b = b.values();

    set_gradient(a, kGradients[0]);
    set_gradient(b, {1.5f, -2.5f});
    uninterrupted->step(0.3f);

    // A resumed run: parameters and optimizer state from the checkpoint.
    const Tensor resumed_a = parameter(saved_a);
    const Tensor resumed_b = parameter(saved_b);
    auto resumed = make({{"a", resumed_a}, {"b", resumed_b}});
    resumed->load_state(saved);
    EXPECT_EQ(resumed->steps(), 3);
    set_gradient(resumed_a, kGradients[0]);
    set_gradient(resumed_b, {1.5f, -2.5f});
    resumed->step(0.3f);
    EXPECT_EQ(resumed_a.values(), a.values()) << "optimizer " << which;
    EXPECT_EQ(resumed_b.values(), b.values()) << "optimizer " << which;
    EXPECT_EQ(resumed->steps(), uninterrupted->steps());
  }
}

TEST(Optimizer, StateIsASnapshotWithStableNames) {
  const Tensor w = parameter(kStart);
  Adam adam({{"enc.w", w}});
  set_gradient(w, kGradients[0]);
  adam.step(0.1f);
  const auto state = adam.state();
  ASSERT_EQ(state.size(), 3u);
  EXPECT_EQ(state[0].name, "adam.m.enc.w");
  EXPECT_EQ(state[1].name, "adam.v.enc.w");
  EXPECT_EQ(state[2].name, "step");
  EXPECT_EQ(state[2].tensor.item(), 1.0f);
  const auto m = state[0].tensor.values();
  adam.step(0.1f);
  EXPECT_EQ(state[0].tensor.values(), m);  // later steps do not change a saved state

  SGD sgd({{"w", w}}, 0.5f);
  EXPECT_EQ(sgd.state()[0].name, "sgd.momentum.w");
  EXPECT_EQ(SGD({{"w", w}}).state().size(), 1u);  // just the step
}

TEST(Optimizer, LoadStateNamesTheMissingOrMisshapedEntry) {
  const Tensor w = parameter(kStart);
  Adam adam({{"w", w}});
  set_gradient(w, kGradients[0]);
  adam.step(0.1f);
  const auto good = adam.state();

  const auto message_of = [&](const std::vector<NamedTensor>& state) -> std::string {
    Adam fresh({{"w", parameter(kStart)}});
    try {
      fresh.load_state(state);
    } catch (const std::invalid_argument& e) {
      EXPECT_EQ(fresh.steps(), 0);  // nothing was loaded
      return e.what();
    }
    return "no exception";
  };
  auto missing = good;
  missing.erase(missing.begin() + 1);
  EXPECT_NE(message_of(missing).find("adam.v.w"), std::string::npos) << message_of(missing);

  auto misshaped = good;
  misshaped[0].tensor = Tensor::persistent({2, 3}, false);
  EXPECT_NE(message_of(misshaped).find("adam.m.w"), std::string::npos);

  auto no_step = good;
  no_step.pop_back();
  EXPECT_NE(message_of(no_step).find("step"), std::string::npos);

  auto fractional = good;
  fractional[2].tensor = Tensor::persistent({1}, false);
  fractional[2].tensor.data()[0] = 2.5f;
  EXPECT_NE(message_of(fractional).find("step"), std::string::npos);

  // SGD state is not Adam state.
  SGD sgd({{"w", w}}, 0.9f);
  EXPECT_NE(message_of(sgd.state()).find("adam.m.w"), std::string::npos);
}

TEST(Optimizer, StepCountIsExactInTheStateUpTo2To24) {
  const Tensor w = parameter(kStart);
  SGD sgd({{"w", w}});
  Tensor step = Tensor::persistent({1}, false);
  step.data()[0] = static_cast<float>((1 << 24) - 1);
  sgd.load_state({{"step", step}});
  EXPECT_EQ(sgd.steps(), (1 << 24) - 1);
  EXPECT_EQ(sgd.state().back().tensor.item(), static_cast<float>((1 << 24) - 1));
  sgd.step(0.1f);
  EXPECT_THROW(sgd.state(), std::overflow_error);
}

TEST(Optimizer, RejectsBadParametersAndHyperparameters) {
  const Tensor w = parameter(kStart);
  EXPECT_THROW(SGD({{"w", w}, {"w", parameter(kStart)}}), std::invalid_argument);
  EXPECT_THROW(SGD({{"step", w}}), std::invalid_argument);
  Graph graph;
  EXPECT_THROW(SGD({{"x", graph.zeros({2})}}), std::invalid_argument);
  EXPECT_THROW(SGD({{"w", w}}, 0.0f, 0.0f, true), std::invalid_argument);
  EXPECT_THROW(SGD({{"w", w}}, 1.0f), std::invalid_argument);
  EXPECT_THROW(Adam({{"w", w}}, 1.0f), std::invalid_argument);
  EXPECT_THROW(Adam({{"w", w}}, 0.9f, -0.1f), std::invalid_argument);
  EXPECT_THROW(AdamW({{"w", w}}, 0.9f, 0.999f, 1e-8f, -1.0f), std::invalid_argument);
}

TEST(Optimizer, UpdatesAreTheSameForAnyThreadCount) {
  const int64_t n = 100003;  // several parallel chunks and a ragged end
  std::vector<float> start(static_cast<size_t>(n)), grad(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    start[static_cast<size_t>(i)] = std::sin(0.001f * static_cast<float>(i));
    grad[static_cast<size_t>(i)] = std::cos(0.003f * static_cast<float>(i));
  }
  const int previous = threads();
  std::vector<std::vector<float>> results;
  for (const int count : {1, 2}) {
    set_threads(count);
    const Tensor w = parameter(start);
    AdamW adam({{"w", w}});
    set_gradient(w, grad);
    const float norm = clip_grad_norm({{"w", w}}, 1.0f);
    for (int step = 0; step < 3; ++step) adam.step(0.01f);
    results.push_back(w.values());
    results.back().push_back(norm);
  }
  set_threads(previous);
  EXPECT_EQ(results[0], results[1]);
}

TEST(ClipGradNorm, ReturnsTheTrueNormAndScalesToMaxNorm) {
  const Tensor a = parameter({0, 0, 0});
  const Tensor b = parameter({0, 0});
  const Tensor no_grad = parameter({0});
  set_gradient(a, {3, -4, 12});
  set_gradient(b, {0, 84});
  const std::vector<NamedTensor> params = {{"a", a}, {"b", b}, {"c", no_grad}};
  // sqrt(9 + 16 + 144 + 7056) = 85
  EXPECT_FLOAT_EQ(clip_grad_norm(params, 17.0f), 85.0f);
  const double factor = 17.0 / (85.0 + 1e-6);
  const auto ga = a.gradient(), gb = b.gradient();
  EXPECT_FLOAT_EQ(ga[0], static_cast<float>(3 * factor));
  EXPECT_FLOAT_EQ(ga[2], static_cast<float>(12 * factor));
  EXPECT_FLOAT_EQ(gb[1], static_cast<float>(84 * factor));
  EXPECT_NEAR(clip_grad_norm(params, 100.0f), 17.0f, 1e-5);
  EXPECT_FALSE(no_grad.has_grad());
}

TEST(ClipGradNorm, LeavesSmallGradientsAlone) {
  const Tensor a = parameter({0, 0});
  set_gradient(a, {0.3f, 0.4f});
  EXPECT_FLOAT_EQ(clip_grad_norm({{"a", a}}, 1.0f), 0.5f);
  EXPECT_EQ(a.gradient(), (std::vector<float>{0.3f, 0.4f}));
  EXPECT_THROW(clip_grad_norm({{"a", a}}, 0.0f), std::invalid_argument);
}

TEST(ClipGradNorm, ReportsANonFiniteNormWithoutScaling) {
  const Tensor a = parameter({0, 0});
  set_gradient(a, {std::numeric_limits<float>::infinity(), 1.0f});
  EXPECT_TRUE(std::isinf(clip_grad_norm({{"a", a}}, 1.0f)));
  EXPECT_EQ(a.gradient()[1], 1.0f);
}

TEST(Adam, MinimizesAQuadratic) {
  const std::vector<float> target = {1.0f, -2.0f, 0.5f, 3.0f, -1.5f};
  const Tensor p = Tensor::persistent({5}, true);
  Adam adam({{"p", p}});
  Graph graph;
  float loss = 0;
  for (int step = 0; step < 400; ++step) {
    adam.zero_grad();
    const Tensor d = sub(p, graph.from({5}, target));
    const Tensor l = sum_all(mul(d, d));
    loss = l.item();
    graph.backward(l);
    graph.reset();
    adam.step(0.05f);
  }
  EXPECT_LT(loss, 1e-4f);
}

}  // namespace
}  // namespace huiyan::nn
