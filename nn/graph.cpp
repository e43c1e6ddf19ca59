#include "nn/graph.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "nn/kernels/convert.h"

namespace huiyan::nn {

Tensor Graph::empty(const Shape& shape) {
  auto impl = std::make_shared<TensorImpl>();
  impl->shape = shape;
  const size_t bytes = static_cast<size_t>(shape.numel()) * sizeof(float);
  if (recording_) {
    impl->data = static_cast<float*>(arena_.allocate(bytes));
  } else {
    // Nothing records this tensor, so its memory is free again once the last handle to it (or to
    // a view of it) is gone.
    void* reused = free_blocks_->take(bytes);
    impl->data = static_cast<float*>(reused != nullptr ? reused : arena_.allocate(bytes));
    impl->free_blocks = free_blocks_;
  }
  impl->graph = this;
  impl->generation = generation_;
  return Tensor(std::move(impl));
}

Tensor Graph::zeros(const Shape& shape) {
  return full(shape, 0.0f);
}

Tensor Graph::full(const Shape& shape, float value) {
  Tensor t = empty(shape);
  std::fill_n(t.data(), t.numel(), value);
  return t;
}

Tensor Graph::from(const Shape& shape, std::span<const float> values) {
  if (static_cast<int64_t>(values.size()) != shape.numel()) {
    throw std::invalid_argument(std::to_string(values.size()) + " values for shape " + shape.str());
  }
  Tensor t = empty(shape);
  std::copy(values.begin(), values.end(), t.data());
  return t;
}

IntTensor Graph::ids(const Shape& shape, std::span<const int32_t> values) {
  if (static_cast<int64_t>(values.size()) != shape.numel()) {
    throw std::invalid_argument(std::to_string(values.size()) + " ids for shape " + shape.str());
  }
  int32_t* data = arena_.allocate<int32_t>(values.size());
  std::copy(values.begin(), values.end(), data);
  return IntTensor{shape, data, this};
}

Tensor Graph::variable(const Shape& shape, std::span<const float> values) {
  Tensor t = from(shape, values);
  t.impl().requires_grad = recording_;
  return t;
}

Tensor Graph::output(const Shape& shape, std::initializer_list<const Tensor*> inputs) {
  Tensor t = empty(shape);
  if (recording_) {
    t.impl().requires_grad = std::any_of(inputs.begin(), inputs.end(), [](const Tensor* input) {
      return input->defined() && input->requires_grad();
    });
  }
  return t;
}

void Graph::record(const Tensor& output, std::function<void()> backward) {
  if (!output.requires_grad()) return;
  tape_.push_back({output.shared(), std::move(backward)});
}

float* Graph::gradient_for(TensorImpl& t, bool& accumulate) {
  if (t.grad == nullptr) {
    const auto n = static_cast<size_t>(t.shape.numel());
    if (t.graph != nullptr) {
      t.grad = arena_.allocate<float>(n);
    } else {
      t.grad_storage.assign(n, 0.0f);
      t.grad = t.grad_storage.data();
    }
  }
  accumulate = t.grad_written;
  t.grad_written = true;
  return t.grad;
}

void Graph::backward(const Tensor& loss) {
  if (loss.numel() != 1) {
    throw std::logic_error("backward() needs a one-element loss, got shape " + loss.shape().str());
  }
  if (!loss.requires_grad()) throw std::logic_error("backward() on a loss that needs no gradient");
  bool accumulate = false;
  float* seed = gradient_for(loss.impl(), accumulate);
  seed[0] = accumulate ? seed[0] + 1.0f : 1.0f;
  for (auto node = tape_.rbegin(); node != tape_.rend(); ++node) {
    if (node->output->grad_written) node->backward();
  }
  tape_.clear();
}

const uint16_t* Graph::bf16_copy(const Tensor& t) {
  if (t.graph() != nullptr) return nullptr;
  if (copies_owner_ != nullptr) return copies_owner_->bf16_copy(t);
  const float* data = t.data();
  auto found = bf16_copies_.find(data);
  if (found == bf16_copies_.end()) {
    auto* copy = arena_.allocate<uint16_t>(static_cast<size_t>(t.numel()));
    kernels::to_bf16(data, t.numel(), copy);
    found = bf16_copies_.emplace(data, copy).first;
  }
  return found->second;
}

kernels::PackedB& Graph::packed(const Tensor& t) {
  if (copies_owner_ != nullptr) return copies_owner_->packed(t);
  return packed_[t.data()];
}

void Graph::reset() {
  bf16_copies_.clear();
  packed_.clear();
  tape_.clear();
  arena_.reset();
  ++generation_;
  free_blocks_->clear(generation_);
}

Graph& graph_of(std::initializer_list<const Tensor*> inputs) {
  for (const Tensor* input : inputs) {
    if (input->defined() && input->graph() != nullptr) return *input->graph();
  }
  throw std::logic_error("an op needs at least one input made by a Graph");
}

}  // namespace huiyan::nn
