#pragma once
// Sukhbaatar et al. 2015 (end-to-end memory networks): pᵢ = softmax(uᵀ mᵢ), o = Σᵢ pᵢ cᵢ, u^{k+1} =
// H u^k + o^k, for K hops.
//
// A building block: the caller embeds the memory sentences into keys mᵢ and values cᵢ (the
// paper's A and C embeddings) and the question into u¹. H is the paper's linear map between hops
// (identity for "adjacent" tying; here learned, as in its layer-wise variant).

#include <vector>

#include "nn/attention_additive.h"

namespace huiyan::nn {

struct MemoryResult {
  Tensor answer;                // u^{K+1} [batch, dim]
  std::vector<Tensor> weights;  // pᵏ per hop [batch, memories]
};

class MemoryAttention : public Module {
 public:
  MemoryAttention(int64_t dim, int hops, Random& rng);
  // query u¹ [batch, dim]; keys mᵢ and values cᵢ [batch, memories, dim]; keep [batch, memories].
  MemoryResult operator()(const Tensor& query, const Tensor& keys, const Tensor& values,
                          const Tensor& keep) const;

  Linear h;  // [dim, dim], no bias

 private:
  int hops_;
};

}  // namespace huiyan::nn
