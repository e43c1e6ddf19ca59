#pragma once
// A multimodal item representation: item i's id embedding M_i and the embeddings F_f of its
// side-information features (e.g. title words and genres), pooled by attention,
//   x_i = Σ_c β_c e_c over e_c ∈ {M_i} ∪ {F_f : f ∈ features(i)},  β = softmax over c of
//         wᵀ tanh(ReLU(W e_c + b))   (SelfAttentionPooling, one query shared by all items),
// so the model learns per item how much to trust its id and how much its description; an item
// without features is its id embedding.

#include <vector>

#include "nn/attention_pooling.h"
#include "nn/layers.h"

namespace huiyan::nn {

class ItemFusion : public Module {
 public:
  // item_features[k] lists item k + 1's feature ids in [1, features) (0 is padding).
  ItemFusion(int64_t features, int64_t dim, const std::vector<std::vector<int32_t>>& item_features,
             Random& rng);

  // id_table [items + 1, dim] (row 0 padding) -> [items + 1, dim]; row 0 stays zero.
  Tensor operator()(Graph& graph, const Tensor& id_table) const;
  // β for every item: [items + 1, 1 + most features], column 0 the id's weight.
  Tensor weights(Graph& graph, const Tensor& id_table) const;

  Embedding feature_embed;
  SelfAttentionPooling pool;

 private:
  AttentionResult fuse(Graph& graph, const Tensor& id_table) const;

  int64_t items_;
  int64_t width_;             // the most features of an item
  std::vector<int32_t> ids_;  // [items + 1, width_], 0 = padding
  std::vector<float> keep_;   // [items + 1, 1 + width_]
};

}  // namespace huiyan::nn
