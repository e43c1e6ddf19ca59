#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "nn/kernels/elementwise.h"
#include "nn/kernels/indexing.h"
#include "nn/kernels/loss.h"
#include "nn/kernels/mask.h"
#include "nn/ops.h"

namespace huiyan::nn {

Tensor embedding(const Tensor& table, const IntTensor& ids, int32_t padding_id) {
  if (table.shape().rank != 2 || ids.shape.rank > 3) {
    throw std::invalid_argument("embedding: table " + table.shape().str() + ", ids " +
                                ids.shape.str());
  }
  const int64_t vocab = table.shape()[0];
  const int64_t dim = table.shape()[1];
  Shape out_shape = ids.shape;
  out_shape.dims[static_cast<size_t>(out_shape.rank++)] = dim;
  // The table is usually a parameter: the graph is the one that made the ids.
  if (ids.graph == nullptr && table.graph() == nullptr) {
    throw std::logic_error("embedding needs ids made by Graph::ids");
  }
  Graph& graph = ids.graph != nullptr ? *ids.graph : *table.graph();
  Tensor out = graph.output(out_shape, {&table});
  kernels::gather_rows(vocab, dim, table.data(), ids.numel(), ids.data, out.data());
  graph.record(out, [table, ids, out, dim, padding_id, &graph] {
    bool accumulate;
    float* dtable = graph.gradient_for(table.impl(), accumulate);
    if (!accumulate) std::fill_n(dtable, table.numel(), 0.0f);
    kernels::scatter_add_rows(dim, out.grad(), ids.numel(), ids.data, padding_id, dtable);
  });
  return out;
}

Tensor take_rows(const Tensor& x, const std::vector<int32_t>& rows) {
  const Shape& shape = x.shape();
  if (shape.rank < 1 || shape[0] == 0) {
    throw std::invalid_argument("take_rows: x " + shape.str() + " has no rows");
  }
  const int64_t n = shape[0];
  for (const int32_t row : rows) {
    if (row < 0 || row >= n) {
      throw std::invalid_argument("take_rows: row " + std::to_string(row) + " of " + shape.str());
    }
  }
  Graph& graph = graph_of({&x});
  // The rows as an embedding table: gather forward, scatter-add backward.
  const auto count = static_cast<int64_t>(rows.size());
  const Tensor picked = embedding(reshape(x, {n, x.numel() / n}), graph.ids({count}, rows), -1);
  Shape out = shape;
  out[0] = count;
  return reshape(picked, out);
}

Tensor cross_entropy(const Tensor& logits, const IntTensor& targets, float label_smoothing,
                     int32_t ignore_index) {
  const int64_t rows = logits.shape().rows();
  const int64_t cols = logits.shape().last();
  if (targets.numel() != rows) {
    throw std::invalid_argument("cross_entropy: logits " + logits.shape().str() + " but " +
                                std::to_string(targets.numel()) + " targets");
  }
  if (!(label_smoothing >= 0 && label_smoothing < 1)) {
    throw std::invalid_argument("cross_entropy: label smoothing must be in [0, 1)");
  }
  Graph& graph = graph_of({&logits});
  Tensor loss = graph.output(Shape{1}, {&logits});
  float* lse = graph.arena().allocate<float>(static_cast<size_t>(rows));
  int64_t counted = 0;
  const double total = kernels::cross_entropy(rows, cols, logits.data(), targets.data,
                                              label_smoothing, ignore_index, lse, counted);
  loss.data()[0] = counted > 0 ? static_cast<float>(total / static_cast<double>(counted)) : 0.0f;
  graph.record(loss, [logits, targets, loss, rows, cols, label_smoothing, ignore_index, lse,
                      counted, &graph] {
    bool accumulate;
    float* dlogits = graph.gradient_for(logits.impl(), accumulate);
    const float scale = counted > 0 ? loss.grad()[0] / static_cast<float>(counted) : 0.0f;
    kernels::cross_entropy_backward(rows, cols, logits.data(), targets.data, label_smoothing,
                                    ignore_index, lse, scale, dlogits, accumulate);
  });
  return loss;
}

Tensor binary_cross_entropy(const Tensor& logits, const Tensor& targets, const Tensor& weights) {
  if (targets.shape() != logits.shape() || weights.shape() != logits.shape()) {
    throw std::invalid_argument("binary_cross_entropy: logits " + logits.shape().str() +
                                ", targets " + targets.shape().str() + ", weights " +
                                weights.shape().str());
  }
  Graph& graph = graph_of({&logits});
  Tensor loss = graph.output(Shape{1}, {&logits});
  const int64_t n = logits.numel();
  const float* x = logits.data();
  const float* y = targets.data();
  const float* w = weights.data();
  double total = 0, weight_sum = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (w[i] == 0) continue;
    // softplus(x) = max(x, 0) + log(1 + e^-|x|)
    const double softplus = std::max(x[i], 0.0f) + std::log1p(std::exp(-std::abs(x[i])));
    total += w[i] * (softplus - static_cast<double>(y[i]) * x[i]);
    weight_sum += w[i];
  }
  loss.data()[0] = weight_sum > 0 ? static_cast<float>(total / weight_sum) : 0.0f;
  graph.record(loss, [logits, targets, weights, loss, n, weight_sum, &graph] {
    bool accumulate;
    float* dx = graph.gradient_for(logits.impl(), accumulate);
    const float scale = weight_sum > 0 ? loss.grad()[0] / static_cast<float>(weight_sum) : 0.0f;
    const float* x = logits.data();
    const float* y = targets.data();
    const float* w = weights.data();
    for (int64_t i = 0; i < n; ++i) {
      const float g = w[i] == 0 ? 0.0f : scale * w[i] * (1.0f / (1.0f + std::exp(-x[i])) - y[i]);
      dx[i] = accumulate ? dx[i] + g : g;
    }
  });
  return loss;
}

