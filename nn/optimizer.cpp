// SGD, Adam, AdamW and gradient-norm clipping; the formulas are in optimizer.h.

#include "nn/optimizer.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "nn/kernels/parallel.h"

namespace huiyan::nn {

namespace {

constexpr int64_t kGrain = 1 << 14;
// Every integer up to 2^24 is exact in a float, so the step count survives a checkpoint.
constexpr int64_t kMaxStoredSteps = int64_t{1} << 24;
constexpr char kStepName[] = "step";

HUIYAN_VECTORIZED void sgd_chunk(int64_t n, float lr, float momentum, float weight_decay,
                                 bool nesterov, const float* grad, float* param, float* velocity) {
  for (int64_t i = 0; i < n; ++i) {
    float g = grad[i] + weight_decay * param[i];
    if (velocity != nullptr) {
      const float v = momentum * velocity[i] + g;
      velocity[i] = v;
      g = nesterov ? g + momentum * v : v;
    }
    param[i] -= lr * g;
  }
}

struct AdamCoefficients {
  float beta1, beta2, eps;
  float l2;           // added to the gradient (Adam's weight decay)
  float keep;         // the parameter's decay factor 1 - lr·wd (AdamW), else 1
  float step_size;    // lr / (1 - β1^t)
  float correction2;  // sqrt(1 - β2^t)
};

HUIYAN_VECTORIZED void adam_chunk(int64_t n, AdamCoefficients c, const float* grad, float* param,
                                  float* m, float* v) {
  for (int64_t i = 0; i < n; ++i) {
    const float p = param[i] * c.keep;
    const float g = grad[i] + c.l2 * p;
    const float m_i = c.beta1 * m[i] + (1.0f - c.beta1) * g;
    const float v_i = c.beta2 * v[i] + (1.0f - c.beta2) * g * g;
    m[i] = m_i;
    v[i] = v_i;
    param[i] = p - c.step_size * m_i / (std::sqrt(v_i) / c.correction2 + c.eps);
  }
}

// Eight independent partial sums in a fixed order: deterministic, and enough independent lanes
// for the compiler to keep the vector units busy without reassociating.
HUIYAN_VECTORIZED double squared_sum(int64_t n, const float* x) {
  double lanes[8] = {};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (int lane = 0; lane < 8; ++lane) {
      const double value = x[i + lane];
      lanes[lane] += value * value;
    }
  }
  for (; i < n; ++i) {
    const double value = x[i];
    lanes[0] += value * value;
  }
  double total = 0;
  for (const double lane : lanes) total += lane;
  return total;
}

HUIYAN_VECTORIZED void scale_chunk(int64_t n, float factor, float* x) {
  for (int64_t i = 0; i < n; ++i) x[i] *= factor;
}

void check_unit_interval(const char* what, float value) {
  if (!(value >= 0.0f && value < 1.0f)) {
    throw std::invalid_argument(std::string(what) + " must be in [0, 1), got " +
                                std::to_string(value));
  }
}

void check_non_negative(const char* what, float value) {
  if (!(value >= 0.0f)) {
    throw std::invalid_argument(std::string(what) + " must be >= 0, got " + std::to_string(value));
  }
}

}  // namespace

// ## Optimizer

Optimizer::Optimizer(std::vector<NamedTensor> params) : params_(std::move(params)) {
  std::unordered_set<std::string> names;
  for (const auto& [name, tensor] : params_) {
    if (!tensor.defined() || tensor.graph() != nullptr) {
      throw std::invalid_argument("optimizer parameter '" + name + "' is not a persistent tensor");
    }
    if (name == kStepName || !names.insert(name).second) {
      throw std::invalid_argument("optimizer parameter name '" + name +
                                  "' is reserved or used twice");
    }
  }
}

size_t Optimizer::add_slot(const std::string& prefix) {
  Slot slot{prefix, {}};
  slot.buffers.reserve(params_.size());
  for (const auto& p : params_) slot.buffers.push_back(Tensor::persistent(p.tensor.shape(), false));
  slots_.push_back(std::move(slot));
  return slots_.size() - 1;
}

