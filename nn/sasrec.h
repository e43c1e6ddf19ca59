#pragma once
// SASRec (Kang & McAuley 2018, "Self-Attentive Sequential Recommendation"): the item sequence
// (s₁ … s_n, left-padded with item 0) embedded as Ê_t = M_{s_t} + P_t, then b blocks of
// causal self-attention and a point-wise feed-forward network, each sublayer
// g(x) = x + Dropout(g(LayerNorm(x))), a final LayerNorm; the output F_t scores item i by
// r_{i,t} = F_t · M_i with the same item embedding M (the paper's shared-embedding variant).
// Padding positions are zeroed after the embedding and after every block.
// With side information, M_i is the ItemFusion of the id embedding and the item's features (the
// multimodal variant), in the input and in the scores alike.

#include <memory>
#include <vector>

#include "nn/attention_multihead.h"
#include "nn/item_fusion.h"
#include "nn/layers.h"
#include "nn/recommender.h"

namespace huiyan::nn {

struct SasRecConfig {
  int64_t items = 0;  // item ids 1..items; 0 is padding
  int64_t dim = 50;
  int64_t blocks = 2;
  int64_t heads = 1;
  int64_t max_length = 200;  // n: the most recent items the model reads
  float dropout = 0.2f;
  int64_t features = 0;  // side information: the feature vocabulary's size (0: none)
};

class SasRecBlock : public Module {
 public:
  SasRecBlock(const SasRecConfig& config, Random& rng);
  // x [B, T, D]; keep [B, T] (1 = an item, 0 = padding). The attention weights of the last call
  // (before dropout) are kept in `weights` when record_weights is set.
  Tensor operator()(const Tensor& x, const Tensor& keep);
  // The same block's output at the newest position only, [B, 1, D]: what scoring needs of the
  // last block (the query is the newest position, every key is visible to it).
  Tensor newest(const Tensor& x, const Tensor& keep);

  MultiHeadAttention attention;
  LayerNorm attention_norm;
  FeedForward ffn;
  LayerNorm ffn_norm;
  bool record_weights = false;
  Tensor weights;  // [B, heads, T, T]

 private:
  Dropout dropout_;
};

class SasRec : public Recommender {
  // Built before the layers, which draw their initial values from rng_.
  SasRecConfig config_;
  Random rng_;
  Dropout dropout_;

 public:
  // item_features[k]: item k + 1's feature ids, when config.features > 0.
  SasRec(const SasRecConfig& config, uint64_t seed,
         const std::vector<std::vector<int32_t>>& item_features = {});

  // history [B, T] item ids, T <= max_length, left-padded with 0 so the newest item is at T - 1
  // (position embeddings count from the right end, as with the paper's fixed length n), and the
  // item table M = item_table(graph): F [B, T, dim]; row t predicts the item after position t.
  Tensor forward(const IntTensor& history, const Tensor& items);
  Tensor forward(const IntTensor& history) { return forward(history, item_table(*history.graph)); }
  // forward's newest row [B, dim], with the last block computed at that row only.
  Tensor newest(const IntTensor& history, const Tensor& items);

  // F at the newest position; users are not used (SASRec has no user embedding).
  Tensor user_vectors(const IntTensor& histories, const std::vector<int32_t>& users) override;
  Tensor item_table(Graph& graph) const override;
  int64_t items() const override { return config_.items; }
  int64_t max_length() const override { return config_.max_length; }

  // Attention weights of the last forward pass, block by block ([B, heads, T, T] each), when
  // asked for before it.
  void record_attention(bool on);
  std::vector<Tensor> attention_weights() const;

  const SasRecConfig& config() const { return config_; }

  Embedding item_embed;
  LearnedPositions positions;
  std::vector<std::unique_ptr<SasRecBlock>> blocks;
  LayerNorm final_norm;
  std::unique_ptr<ItemFusion> fusion;  // side information only

 private:
  // Ê = M_s + P (dropped out, padding zeroed) [B, T, dim]; keep gets [B, T] (1 = an item).
  Tensor embed(const IntTensor& history, const Tensor& items, Tensor& keep);
};

}  // namespace huiyan::nn
