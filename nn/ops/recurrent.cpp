#include <stdexcept>

#include "nn/kernels/elementwise.h"
#include "nn/kernels/rnn.h"
#include "nn/ops.h"

namespace huiyan::nn {

namespace {

void check_lengths(const IntTensor& lengths, int64_t batch, int64_t time, const char* op) {
  if (lengths.numel() != batch) {
    throw std::invalid_argument(std::string(op) + ": " + std::to_string(lengths.numel()) +
                                " lengths for a batch of " + std::to_string(batch));
  }
  for (int64_t b = 0; b < batch; ++b) {
    if (lengths.data[b] < 0 || lengths.data[b] > time) {
      throw std::invalid_argument(std::string(op) + ": length " + std::to_string(lengths.data[b]) +
                                  " outside [0, " + std::to_string(time) + "]");
    }
  }
}

}  // namespace

Tensor recurrent_layer(kernels::Cell cell, const Tensor& x, const Tensor& w_layer,
                       const Tensor& w_iter, const Tensor& bias) {
  const Shape& xs = x.shape();
  const int64_t gates = kernels::gate_count(cell);
  const int64_t hidden = w_iter.shape().rank == 2 ? w_iter.shape()[1] : 0;
  if (xs.rank != 3 || w_layer.shape() != Shape{gates * hidden, xs[2]} ||
      w_iter.shape() != Shape{gates * hidden, hidden} || bias.shape() != Shape{4 * hidden}) {
    throw std::invalid_argument("recurrent_layer: x " + xs.str() + ", w_layer " +
                                w_layer.shape().str() + ", w_iter " + w_iter.shape().str() +
                                ", bias " + bias.shape().str());
  }
  const kernels::RnnShape shape{cell, xs[0], xs[1], xs[2], hidden};
  Graph& graph = graph_of({&x, &w_layer, &w_iter, &bias});
  Tensor out = graph.output({xs[0], xs[1], hidden}, {&x, &w_layer, &w_iter, &bias});
  if (xs[0] * xs[1] == 0) {
    std::fill_n(out.data(), out.numel(), 0.0f);
    return out;
  }
  void* workspace = nullptr;
  if (out.requires_grad()) workspace = graph.arena().allocate(kernels::rnn_workspace_bytes(shape));
  kernels::rnn_forward(shape, x.data(), w_layer.data(), w_iter.data(), bias.data(), out.data(),
                       workspace);

  graph.record(out, [shape, x, w_layer, w_iter, bias, out, workspace, &graph] {
    Arena& arena = graph.arena();
    // oneDNN writes every gradient: into scratch, then added where one is wanted.
    float* dx = arena.allocate<float>(static_cast<size_t>(x.numel()));
    float* dw_layer = arena.allocate<float>(static_cast<size_t>(w_layer.numel()));
    float* dw_iter = arena.allocate<float>(static_cast<size_t>(w_iter.numel()));
    float* dbias = arena.allocate<float>(static_cast<size_t>(bias.numel()));
    kernels::rnn_backward(shape, x.data(), w_layer.data(), w_iter.data(), bias.data(), out.data(),
                          out.grad(), workspace, dx, dw_layer, dw_iter, dbias);
    const auto add = [&](const Tensor& t, const float* values) {
      if (!t.requires_grad()) return;
      bool accumulate;
      float* grad = graph.gradient_for(t.impl(), accumulate);
      kernels::axpy(t.numel(), 1.0f, values, grad, accumulate);
    };
    add(x, dx);
    add(w_layer, dw_layer);
    add(w_iter, dw_iter);
    add(bias, dbias);
  });
  return out;
}

Tensor reverse_sequences(const Tensor& x, const IntTensor& lengths) {
  const Shape& xs = x.shape();
  if (xs.rank != 3)
    throw std::invalid_argument("reverse_sequences needs [batch, time, dim], got " + xs.str());
  check_lengths(lengths, xs[0], xs[1], "reverse_sequences");
  const int64_t time = xs[1];
  const int64_t dim = xs[2];
  // Position t of sequence b reads position source(b, t): the map is its own inverse.
  const auto source = [lengths](int64_t b, int64_t t) {
    const int64_t length = lengths.data[b];
    return t < length ? length - 1 - t : t;
  };
  const auto permute = [=](const float* from, float* to, bool accumulate) {
    for (int64_t b = 0; b < xs[0]; ++b) {
      for (int64_t t = 0; t < time; ++t) {
        const float* src = from + (b * time + source(b, t)) * dim;
        float* dst = to + (b * time + t) * dim;
        for (int64_t c = 0; c < dim; ++c) dst[c] = accumulate ? dst[c] + src[c] : src[c];
      }
    }
  };
  Graph& graph = graph_of({&x});
  Tensor out = graph.output(xs, {&x});
  permute(x.data(), out.data(), false);
  graph.record(out, [x, out, permute, &graph] {
    bool accumulate;
    float* dx = graph.gradient_for(x.impl(), accumulate);
    permute(out.grad(), dx, accumulate);
  });
  return out;
}

Tensor last_steps(const Tensor& x, const IntTensor& lengths) {
  const Shape& xs = x.shape();
  if (xs.rank != 3)
    throw std::invalid_argument("last_steps needs [batch, time, dim], got " + xs.str());
  check_lengths(lengths, xs[0], xs[1], "last_steps");
  const int64_t batch = xs[0];
  const int64_t time = xs[1];
  const int64_t dim = xs[2];
  Graph& graph = graph_of({&x});
  Tensor out = graph.output({batch, dim}, {&x});
  for (int64_t b = 0; b < batch; ++b) {
    const int64_t length = lengths.data[b];
    for (int64_t c = 0; c < dim; ++c) {
      out.data()[b * dim + c] = length > 0 ? x.data()[(b * time + length - 1) * dim + c] : 0.0f;
    }
  }
  graph.record(out, [x, out, lengths, batch, time, dim, &graph] {
    bool accumulate;
    float* dx = graph.gradient_for(x.impl(), accumulate);
    if (!accumulate) std::fill_n(dx, x.numel(), 0.0f);
    for (int64_t b = 0; b < batch; ++b) {
      const int64_t length = lengths.data[b];
      if (length == 0) continue;
      for (int64_t c = 0; c < dim; ++c)
        dx[(b * time + length - 1) * dim + c] += out.grad()[b * dim + c];
    }
  });
  return out;
}

}  // namespace huiyan::nn
