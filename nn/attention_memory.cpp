#include "nn/attention_memory.h"

#include <stdexcept>

namespace huiyan::nn {

MemoryAttention::MemoryAttention(int64_t dim, int hops, Random& rng)
    : h(dim, dim, rng, /*bias=*/false), hops_(hops) {
  if (hops < 1) throw std::invalid_argument("memory attention needs at least one hop");
  add_module("H", h);
}

MemoryResult MemoryAttention::operator()(const Tensor& query, const Tensor& keys,
                                         const Tensor& values, const Tensor& keep) const {
  const Shape& ks = keys.shape();
  if (query.shape().rank != 2 || ks.rank != 3 || values.shape() != ks ||
      query.shape()[1] != ks[2]) {
    throw std::invalid_argument("memory attention: query " + query.shape().str() + ", keys " +
                                ks.str() + ", values " + values.shape().str());
  }
  const int64_t batch = ks[0];
  const int64_t memories = ks[1];
  const int64_t dim = ks[2];
  MemoryResult result;
  Tensor u = query;
  for (int hop = 0; hop < hops_; ++hop) {
    // uᵀ mᵢ for every memory: [batch, memories, dim] · [batch, dim, 1].
    const Tensor scores = reshape(matmul(keys, reshape(u, {batch, dim, 1})), {batch, memories});
    const Tensor p = attention_weights(scores, keep);
    result.weights.push_back(p);
    u = add(h(u), weighted_sum(p, values));
  }
  result.answer = u;
  return result;
}

}  // namespace huiyan::nn
