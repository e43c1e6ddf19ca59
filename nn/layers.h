#pragma once
// The basic layers, each a Module that names its parameters.

#include <cstdint>

#include "nn/graph.h"
#include "nn/module.h"
#include "nn/ops.h"

namespace huiyan::nn {

// y = x Wᵀ + b, W [out, in] (Xavier-uniform), b [out] (zeros).
class Linear : public Module {
 public:
  Linear(int64_t in, int64_t out, Random& rng, bool bias = true);
  Tensor operator()(const Tensor& x) const { return linear(x, weight, bias); }

  Tensor weight;
  Tensor bias;  // undefined without bias
};

// Rows of a [vocab, dim] table; the padding row (if any) starts at zero and gets no gradient.
class Embedding : public Module {
 public:
  Embedding(int64_t vocab, int64_t dim, Random& rng, int32_t padding_id = -1);
  Tensor operator()(const IntTensor& ids) const { return embedding(table, ids, padding_id_); }

  Tensor table;

 private:
  int32_t padding_id_;
};

// Layer normalization over the last axis (Ba et al. 2016) with gain (ones) and bias (zeros).
class LayerNorm : public Module {
 public:
  LayerNorm(int64_t dim, Random& rng, float eps = 1e-5f);
  Tensor operator()(const Tensor& x) const { return layer_norm(x, gain, bias, eps_); }

  Tensor gain;
  Tensor bias;

 private:
  float eps_;
};

// Identity when not training; otherwise drops with probability p, seeded.
class Dropout : public Module {
 public:
  Dropout(float p, uint64_t seed) : p_(p), rng_(seed) { add_random_stream(rng_); }
  Tensor operator()(const Tensor& x) { return training() && p_ > 0 ? dropout(x, p_, rng_) : x; }
  float p() const { return p_; }
  Random& rng() { return rng_; }

 private:
  float p_;
  Random rng_;
};

// Position-wise feed-forward network (Vaswani et al. 2017): FFN(x) = W2 act(W1 x + b1) + b2.
class FeedForward : public Module {
 public:
  enum class Activation { relu, gelu };
  FeedForward(int64_t dim, int64_t hidden, Random& rng, float dropout = 0,
              Activation act = Activation::relu);
  Tensor operator()(const Tensor& x);

  Linear in;
  Linear out;

 private:
  Dropout dropout_;
  Activation activation_;
};

// PE(pos, 2i) = sin(pos / 10000^(2i/d)), PE(pos, 2i+1) = cos(pos / 10000^(2i/d)); [len, dim].
Tensor sinusoidal_positions(Graph& graph, int64_t len, int64_t dim, int64_t offset = 0);

// Learned positions: a [max_len, dim] table (normal, std 0.02) read for positions
// offset .. offset + len - 1.
class LearnedPositions : public Module {
 public:
  LearnedPositions(int64_t max_len, int64_t dim, Random& rng);
  Tensor operator()(Graph& graph, int64_t len, int64_t offset = 0) const;

  Tensor table;
};

}  // namespace huiyan::nn
