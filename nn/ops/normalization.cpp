#include "nn/kernels/normalization.h"

#include <stdexcept>

#include "nn/kernels/elementwise.h"
#include "nn/ops.h"

namespace huiyan::nn {

namespace {

Tensor softmax_op(const Tensor& x, bool log) {
  Graph& graph = graph_of({&x});
  Tensor out = graph.output(x.shape(), {&x});
  const int64_t rows = x.shape().rows();
  const int64_t cols = x.shape().last();
  kernels::softmax(rows, cols, x.data(), out.data(), log);
  graph.record(out, [x, out, rows, cols, log, &graph] {
    bool accumulate;
    float* dx = graph.gradient_for(x.impl(), accumulate);
    kernels::softmax_backward(rows, cols, out.data(), out.grad(), dx, log, accumulate);
  });
  return out;
}

}  // namespace

Tensor softmax(const Tensor& x) {
  return softmax_op(x, false);
}
Tensor log_softmax(const Tensor& x) {
  return softmax_op(x, true);
}

Tensor layer_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, float eps) {
  const int64_t cols = x.shape().last();
  if (gamma.shape() != Shape{cols} || beta.shape() != Shape{cols}) {
    throw std::invalid_argument("layer_norm: input " + x.shape().str() + ", gamma " +
                                gamma.shape().str() + ", beta " + beta.shape().str());
  }
  const int64_t rows = x.shape().rows();
  Graph& graph = graph_of({&x, &gamma, &beta});
  Tensor out = graph.output(x.shape(), {&x, &gamma, &beta});
  float* mean = graph.arena().allocate<float>(static_cast<size_t>(rows));
  float* var = graph.arena().allocate<float>(static_cast<size_t>(rows));
  kernels::layer_norm(rows, cols, x.data(), gamma.data(), beta.data(), eps, out.data(), mean, var);

  graph.record(out, [x, gamma, beta, out, rows, cols, eps, mean, var, &graph] {
    kernels::LayerNormGradients grads;
    if (x.requires_grad()) grads.dx = graph.gradient_for(x.impl(), grads.dx_accumulate);
    if (gamma.requires_grad())
      grads.dgamma = graph.gradient_for(gamma.impl(), grads.dgamma_accumulate);
    if (beta.requires_grad()) grads.dbeta = graph.gradient_for(beta.impl(), grads.dbeta_accumulate);
    kernels::layer_norm_backward(rows, cols, x.data(), gamma.data(), mean, var, out.grad(), eps,
                                 grads);
  });
  return out;
}

}  // namespace huiyan::nn
