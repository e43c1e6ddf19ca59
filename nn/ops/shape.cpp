#include <numeric>
#include <stdexcept>

#include "nn/kernels/copy.h"
#include "nn/kernels/elementwise.h"
#include "nn/ops.h"

namespace huiyan::nn {

namespace {

// outer = product of dims before `axis`, inner = product after.
std::pair<int64_t, int64_t> outer_inner(const Shape& shape, int axis) {
  int64_t outer = 1;
  int64_t inner = 1;
  for (int i = 0; i < axis; ++i) outer *= shape[i];
  for (int i = axis + 1; i < shape.rank; ++i) inner *= shape[i];
  return {outer, inner};
}

}  // namespace

Tensor reshape(const Tensor& x, const Shape& shape) {
  if (shape.numel() != x.numel()) {
    throw std::invalid_argument("reshape: " + x.shape().str() + " has " +
                                std::to_string(x.numel()) + " elements, " + shape.str() + " " +
                                std::to_string(shape.numel()));
  }
  Graph& graph = graph_of({&x});
  // A view: same data, its own gradient buffer.
  auto impl = std::make_shared<TensorImpl>();
  impl->shape = shape;
  impl->data = x.data();
  impl->base = x.shared();
  impl->graph = &graph;
  impl->generation = graph.generation();
  impl->requires_grad = graph.recording() && x.requires_grad();
  Tensor out(std::move(impl));
  graph.record(out, [x, out, &graph] {
    // The view's gradient is complete when this runs (its users come later on the tape), so an
    // input with no gradient yet takes over its buffer instead of a copy: a translation batch's
    // logits gradient is 130 MB. (The input is a graph tensor: parameters cannot be reshaped.)
    TensorImpl& input = x.impl();
    if (input.grad == nullptr) {
      input.grad = out.grad();
      input.grad_written = true;
      return;
    }
    bool accumulate;
    float* dx = graph.gradient_for(x.impl(), accumulate);
    kernels::axpy(x.numel(), 1.0f, out.grad(), dx, accumulate);
  });
  return out;
}

Tensor transpose(const Tensor& x, std::vector<int> order) {
  const Shape& shape = x.shape();
  std::vector<int> sorted = order;
  std::sort(sorted.begin(), sorted.end());
  std::vector<int> identity(static_cast<size_t>(shape.rank));
  std::iota(identity.begin(), identity.end(), 0);
  if (sorted != identity) {
    throw std::invalid_argument("transpose: the order must permute the " +
                                std::to_string(shape.rank) + " dims of " + shape.str());
  }
  Shape out_shape;
  out_shape.rank = shape.rank;
  std::vector<int> inverse(order.size());
  for (size_t i = 0; i < order.size(); ++i) {
    out_shape[static_cast<int>(i)] = shape[order[i]];
    inverse[static_cast<size_t>(order[i])] = static_cast<int>(i);
  }
  // Moving only dims of size 1 keeps the memory order ([B, 1, H, d] -> [B, H, 1, d] when
  // decoding one position): a view, no copy.
  int last_moved = -1;
  bool keeps_order = true;
  for (int dim : order) {
    if (shape[dim] == 1) continue;
    keeps_order = keeps_order && dim > last_moved;
    last_moved = dim;
  }
  if (keeps_order) return reshape(x, out_shape);
  Graph& graph = graph_of({&x});
  Tensor out = graph.output(out_shape, {&x});
  kernels::permute(shape, order, x.data(), out.data(), false);
  graph.record(out, [x, out, inverse, &graph] {
    bool accumulate;
    float* dx = graph.gradient_for(x.impl(), accumulate);
    kernels::permute(out.shape(), inverse, out.grad(), dx, accumulate);
  });
  return out;
}

Tensor concat(const std::vector<Tensor>& parts, int axis) {
  if (parts.empty()) throw std::invalid_argument("concat of nothing");
  const Shape& first = parts.front().shape();
  axis = first.normalize_axis(axis);
  Shape out_shape = first;
  out_shape[axis] = 0;
  for (const auto& part : parts) {
    Shape expected = part.shape();
    expected[axis] = first[axis];
    if (expected != first) {
      throw std::invalid_argument("concat: " + part.shape().str() + " does not match " +
                                  first.str() + " outside axis " + std::to_string(axis));
    }
    out_shape[axis] += part.shape()[axis];
  }
  const auto [outer, inner] = outer_inner(out_shape, axis);
  Graph* graph = nullptr;
  for (const auto& part : parts) graph = graph ? graph : part.graph();
  if (graph == nullptr) throw std::logic_error("concat needs at least one input made by a Graph");
  Tensor out = graph->empty(out_shape);
  bool needs_grad = false;
  int64_t offset = 0;
  for (const auto& part : parts) {
    kernels::copy_block(outer, inner, part.data(), part.shape()[axis], 0, out.data(),
                        out_shape[axis], offset, part.shape()[axis], false);
    offset += part.shape()[axis];
    needs_grad = needs_grad || part.requires_grad();
  }
  out.impl().requires_grad = graph->recording() && needs_grad;
  graph->record(out, [parts, out, axis, outer, inner, graph] {
    int64_t offset = 0;
    for (const auto& part : parts) {
      const int64_t length = part.shape()[axis];
      if (part.requires_grad()) {
        bool accumulate;
        float* dx = graph->gradient_for(part.impl(), accumulate);
        kernels::copy_block(outer, inner, out.grad(), out.shape()[axis], offset, dx, length, 0,
                            length, accumulate);
      }
      offset += length;
    }
  });
  return out;
}

Tensor slice(const Tensor& x, int axis, int64_t begin, int64_t end) {
  const Shape& shape = x.shape();
  axis = shape.normalize_axis(axis);
  if (begin < 0 || end < begin || end > shape[axis]) {
    throw std::invalid_argument("slice [" + std::to_string(begin) + ", " + std::to_string(end) +
                                ") of axis " + std::to_string(axis) + " of " + shape.str());
  }
  Shape out_shape = shape;
  out_shape[axis] = end - begin;
  const auto [outer, inner] = outer_inner(shape, axis);
  Graph& graph = graph_of({&x});
  Tensor out = graph.output(out_shape, {&x});
  kernels::copy_block(outer, inner, x.data(), shape[axis], begin, out.data(), end - begin, 0,
                      end - begin, false);
  graph.record(out, [x, out, axis, begin, outer, inner, &graph] {
    bool accumulate;
    float* dx = graph.gradient_for(x.impl(), accumulate);
    if (!accumulate) std::fill_n(dx, x.numel(), 0.0f);
    const int64_t length = out.shape()[axis];
    kernels::copy_block(outer, inner, out.grad(), length, 0, dx, x.shape()[axis], begin, length,
                        true);
  });
  return out;
}

std::vector<Tensor> split(const Tensor& x, int axis, const std::vector<int64_t>& sizes) {
  axis = x.shape().normalize_axis(axis);
  const int64_t total = std::accumulate(sizes.begin(), sizes.end(), int64_t{0});
  if (total != x.shape()[axis]) {
    throw std::invalid_argument("split: sizes add up to " + std::to_string(total) + ", axis " +
                                std::to_string(axis) + " of " + x.shape().str() + " has " +
                                std::to_string(x.shape()[axis]));
  }
  std::vector<Tensor> parts;
  int64_t begin = 0;
  for (const int64_t size : sizes) {
    parts.push_back(slice(x, axis, begin, begin + size));
    begin += size;
  }
  return parts;
}

}  // namespace huiyan::nn