float* Optimizer::buffer(size_t slot, size_t param) const {
  return slots_[slot].buffers[param].data();
}

void Optimizer::step(float lr) {
  ++steps_;
  for (size_t i = 0; i < params_.size(); ++i) {
    if (params_[i].tensor.has_grad()) update(i, lr, steps_);
  }
}

void Optimizer::zero_grad() {
  for (const auto& p : params_) p.tensor.impl().grad_written = false;
}

std::vector<NamedTensor> Optimizer::state() const {
  if (steps_ >= kMaxStoredSteps) {
    throw std::overflow_error(
        "optimizer state stores the step count as a float, exact only below "
        "2^24 steps; this run has " +
        std::to_string(steps_));
  }
  std::vector<NamedTensor> out;
  for (const auto& slot : slots_) {
    for (size_t i = 0; i < params_.size(); ++i) {
      const Tensor& from = slot.buffers[i];
      Tensor copy = Tensor::persistent(from.shape(), false);
      std::copy_n(from.data(), from.numel(), copy.data());
      out.push_back({slot.prefix + params_[i].name, std::move(copy)});
    }
  }
  Tensor step = Tensor::persistent({1}, false);
  step.data()[0] = static_cast<float>(steps_);
  out.push_back({kStepName, std::move(step)});
  return out;
}

void Optimizer::load_state(const std::vector<NamedTensor>& state) {
  std::unordered_map<std::string, const Tensor*> by_name;
  for (const auto& [name, tensor] : state) by_name.emplace(name, &tensor);
  const auto find = [&](const std::string& name, const Shape& shape) -> const Tensor& {
    const auto found = by_name.find(name);
    if (found == by_name.end() || !found->second->defined()) {
      throw std::invalid_argument("optimizer state has no entry '" + name + "'");
    }
    if (!(found->second->shape() == shape)) {
      throw std::invalid_argument("optimizer state entry '" + name + "' has shape " +
                                  found->second->shape().str() + ", expected " + shape.str());
    }
    return *found->second;
  };

  // Everything is checked before anything is copied, so a bad checkpoint leaves us unchanged.
  const float stored_steps = find(kStepName, {1}).data()[0];
  if (!(stored_steps >= 0.0f && stored_steps < static_cast<float>(kMaxStoredSteps) &&
        stored_steps == std::floor(stored_steps))) {
    throw std::invalid_argument("optimizer state entry 'step' holds " +
                                std::to_string(stored_steps) + ", not a step count");
  }
  std::vector<std::pair<const Tensor*, const Tensor*>> copies;  // (from, to)
  for (const auto& slot : slots_) {
    for (size_t i = 0; i < params_.size(); ++i) {
      const Tensor& to = slot.buffers[i];
      copies.emplace_back(&find(slot.prefix + params_[i].name, to.shape()), &to);
    }
  }
  for (const auto& [from, to] : copies) std::copy_n(from->data(), from->numel(), to->data());
  steps_ = static_cast<int64_t>(stored_steps);
}

// ## SGD

SGD::SGD(std::vector<NamedTensor> params, float momentum, float weight_decay, bool nesterov)
    : Optimizer(std::move(params)),
      momentum_(momentum),
      weight_decay_(weight_decay),
      nesterov_(nesterov) {
  check_unit_interval("SGD momentum", momentum);
  check_non_negative("SGD weight decay", weight_decay);
  if (nesterov && momentum == 0.0f) {
    throw std::invalid_argument("Nesterov SGD needs momentum > 0");
  }
  if (momentum > 0.0f) momentum_slot_ = add_slot("sgd.momentum.");
}

void SGD::update(size_t param, float lr, int64_t /*step*/) {
  const Tensor& p = params()[param].tensor;
  float* data = p.data();
  const float* grad = p.grad();
  float* velocity = momentum_ > 0.0f ? buffer(momentum_slot_, param) : nullptr;
  kernels::parallel_chunks(p.numel(), kGrain, [&](int64_t begin, int64_t end) {
    sgd_chunk(end - begin, lr, momentum_, weight_decay_, nesterov_, grad + begin, data + begin,
              velocity == nullptr ? nullptr : velocity + begin);
  });
}

