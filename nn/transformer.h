#pragma once
// The Transformer encoder-decoder (Vaswani et al. 2017) for translation: embeddings scaled by
// √d plus positions, N encoder layers (self-attention, feed-forward), N decoder layers (causal
// self-attention, cross-attention, feed-forward), each sublayer wrapped as
// LayerNorm(x + Dropout(Sublayer(x))) (post-norm, the paper) or x + Dropout(Sublayer(LayerNorm(x)))
// (pre-norm, with a final LayerNorm), and an output projection tied to the target embedding.

#include <memory>
#include <string>
#include <vector>

#include "nn/attention_multihead.h"
#include "nn/layers.h"
#include "nn/seq2seq.h"

namespace huiyan::nn {

struct TransformerConfig {
  int64_t src_vocab = 0;
  int64_t tgt_vocab = 0;
  int64_t dim = 256;
  int64_t heads = 4;
  int64_t encoder_layers = 3;
  int64_t decoder_layers = 3;
  int64_t ff_dim = 1024;
  float dropout = 0.1f;
  float attention_dropout = 0.0f;
  bool pre_norm = false;
  bool learned_positions = false;
  int64_t max_positions = 1024;   // learned positions, and the longest decoded output
  bool share_embeddings = false;  // one table for source and target (a joint vocabulary)
  bool tie_output = true;         // output projection = target embedding table
  int32_t pad_id = 0;

  // "small": d 256, 3+3 layers, 4 heads, ff 1024; "base": d 512, 6+6, 8 heads, ff 2048.
  static TransformerConfig preset(const std::string& name);
};

class TransformerEncoderLayer : public Module {
 public:
  TransformerEncoderLayer(const TransformerConfig& config, Random& rng);
  Tensor operator()(const Tensor& x, const Tensor& keep);

  MultiHeadAttention self_attn;
  LayerNorm self_attn_norm;
  FeedForward ffn;
  LayerNorm ffn_norm;

 private:
  bool pre_norm_;
  Dropout dropout_;
};

class TransformerDecoderLayer : public Module {
 public:
  TransformerDecoderLayer(const TransformerConfig& config, Random& rng);
  // Training / scoring: the whole target at once, causal.
  Tensor operator()(const Tensor& y, const Tensor& memory, const Tensor& memory_keep);
  // Decoding: one new position [B, 1, D], using and extending `self_cache`.
  // `memory_rows`: the memory cache row of each row of y.
  Tensor step(const Tensor& y, KvCache& self_cache, const KvCache& memory_cache,
              const Tensor& memory_keep, const std::vector<int32_t>& memory_rows,
              Tensor* cross_weights);

  MultiHeadAttention self_attn;
  LayerNorm self_attn_norm;
  MultiHeadAttention cross_attn;
  LayerNorm cross_attn_norm;
  FeedForward ffn;
  LayerNorm ffn_norm;

 private:
  // One residual sublayer: post- or pre-norm.
  template <typename Sublayer>
  Tensor residual(const Tensor& x, LayerNorm& norm, Sublayer sublayer);

  bool pre_norm_;
  Dropout dropout_;
};

// What decoding keeps between steps for one batch of sentences.
struct DecoderState {
  std::vector<KvCache> self_caches;    // per decoder layer, one row per decoder row
  std::vector<KvCache> memory_caches;  // per decoder layer, one row per sentence
  Tensor sentence_memory_keep;         // [sentences, S]
  // Beam search keeps several rows per sentence: the sentence of each row, and its mask [rows, S]
  // (gathered again only when that mapping changes).
  std::vector<int32_t> row_sentence;
  Tensor memory_keep;
  int64_t position = 0;             // the next target position
  std::vector<int32_t> spare_rows;  // reused when self caches are reordered
  // Each step's tensors, freed at the next step (a batch's steps would otherwise pile up their
  // logits): decode_step's result lives until the next call.
  std::unique_ptr<Graph> step_graph;
};

class Transformer : public Seq2Seq {
  // Built before the layers, which draw their initial values from rng_.
  TransformerConfig config_;
  Random rng_;
  Dropout dropout_;

 public:
  Transformer(const TransformerConfig& config, uint64_t seed);
  Transformer(const TransformerConfig& config, Random rng);

  // src [B, S] ids (pad_id past each length); src_lengths [B]. Returns the memory [B, S, D].
  Tensor encode(const IntTensor& src, const IntTensor& src_lengths) override;
  // tgt_in [B, T] (bos, y₁ … y_{T-1}) against the memory: logits [B, T, tgt_vocab].
  Tensor decode(const IntTensor& tgt_in, const Tensor& memory,
                const IntTensor& src_lengths) override;
  // start_decoding + decode_step as a StepDecoder; its attention() is the last layer's
  // cross-attention averaged over heads.
  std::unique_ptr<StepDecoder> step_decoder(const Tensor& memory, const IntTensor& src_lengths,
                                            int64_t steps) override;
  int64_t max_length() const override { return config_.max_positions; }

  // Decoding: caches for `memory` (no gradient), then one step per new token: tokens [B] ->
  // logits [B, tgt_vocab]; cross_weights (optional) gets the last layer's
  // cross-attention weights [B, heads, 1, S].
  // `steps`: the most decode_step calls to come (0: up to max_positions); the caches hold that
  // many.
  DecoderState start_decoding(const Tensor& memory, const IntTensor& src_lengths,
                              int64_t steps = 0);
  Tensor decode_step(const std::vector<int32_t>& tokens, DecoderState& state,
                     Tensor* cross_weights = nullptr);
  // Keeps rows `rows` of every cache (beam search reorders hypotheses).
  static void select_rows(DecoderState& state, const std::vector<int32_t>& rows);

  const TransformerConfig& config() const { return config_; }

  Embedding src_embed;
  std::unique_ptr<Embedding> tgt_embed_own;  // null when sharing the source table
  std::vector<std::unique_ptr<TransformerEncoderLayer>> encoder;
  std::vector<std::unique_ptr<TransformerDecoderLayer>> decoder;
  std::unique_ptr<LayerNorm> encoder_norm;  // pre-norm only
  std::unique_ptr<LayerNorm> decoder_norm;
  std::unique_ptr<Linear> output_own;  // null when tied
  std::unique_ptr<LearnedPositions> src_positions;
  std::unique_ptr<LearnedPositions> tgt_positions;

 private:
  const Embedding& tgt_embed() const { return tgt_embed_own ? *tgt_embed_own : src_embed; }
  Tensor embed(const Embedding& table, const IntTensor& ids, LearnedPositions* learned,
               int64_t offset);
  Tensor project(const Tensor& hidden) const;
};

}  // namespace huiyan::nn
