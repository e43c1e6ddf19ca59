#include "nn/attention_additive.h"

#include <stdexcept>

namespace huiyan::nn {

AdditiveAttention::AdditiveAttention(int64_t query_dim, int64_t value_dim, int64_t units,
                                     Random& rng)
    : w1(value_dim, units, rng), w2(query_dim, units, rng), v(units, 1, rng) {
  add_module("W1", w1);
  add_module("W2", w2);
  add_module("V", v);
}

AttentionResult AdditiveAttention::attend(const Tensor& query, const Tensor& projected_values,
                                          const Tensor& values, const Tensor& keep) const {
  const Shape& ps = projected_values.shape();
  if (query.shape().rank != 2 || ps.rank != 3 || query.shape()[0] != ps[0]) {
    throw std::invalid_argument("additive attention: query " + query.shape().str() + ", values " +
                                values.shape().str());
  }
  const int64_t batch = ps[0];
  const int64_t time = ps[1];
  // W2(query) [batch, 1, units] broadcast over time.
  const Tensor query_term = reshape(w2(query), {batch, 1, ps[2]});
  const Tensor scores = reshape(v(tanh(add(projected_values, query_term))), {batch, time});
  AttentionResult result;
  result.weights = attention_weights(scores, keep);
  result.context = weighted_sum(result.weights, values);
  return result;
}

Tensor weighted_sum(const Tensor& weights, const Tensor& values) {
  const int64_t batch = weights.shape()[0];
  const int64_t time = weights.shape()[1];
  const int64_t dim = values.shape()[2];
  return reshape(matmul(reshape(weights, {batch, 1, time}), values), {batch, dim});
}

Tensor attention_weights(const Tensor& scores, const Tensor& keep) {
  return keep.defined() ? masked_softmax(scores, keep) : softmax(scores);
}

}  // namespace huiyan::nn
