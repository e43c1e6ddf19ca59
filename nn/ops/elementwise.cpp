#include "nn/kernels/elementwise.h"

#include <stdexcept>

#include "nn/ops.h"

namespace huiyan::nn {

namespace {

using kernels::BinaryOp;
using kernels::UnaryOp;

Tensor binary_op(BinaryOp op, const char* name, const Tensor& a, const Tensor& b) {
  kernels::check_broadcast(a.shape(), b.shape(), name);
  Graph& graph = graph_of({&a, &b});
  Tensor out = graph.output(a.shape(), {&a, &b});
  kernels::binary(op, a.shape(), a.data(), b.shape(), b.data(), out.data());

  graph.record(out, [op, a, b, out, &graph] {
    const Shape& shape = a.shape();
    const float* dy = out.grad();
    const int64_t n = shape.numel();
    bool accumulate;
    if (a.requires_grad()) {
      float* da = graph.gradient_for(a.impl(), accumulate);
      switch (op) {
        case BinaryOp::add:
        case BinaryOp::sub:
          kernels::axpy(n, 1.0f, dy, da, accumulate);
          break;
        case BinaryOp::mul:
          kernels::binary_same(BinaryOp::mul, shape, dy, b.shape(), b.data(), da, accumulate);
          break;
        case BinaryOp::div:
          kernels::binary_same(BinaryOp::div, shape, dy, b.shape(), b.data(), da, accumulate);
          break;
      }
    }
    if (b.requires_grad()) {
      float* db = graph.gradient_for(b.impl(), accumulate);
      if (op == BinaryOp::add) {
        kernels::reduce_to(shape, dy, b.shape(), db, accumulate);
        return;
      }
      // The elementwise gradient at a's shape, then summed over b's broadcast dims.
      float* scratch = graph.arena().allocate<float>(static_cast<size_t>(n));
      const std::span<float> full(scratch, static_cast<size_t>(n));
      switch (op) {
        case BinaryOp::sub:
          kernels::axpy(n, -1.0f, dy, full.data(), false);
          break;
        case BinaryOp::mul:
          kernels::binary_same(BinaryOp::mul, shape, dy, shape, a.data(), full.data(), false);
          break;
        default:  // d(a / b)/db = -(dy * out) / b
          kernels::binary_same(BinaryOp::mul, shape, dy, shape, out.data(), full.data(), false);
          kernels::binary_same(BinaryOp::div, shape, full.data(), b.shape(), b.data(), full.data(),
                               false);
          kernels::axpy(n, -1.0f, full.data(), full.data(), false);
          break;
      }
      kernels::reduce_to(shape, full.data(), b.shape(), db, accumulate);
    }
  });
  return out;
}

Tensor unary_op(UnaryOp op, const Tensor& x, float alpha = 1, float beta = 0) {
  Graph& graph = graph_of({&x});
  Tensor out = graph.output(x.shape(), {&x});
  kernels::unary(op, x.numel(), x.data(), out.data(), alpha, beta);
  graph.record(out, [op, x, out, alpha, &graph] {
    bool accumulate;
    float* dx = graph.gradient_for(x.impl(), accumulate);
    kernels::unary_backward(op, x.numel(), x.data(), out.data(), out.grad(), dx, accumulate, alpha);
  });
  return out;
}

}  // namespace

Tensor add(const Tensor& a, const Tensor& b) {
  return binary_op(BinaryOp::add, "add", a, b);
}
Tensor sub(const Tensor& a, const Tensor& b) {
  return binary_op(BinaryOp::sub, "sub", a, b);
}
Tensor mul(const Tensor& a, const Tensor& b) {
  return binary_op(BinaryOp::mul, "mul", a, b);
}
Tensor div(const Tensor& a, const Tensor& b) {
  return binary_op(BinaryOp::div, "div", a, b);
}
Tensor affine(const Tensor& x, float alpha, float beta) {
  return unary_op(UnaryOp::affine, x, alpha, beta);
}
Tensor relu(const Tensor& x) {
  return unary_op(UnaryOp::relu, x);
}
Tensor gelu(const Tensor& x) {
  return unary_op(UnaryOp::gelu, x);
}
Tensor tanh(const Tensor& x) {
  return unary_op(UnaryOp::tanh, x);
}
Tensor sigmoid(const Tensor& x) {
  return unary_op(UnaryOp::sigmoid, x);
}
Tensor exp(const Tensor& x) {
  return unary_op(UnaryOp::exp, x);
}
Tensor log(const Tensor& x) {
  return unary_op(UnaryOp::log, x);
}

}  // namespace huiyan::nn