// ## Adam, AdamW

Adam::Adam(std::vector<NamedTensor> params, float beta1, float beta2, float eps, float weight_decay)
    : Adam(std::move(params), beta1, beta2, eps, weight_decay, false) {}

Adam::Adam(std::vector<NamedTensor> params, float beta1, float beta2, float eps, float weight_decay,
           bool decoupled)
    : Optimizer(std::move(params)),
      beta1_(beta1),
      beta2_(beta2),
      eps_(eps),
      weight_decay_(weight_decay),
      decoupled_(decoupled) {
  check_unit_interval("Adam beta1", beta1);
  check_unit_interval("Adam beta2", beta2);
  check_non_negative("Adam eps", eps);
  check_non_negative("Adam weight decay", weight_decay);
  m_slot_ = add_slot("adam.m.");
  v_slot_ = add_slot("adam.v.");
}

void Adam::update(size_t param, float lr, int64_t step) {
  const Tensor& p = params()[param].tensor;
  const auto t = static_cast<double>(step);
  AdamCoefficients c{};
  c.beta1 = beta1_;
  c.beta2 = beta2_;
  c.eps = eps_;
  c.l2 = decoupled_ ? 0.0f : weight_decay_;
  c.keep = decoupled_ ? static_cast<float>(1.0 - static_cast<double>(lr) * weight_decay_) : 1.0f;
  // β^t in double: in float, 1 - 0.999^t loses most of its digits for small t.
  c.step_size = static_cast<float>(lr / (1.0 - std::pow(static_cast<double>(beta1_), t)));
  c.correction2 = static_cast<float>(std::sqrt(1.0 - std::pow(static_cast<double>(beta2_), t)));
  float* data = p.data();
  const float* grad = p.grad();
  float* m = buffer(m_slot_, param);
  float* v = buffer(v_slot_, param);
  kernels::parallel_chunks(p.numel(), kGrain, [&](int64_t begin, int64_t end) {
    adam_chunk(end - begin, c, grad + begin, data + begin, m + begin, v + begin);
  });
}

AdamW::AdamW(std::vector<NamedTensor> params, float beta1, float beta2, float eps,
             float weight_decay)
    : Adam(std::move(params), beta1, beta2, eps, weight_decay, true) {}

// ## Clipping

float clip_grad_norm(const std::vector<NamedTensor>& params, float max_norm) {
  if (!(max_norm > 0.0f)) {
    throw std::invalid_argument("clip_grad_norm needs max_norm > 0, got " +
                                std::to_string(max_norm));
  }
  // Chunk boundaries depend only on the sizes, and the chunk sums are added in chunk order, so
  // the thread count cannot change the result.
  double total = 0;
  std::vector<double> partial;
  for (const auto& [name, tensor] : params) {
    if (!tensor.has_grad()) continue;
    const int64_t n = tensor.numel();
    const float* grad = tensor.grad();
    partial.assign(static_cast<size_t>((n + kGrain - 1) / kGrain), 0.0);
    kernels::parallel_chunks(n, kGrain, [&](int64_t begin, int64_t end) {
      partial[static_cast<size_t>(begin / kGrain)] = squared_sum(end - begin, grad + begin);
    });
    for (const double sum : partial) total += sum;
  }
  const double norm = std::sqrt(total);
  if (std::isfinite(norm) && norm > max_norm) {
    const auto factor = static_cast<float>(max_norm / (norm + 1e-6));
    for (const auto& [name, tensor] : params) {
      if (!tensor.has_grad()) continue;
      float* grad = tensor.grad();
      kernels::parallel_chunks(tensor.numel(), kGrain, [&](int64_t begin, int64_t end) {
        scale_chunk(end - begin, factor, grad + begin);
      });
    }
  }
  return static_cast<float>(norm);
}

}  // namespace huiyan::nn