Tensor dropout(const Tensor& x, float p, Random& rng) {
  if (!(p >= 0 && p < 1)) throw std::invalid_argument("dropout: p must be in [0, 1)");
  const uint64_t key = rng.next();
  if (p == 0) return x;
  Graph& graph = graph_of({&x});
  Tensor out = graph.output(x.shape(), {&x});
  kernels::dropout(x.numel(), x.data(), p, key, out.data(), false);
  graph.record(out, [x, out, p, key, &graph] {
    bool accumulate;
    float* dx = graph.gradient_for(x.impl(), accumulate);
    kernels::dropout(x.numel(), out.grad(), p, key, dx, accumulate);
  });
  return out;
}

Tensor mask_fill(const Tensor& x, const Tensor& keep, float value) {
  kernels::check_broadcast(x.shape(), keep.shape(), "mask_fill");
  Graph& graph = graph_of({&x, &keep});
  Tensor out = graph.output(x.shape(), {&x});
  kernels::mask_fill(x.shape(), x.data(), keep.shape(), keep.data(), value, out.data());
  graph.record(out, [x, keep, out, &graph] {
    bool accumulate;
    float* dx = graph.gradient_for(x.impl(), accumulate);
    kernels::mask_fill_backward(x.shape(), out.grad(), keep.shape(), keep.data(), dx, accumulate);
  });
  return out;
}

Tensor sequence_mask(Graph& graph, const IntTensor& lengths, int64_t max_len) {
  const int64_t batch = lengths.numel();
  Tensor mask = graph.empty(Shape{batch, max_len});
  float* m = mask.data();
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t t = 0; t < max_len; ++t) m[b * max_len + t] = t < lengths.data[b] ? 1.0f : 0.0f;
  }
  return mask;
}

Tensor causal_mask(Graph& graph, int64_t len) {
  Tensor mask = graph.empty(Shape{len, len});
  float* m = mask.data();
  for (int64_t i = 0; i < len; ++i) {
    for (int64_t j = 0; j < len; ++j) m[i * len + j] = j <= i ? 1.0f : 0.0f;
  }
  return mask;
}

std::vector<int32_t> argmax(const Tensor& x) {
  std::vector<int32_t> out(static_cast<size_t>(x.shape().rows()));
  kernels::argmax_rows(x.shape().rows(), x.shape().last(), x.data(), out.data());
  return out;
}

std::pair<std::vector<float>, std::vector<int32_t>> top_k(const Tensor& x, int64_t k) {
  const int64_t rows = x.shape().rows();
  k = std::min(k, x.shape().last());
  std::vector<float> values(static_cast<size_t>(rows * k));
  std::vector<int32_t> indices(static_cast<size_t>(rows * k));
  kernels::top_k_rows(rows, x.shape().last(), k, x.data(), values.data(), indices.data());
  return {std::move(values), std::move(indices)};
}

}  // namespace huiyan::nn
