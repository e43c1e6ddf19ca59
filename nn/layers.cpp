#include "nn/layers.h"

#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

namespace huiyan::nn {

Linear::Linear(int64_t in, int64_t out, Random& rng, bool with_bias) {
  weight = add_parameter("weight", {out, in}, Init::xavier_uniform, rng);
  if (with_bias) bias = add_parameter("bias", {out}, Init::zeros, rng);
}

Embedding::Embedding(int64_t vocab, int64_t dim, Random& rng, int32_t padding_id)
    : padding_id_(padding_id) {
  table = add_parameter("weight", {vocab, dim}, Init::embedding_normal, rng);
  if (padding_id >= 0 && padding_id < vocab)
    std::fill_n(table.data() + padding_id * dim, dim, 0.0f);
}

LayerNorm::LayerNorm(int64_t dim, Random& rng, float eps) : eps_(eps) {
  gain = add_parameter("weight", {dim}, Init::ones, rng);
  bias = add_parameter("bias", {dim}, Init::zeros, rng);
}

FeedForward::FeedForward(int64_t dim, int64_t hidden, Random& rng, float dropout, Activation act)
    : in(dim, hidden, rng), out(hidden, dim, rng), dropout_(dropout, rng.next()), activation_(act) {
  add_module("in", in);
  add_module("out", out);
  add_module("dropout", dropout_);
}

Tensor FeedForward::operator()(const Tensor& x) {
  const Tensor hidden = in(x);
  const Tensor activated = activation_ == Activation::relu ? relu(hidden) : gelu(hidden);
  return out(dropout_(activated));
}

Tensor sinusoidal_positions(Graph& graph, int64_t len, int64_t dim, int64_t offset) {
  Tensor positions = graph.empty({len, dim});
  float* p = positions.data();
  for (int64_t pos = 0; pos < len; ++pos) {
    for (int64_t i = 0; i < dim; i += 2) {
      const double angle = static_cast<double>(pos + offset) /
                           std::pow(10000.0, static_cast<double>(i) / static_cast<double>(dim));
      p[pos * dim + i] = static_cast<float>(std::sin(angle));
      if (i + 1 < dim) p[pos * dim + i + 1] = static_cast<float>(std::cos(angle));
    }
  }
  return positions;
}

LearnedPositions::LearnedPositions(int64_t max_len, int64_t dim, Random& rng) {
  table = add_parameter("weight", {max_len, dim}, Init::normal_002, rng);
}

Tensor LearnedPositions::operator()(Graph& graph, int64_t len, int64_t offset) const {
  if (offset + len > table.shape()[0]) {
    throw std::invalid_argument("position " + std::to_string(offset + len - 1) + " is past the " +
                                std::to_string(table.shape()[0]) + " learned positions");
  }
  std::vector<int32_t> ids(static_cast<size_t>(len));
  std::iota(ids.begin(), ids.end(), static_cast<int32_t>(offset));
  return embedding(table, graph.ids({len}, ids));
}

}  // namespace huiyan::nn
