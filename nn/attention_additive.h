#pragma once
// Bahdanau et al. 2015: score = V(tanh(W1(values) + W2(query[:, None]))), weights = softmax(score,
// axis=time), context = Σ weights · values.
//
// Exactly the seed's Keras layer: W1, W2 = Dense(units), V = Dense(1), all with biases.

#include "nn/layers.h"

namespace huiyan::nn {

struct AttentionResult {
  Tensor context;  // [batch, value_dim]
  Tensor weights;  // [batch, time]; sums to 1 over kept positions, exactly 0 elsewhere
};

class AdditiveAttention : public Module {
 public:
  AdditiveAttention(int64_t query_dim, int64_t value_dim, int64_t units, Random& rng);

  // query [batch, query_dim], values [batch, time, value_dim]; keep [batch, time] (1 = a real
  // position) or undefined for all.
  AttentionResult operator()(const Tensor& query, const Tensor& values, const Tensor& keep) const {
    return attend(query, project_values(values), values, keep);
  }

  // W1(values) does not change while a decoder steps through the target: compute it once.
  Tensor project_values(const Tensor& values) const { return w1(values); }
  AttentionResult attend(const Tensor& query, const Tensor& projected_values, const Tensor& values,
                         const Tensor& keep) const;

  Linear w1;
  Linear w2;
  Linear v;
};

// Σ_t weights[b, t] · values[b, t, :] for weights [batch, time], values [batch, time, dim].
Tensor weighted_sum(const Tensor& weights, const Tensor& values);
// softmax over the last axis, restricted to `keep` when it is defined.
Tensor attention_weights(const Tensor& scores, const Tensor& keep);

}  // namespace huiyan::nn
