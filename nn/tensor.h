#pragma once
// Tensors: f32, row-major, contiguous, up to 4-D. A tensor made during a step lives in its
// Graph's arena and is valid until Graph::reset(); while the graph does not record (inference),
// its memory may serve another tensor as soon as no handle to it (or to a view of it) is left, so
// a raw pointer to its data is good only while a handle lives. A persistent tensor (a parameter,
// an optimizer moment) owns its memory. int32 ids are passed as IntTensor views.

#include <array>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace huiyan::nn {

class Graph;
class FreeBlocks;

struct Shape {
  std::array<int64_t, 4> dims{};
  int rank = 0;

  Shape() = default;
  Shape(std::initializer_list<int64_t> values);
  static Shape of(std::span<const int64_t> values);

  // Negative indices count from the end: shape[-1] is the last dimension.
  int64_t operator[](int axis) const {
    return dims[static_cast<size_t>(axis < 0 ? axis + rank : axis)];
  }
  int64_t& operator[](int axis) { return dims[static_cast<size_t>(axis < 0 ? axis + rank : axis)]; }
  int64_t numel() const;
  int64_t last() const { return rank == 0 ? 1 : dims[static_cast<size_t>(rank - 1)]; }
  int64_t rows() const { return last() == 0 ? 0 : numel() / last(); }  // all but the last dim
  int normalize_axis(int axis) const;  // throws std::invalid_argument if out of range
  bool operator==(const Shape& other) const;
  std::string str() const;  // "[2, 3, 4]"
};

struct TensorImpl {
  Shape shape;
  float* data = nullptr;
  float* grad = nullptr;
  bool grad_written = false;  // grad holds values; before that its contents are undefined
  bool requires_grad = false;
  Graph* graph = nullptr;            // null for persistent tensors
  uint64_t generation = 0;           // the graph's generation when made
  std::vector<float> storage;        // persistent tensors only
  std::vector<float> grad_storage;   // persistent tensors only
  std::shared_ptr<TensorImpl> base;  // a view's: the tensor whose memory it reads
  // Set when `data` goes back to its graph's free blocks as this tensor dies (inference).
  std::weak_ptr<FreeBlocks> free_blocks;

  TensorImpl() = default;
  TensorImpl(const TensorImpl&) = delete;
  TensorImpl& operator=(const TensorImpl&) = delete;
  ~TensorImpl();
};

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  // A tensor that owns its memory (zero-filled), e.g. a parameter.
  static Tensor persistent(const Shape& shape, bool requires_grad);

  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const { return impl_->shape; }
  int64_t numel() const { return impl_->shape.numel(); }
  float* data() const;  // throws std::logic_error if its graph was reset since it was made
  float* grad() const { return impl_->grad; }
  bool has_grad() const { return impl_->grad != nullptr && impl_->grad_written; }
  bool requires_grad() const { return impl_->requires_grad; }
  Graph* graph() const { return impl_->graph; }
  TensorImpl& impl() const { return *impl_; }
  const std::shared_ptr<TensorImpl>& shared() const { return impl_; }

  std::vector<float> values() const;
  // Zeros when no gradient was written. Read it for leaves and parameters: a view (reshape) hands
  // its buffer down to its input during backward, after which it holds the input's gradient.
  std::vector<float> gradient() const;
  float item() const;  // the value of a one-element tensor

 private:
  std::shared_ptr<TensorImpl> impl_;
};

// A view of int32 values (token ids, targets, lengths) owned by the caller or a Graph's arena.
struct IntTensor {
  Shape shape;
  const int32_t* data = nullptr;
  Graph* graph = nullptr;  // set when made by Graph::ids
  int64_t numel() const { return shape.numel(); }
};

}  // namespace huiyan::nn
