#pragma once
// Self-attentive pooling: the seed's SelfAttention: score = tanh(Dense_relu(x)) W, W ∈
// R^{hidden×1}, A = softmax(score, axis=time), context = Aᵀ x; and Lin et al. 2017: A =
// softmax(W_s2 tanh(W_s1 Hᵀ)), M = A H, with r hops and the penalty ‖AAᵀ − I‖²_F.

#include "nn/attention_additive.h"

namespace huiyan::nn {

// The seed's layer: one hop, a ReLU Dense(hidden) with bias, then tanh, then W without bias.
class SelfAttentionPooling : public Module {
 public:
  SelfAttentionPooling(int64_t input_dim, int64_t hidden, Random& rng);
  // x [batch, time, input_dim], keep [batch, time] or undefined -> context [batch, input_dim],
  // weights [batch, time].
  AttentionResult operator()(const Tensor& x, const Tensor& keep) const;

  Linear dense;  // Dense(hidden, activation='relu')
  Linear w;      // W [hidden, 1]
};

struct StructuredAttentionResult {
  Tensor embedding;  // M = A H [batch, hops, input_dim]
  Tensor weights;    // A [batch, hops, time]
  Tensor penalty;    // ‖AAᵀ − I‖²_F summed over the batch, one element
};

// Lin et al. 2017 ("A Structured Self-attentive Sentence Embedding").
class StructuredSelfAttention : public Module {
 public:
  // W_s1 [d_a, input_dim], W_s2 [hops, d_a], no biases, as in the paper.
  StructuredSelfAttention(int64_t input_dim, int64_t attention_dim, int64_t hops, Random& rng);
  StructuredAttentionResult operator()(const Tensor& h, const Tensor& keep) const;

  Linear w_s1;
  Linear w_s2;
};

}  // namespace huiyan::nn
