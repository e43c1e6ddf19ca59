#include "nn/tensor.h"

#include <algorithm>
#include <cstring>
#include <functional>
#include <numeric>
#include <stdexcept>

#include "nn/graph.h"

namespace huiyan::nn {

Shape::Shape(std::initializer_list<int64_t> values) {
  if (values.size() > 4) throw std::invalid_argument("tensors have at most 4 dimensions");
  rank = static_cast<int>(values.size());
  std::copy(values.begin(), values.end(), dims.begin());
}

Shape Shape::of(std::span<const int64_t> values) {
  if (values.size() > 4) throw std::invalid_argument("tensors have at most 4 dimensions");
  Shape shape;
  shape.rank = static_cast<int>(values.size());
  std::copy(values.begin(), values.end(), shape.dims.begin());
  return shape;
}

int64_t Shape::numel() const {
  int64_t n = 1;
  for (int i = 0; i < rank; ++i) n *= dims[static_cast<size_t>(i)];
  return n;
}

int Shape::normalize_axis(int axis) const {
  const int normalized = axis < 0 ? axis + rank : axis;
  if (normalized < 0 || normalized >= rank) {
    throw std::invalid_argument("axis " + std::to_string(axis) + " is out of range for shape " +
                                str());
  }
  return normalized;
}

bool Shape::operator==(const Shape& other) const {
  return rank == other.rank && std::equal(dims.begin(), dims.begin() + rank, other.dims.begin());
}

std::string Shape::str() const {
  std::string text = "[";
  for (int i = 0; i < rank; ++i) {
    if (i > 0) text += ", ";
    text += std::to_string(dims[static_cast<size_t>(i)]);
  }
  return text + "]";
}

TensorImpl::~TensorImpl() {
  if (const auto blocks = free_blocks.lock()) {
    blocks->give_back(data, static_cast<size_t>(shape.numel()) * sizeof(float), generation);
  }
}

Tensor Tensor::persistent(const Shape& shape, bool requires_grad) {
  auto impl = std::make_shared<TensorImpl>();
  impl->shape = shape;
  impl->storage.assign(static_cast<size_t>(shape.numel()), 0.0f);
  impl->data = impl->storage.data();
  impl->requires_grad = requires_grad;
  return Tensor(std::move(impl));
}

float* Tensor::data() const {
  if (impl_->graph != nullptr && impl_->generation != impl_->graph->generation()) {
    throw std::logic_error("a tensor of shape " + impl_->shape.str() +
                           " was used after its graph was reset");
  }
  return impl_->data;
}

std::vector<float> Tensor::values() const {
  const float* p = data();
  return std::vector<float>(p, p + numel());
}

std::vector<float> Tensor::gradient() const {
  if (!has_grad()) return std::vector<float>(static_cast<size_t>(numel()), 0.0f);
  return std::vector<float>(impl_->grad, impl_->grad + numel());
}

float Tensor::item() const {
  if (numel() != 1) {
    throw std::logic_error("item() of a tensor of shape " + shape().str());
  }
  return data()[0];
}

}  // namespace huiyan::nn
