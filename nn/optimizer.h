#pragma once
// Optimizers that update persistent parameters from the gradients Graph::backward left on them,
// and global gradient-norm clipping. With g the gradient, p the parameter, t the step count:
//   SGD (PyTorch semantics):   g += wd·p;  v = μ·v + g;  p -= lr·v   (Nesterov: p -= lr·(g + μ·v))
//   Adam (Kingma & Ba 2015):   g += wd·p;  m = β1·m + (1 - β1)·g;  v = β2·v + (1 - β2)·g²;
//                              p -= lr / (1 - β1^t) · m / (sqrt(v) / sqrt(1 - β2^t) + ε)
//   AdamW (Loshchilov & Hutter 2019): p *= 1 - lr·wd (decoupled decay), then Adam with wd = 0.
// Every update is elementwise, so results are bit-identical for any thread count.

#include <cstdint>
#include <string>
#include <vector>

#include "nn/module.h"
#include "nn/tensor.h"

namespace huiyan::nn {

class Optimizer {
 public:
  // Parameters must be persistent tensors with distinct names (the names key the state).
  explicit Optimizer(std::vector<NamedTensor> params);
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  // One update with learning rate lr of every parameter that has a gradient; the others (and
  // their state) are left as they are. The step count advances either way.
  void step(float lr);
  // The next backward() overwrites the gradients instead of adding to them.
  void zero_grad();
  int64_t steps() const { return steps_; }
  const std::vector<NamedTensor>& params() const { return params_; }

  // A copy of the state for a checkpoint: per-parameter buffers named "<slot>.<param name>"
  // (e.g. "adam.m.encoder.embedding") and "step", a one-element tensor holding steps() as a float,
  // which is exact because state() refuses (std::overflow_error) from 2^24 steps on.
  std::vector<NamedTensor> state() const;
  // Copies state() entries in by name; entries it does not know are ignored. Throws
  // std::invalid_argument naming the first missing or mis-shaped entry, and then changes nothing.
  void load_state(const std::vector<NamedTensor>& state);

 protected:
  // Adds a zero-filled buffer per parameter, shaped like it, named prefix + parameter name.
  // Returns the slot's index for buffer().
  size_t add_slot(const std::string& prefix);
  float* buffer(size_t slot, size_t param) const;
  // Updates params()[param], which has a gradient; `step` is the 1-based count including this one.
  virtual void update(size_t param, float lr, int64_t step) = 0;

 private:
  struct Slot {
    std::string prefix;
    std::vector<Tensor> buffers;  // one per parameter
  };

  std::vector<NamedTensor> params_;
  std::vector<Slot> slots_;
  int64_t steps_ = 0;
};

class SGD : public Optimizer {
 public:
  // Nesterov needs momentum > 0. Without momentum there is no per-parameter state.
  explicit SGD(std::vector<NamedTensor> params, float momentum = 0, float weight_decay = 0,
               bool nesterov = false);

 protected:
  void update(size_t param, float lr, int64_t step) override;

 private:
  float momentum_;
  float weight_decay_;
  bool nesterov_;
  size_t momentum_slot_ = 0;  // valid when momentum_ > 0
};

class Adam : public Optimizer {
 public:
  // weight_decay is L2 regularization: added to the gradient, so it passes through the moments.
  explicit Adam(std::vector<NamedTensor> params, float beta1 = 0.9f, float beta2 = 0.999f,
                float eps = 1e-8f, float weight_decay = 0);

 protected:
  Adam(std::vector<NamedTensor> params, float beta1, float beta2, float eps, float weight_decay,
       bool decoupled);
  void update(size_t param, float lr, int64_t step) override;

 private:
  float beta1_;
  float beta2_;
  float eps_;
  float weight_decay_;
  bool decoupled_;  // AdamW
  size_t m_slot_;
  size_t v_slot_;
};

// Adam with decoupled weight decay; its state has Adam's names, so either loads the other's.
class AdamW : public Adam {
 public:
  explicit AdamW(std::vector<NamedTensor> params, float beta1 = 0.9f, float beta2 = 0.999f,
                 float eps = 1e-8f, float weight_decay = 0.01f);
};

// Scales every gradient present by max_norm / (norm + 1e-6) when their global L2 norm exceeds
// max_norm (> 0), and returns the norm before clipping. The norm is summed in double in a fixed
// order, so it is the same for any thread count. A non-finite norm is returned with the gradients
// untouched, so the caller can see it and skip the step.
float clip_grad_norm(const std::vector<NamedTensor>& params, float max_norm);

}  // namespace huiyan::nn
