// Ops attention layers are made of: a masked softmax and a per-row pick.

#include <stdexcept>

#include "nn/kernels/elementwise.h"
#include "nn/kernels/fused_attention.h"
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

Tensor fused_attention(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& key_keep,
                       bool causal) {
  const Shape& qs = q.shape();
  const Shape& ks = k.shape();
  const Shape& vs = v.shape();
  if (qs.rank != 4 || ks.rank != 4 || vs.rank != 4 || qs[0] != ks[0] || qs[1] != ks[1] ||
      qs[3] != ks[3] || vs[0] != ks[0] || vs[1] != ks[1] || vs[2] != ks[2] ||
      (key_keep.defined() && key_keep.shape() != Shape{ks[0], ks[2]})) {
    throw std::invalid_argument("fused_attention: q " + qs.str() + ", k " + ks.str() + ", v " +
                                vs.str());
  }
  const kernels::FusedAttentionShape shape{qs[0], qs[1], qs[2], ks[2], qs[3], vs[3], causal};
  Graph& graph = graph_of({&q, &k, &v});
  Tensor out = graph.output({qs[0], qs[1], qs[2], vs[3]}, {&q, &k, &v});
  float* lse = graph.arena().allocate<float>(static_cast<size_t>(qs[0] * qs[1] * qs[2]));
  const float* keep = key_keep.defined() ? key_keep.data() : nullptr;
  kernels::fused_attention_forward(shape, q.data(), k.data(), v.data(), keep, out.data(), lse);
  graph.record(out, [shape, q, k, v, key_keep, out, lse, &graph] {
    Arena& arena = graph.arena();
    float* dq = arena.allocate<float>(static_cast<size_t>(q.numel()));
    float* dk = arena.allocate<float>(static_cast<size_t>(k.numel()));
    float* dv = arena.allocate<float>(static_cast<size_t>(v.numel()));
    kernels::fused_attention_backward(shape, q.data(), k.data(), v.data(),
                                      key_keep.defined() ? key_keep.data() : nullptr, out.data(),
                                      lse, out.grad(), dq, dk, dv);
    for (const auto& [t, values] : {std::pair{q, dq}, std::pair{k, dk}, std::pair{v, dv}}) {
      if (!t.requires_grad()) continue;
      bool accumulate;
      float* grad = graph.gradient_for(t.impl(), accumulate);
      kernels::axpy(t.numel(), 1.0f, values, grad, accumulate);
    }
  });
  return out;
}

}  // namespace huiyan::nn
