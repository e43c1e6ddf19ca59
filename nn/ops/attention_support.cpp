// Ops attention layers are made of: a masked softmax and a per-row pick.

#include <stdexcept>

#include "nn/kernels/elementwise.h"
#include "nn/kernels/masked_softmax.h"
#include "nn/kernels/normalization.h"
#include "nn/ops.h"

namespace huiyan::nn {

Tensor masked_softmax(const Tensor& x, const Tensor& keep) {
  kernels::check_broadcast(x.shape(), keep.shape(), "masked_softmax");
  Graph& graph = graph_of({&x, &keep});
  Tensor out = graph.output(x.shape(), {&x});
  kernels::masked_softmax(x.shape(), x.data(), keep.shape(), keep.data(), out.data());
  const int64_t rows = x.shape().rows();
  const int64_t cols = x.shape().last();
  graph.record(out, [x, out, rows, cols, &graph] {
    // dx = y (dy - Σ dy y): masked positions have y = 0 and so get no gradient.
    bool accumulate;
    float* dx = graph.gradient_for(x.impl(), accumulate);
    kernels::softmax_backward(rows, cols, out.data(), out.grad(), dx, false, accumulate);
  });
  return out;
}

Tensor pick(const Tensor& x, const IntTensor& index) {
  const int64_t rows = x.shape().rows();
  const int64_t cols = x.shape().last();
  if (index.numel() != rows) {
    throw std::invalid_argument("pick: " + std::to_string(index.numel()) + " indices for x " +
                                x.shape().str());
  }
  for (int64_t i = 0; i < rows; ++i) {
    if (index.data[i] < 0 || index.data[i] >= cols) {
      throw std::out_of_range("pick: index " + std::to_string(index.data[i]) + " outside [0, " +
                              std::to_string(cols) + ")");
    }
  }
  Graph& graph = graph_of({&x});
  Tensor out = graph.output({rows}, {&x});
  for (int64_t i = 0; i < rows; ++i) out.data()[i] = x.data()[i * cols + index.data[i]];
  graph.record(out, [x, out, index, rows, cols, &graph] {
    bool accumulate;
    float* dx = graph.gradient_for(x.impl(), accumulate);
    if (!accumulate) std::fill_n(dx, x.numel(), 0.0f);
    for (int64_t i = 0; i < rows; ++i) dx[i * cols + index.data[i]] += out.grad()[i];
  });
  return out;
}

}  // namespace huiyan::nn
