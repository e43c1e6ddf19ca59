#include "nn/attention_pooling.h"

#include <stdexcept>

namespace huiyan::nn {

SelfAttentionPooling::SelfAttentionPooling(int64_t input_dim, int64_t hidden, Random& rng)
    : dense(input_dim, hidden, rng), w(hidden, 1, rng, /*bias=*/false) {
  add_module("dense", dense);
  add_module("W", w);
}

AttentionResult SelfAttentionPooling::operator()(const Tensor& x, const Tensor& keep) const {
  const Shape& xs = x.shape();
  if (xs.rank != 3) throw std::invalid_argument("self-attention pooling: x " + xs.str());
  const Tensor scores = reshape(w(tanh(relu(dense(x)))), {xs[0], xs[1]});
  AttentionResult result;
  result.weights = attention_weights(scores, keep);
  result.context = weighted_sum(result.weights, x);
  return result;
}

StructuredSelfAttention::StructuredSelfAttention(int64_t input_dim, int64_t attention_dim,
                                                 int64_t hops, Random& rng)
    : w_s1(input_dim, attention_dim, rng, false), w_s2(attention_dim, hops, rng, false) {
  add_module("W_s1", w_s1);
  add_module("W_s2", w_s2);
}

StructuredAttentionResult StructuredSelfAttention::operator()(const Tensor& h,
                                                              const Tensor& keep) const {
  const Shape& hs = h.shape();
  if (hs.rank != 3) throw std::invalid_argument("structured self-attention: H " + hs.str());
  const int64_t batch = hs[0];
  const int64_t hops = w_s2.weight.shape()[0];
  // W_s2 tanh(W_s1 Hᵀ) computed row-wise: [batch, time, hops], then hops first.
  const Tensor scores = transpose(w_s2(tanh(w_s1(h))), {0, 2, 1});  // [batch, hops, time]
  StructuredAttentionResult result;
  result.weights =
      keep.defined() ? masked_softmax(scores, reshape(keep, {batch, 1, hs[1]})) : softmax(scores);
  result.embedding = matmul(result.weights, h);
  // ‖AAᵀ − I‖²_F: the hops should look at different parts of the sentence.
  Graph& graph = graph_of({&h});
  std::vector<float> identity(static_cast<size_t>(hops * hops), 0.0f);
  for (int64_t i = 0; i < hops; ++i) identity[static_cast<size_t>(i * hops + i)] = 1.0f;
  const Tensor gram =
      sub(matmul(result.weights, result.weights, false, true), graph.from({hops, hops}, identity));
  result.penalty = sum_all(mul(gram, gram));
  return result;
}

}  // namespace huiyan::nn
