#pragma once
// Attentive Collaborative Filtering (Chen et al. 2017, SIGIR), item-level attention: user i is
// u_i plus the attention-weighted auxiliary vectors p_l of the items l ∈ R(i) they interacted
// with,
//   a(i, l) = w₂ᵀ ReLU(W_u u_i + W_v v_l + W_p p_l + b) (+ c, which the softmax cancels)
//   α(i, l) = exp a(i, l) / Σ_{n ∈ R(i)} exp a(i, n)
//   R̂_ij   = (u_i + Σ_{l ∈ R(i)} α(i, l) p_l)ᵀ v_j
// A user the model has not seen (id -1) has u = 0 and is represented by their items alone.

#include "nn/layers.h"
#include "nn/recommender.h"

namespace huiyan::nn {

struct AcfConfig {
  int64_t users = 0;  // user ids 0..users-1
  int64_t items = 0;  // item ids 1..items; 0 is padding
  int64_t dim = 64;
  int64_t attention_dim = 64;
  int64_t max_length = 200;  // the most recent items of R(i) attended to
};

class Acf : public Recommender {
  AcfConfig config_;
  Random rng_;

 public:
  Acf(const AcfConfig& config, uint64_t seed);

  Tensor user_vectors(const IntTensor& histories, const std::vector<int32_t>& users) override;
  // The same, with the attention weights α [B, T] (0 at padding).
  Tensor user_vectors(const IntTensor& histories, const std::vector<int32_t>& users,
                      Tensor* weights);
  Tensor item_table(Graph&) const override { return item_embed.table; }
  int64_t items() const override { return config_.items; }
  int64_t max_length() const override { return config_.max_length; }
  Tensor item_vectors(const IntTensor& items) const { return item_embed(items); }

  const AcfConfig& config() const { return config_; }

  Embedding user_embed;  // row 0: the unknown user (zero, never trained); user u is row u + 1
  Embedding item_embed;  // v
  Embedding aux_embed;   // p
  Linear w_user;         // W_u with the bias b
  Linear w_item;         // W_v
  Linear w_aux;          // W_p
  Linear w_out;          // w₂
};

}  // namespace huiyan::nn
