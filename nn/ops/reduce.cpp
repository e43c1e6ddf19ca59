#include "nn/kernels/reduce.h"

#include "nn/ops.h"

namespace huiyan::nn {

namespace {

using kernels::Reduction;

Tensor reduce_op(Reduction op, const Tensor& x, int axis) {
  const Shape& shape = x.shape();
  axis = shape.normalize_axis(axis);
  int64_t outer = 1;
  int64_t inner = 1;
  for (int i = 0; i < axis; ++i) outer *= shape[i];
  for (int i = axis + 1; i < shape.rank; ++i) inner *= shape[i];
  const int64_t length = shape[axis];
  Shape out_shape;
  for (int i = 0; i < shape.rank; ++i) {
    if (i != axis) out_shape.dims[static_cast<size_t>(out_shape.rank++)] = shape[i];
  }
  if (out_shape.rank == 0) out_shape = Shape{1};
  Graph& graph = graph_of({&x});
  Tensor out = graph.output(out_shape, {&x});
  kernels::reduce_axis(op, outer, length, inner, x.data(), out.data());
  graph.record(out, [op, x, out, outer, length, inner, &graph] {
    bool accumulate;
    float* dx = graph.gradient_for(x.impl(), accumulate);
    kernels::reduce_axis_backward(op, outer, length, inner, x.data(), out.data(), out.grad(), dx,
                                  accumulate);
  });
  return out;
}

}  // namespace

Tensor sum(const Tensor& x, int axis) {
  return reduce_op(Reduction::sum, x, axis);
}
Tensor mean(const Tensor& x, int axis) {
  return reduce_op(Reduction::mean, x, axis);
}
Tensor max(const Tensor& x, int axis) {
  return reduce_op(Reduction::max, x, axis);
}
Tensor sum_all(const Tensor& x) {
  return sum(reshape(x, Shape{x.numel()}), 0);
}
Tensor mean_all(const Tensor& x) {
  return mean(reshape(x, Shape{x.numel()}), 0);
}

}  // namespace huiyan::nn
