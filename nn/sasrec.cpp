#include "nn/sasrec.h"

#include <stdexcept>
#include <string>

namespace huiyan::nn {

SasRecBlock::SasRecBlock(const SasRecConfig& c, Random& rng)
    : attention(c.dim, c.heads, rng, c.dropout),
      attention_norm(c.dim, rng),
      ffn(c.dim, c.dim, rng, c.dropout),
      ffn_norm(c.dim, rng),
      dropout_(c.dropout, rng.next()) {
  // Without weights or dropout (recommending, evaluating), the fused kernel at every length:
  // measured 20 % more users/s on ml-100k's histories than a causal mask of n × n per user.
  attention.set_fused_from(1);
  add_module("attention", attention);
  add_module("attention_norm", attention_norm);
  add_module("ffn", ffn);
  add_module("ffn_norm", ffn_norm);
  add_module("dropout", dropout_);
}

Tensor SasRecBlock::operator()(const Tensor& x, const Tensor& keep) {
  attention.need_weights = record_weights;
  const Tensor h = attention_norm(x);
  MultiHeadResult attended = attention(h, h, h, keep, /*causal=*/true);
  if (record_weights) weights = attended.weights;
  const Tensor s = add(x, dropout_(attended.output));
  const Tensor f = add(s, dropout_(ffn(ffn_norm(s))));
  const int64_t batch = keep.shape()[0], len = keep.shape()[1];
  return mul(f, reshape(keep, {batch, len, 1}));
}

Tensor SasRecBlock::newest(const Tensor& x, const Tensor& keep) {
  attention.need_weights = record_weights;
  const int64_t batch = keep.shape()[0], len = keep.shape()[1];
  const Tensor h = attention_norm(x);
  MultiHeadResult attended = attention(slice(h, 1, len - 1, len), h, h, keep, /*causal=*/false);
  if (record_weights) weights = attended.weights;
  const Tensor s = add(slice(x, 1, len - 1, len), dropout_(attended.output));
  const Tensor f = add(s, dropout_(ffn(ffn_norm(s))));
  return mul(f, reshape(slice(keep, 1, len - 1, len), {batch, 1, 1}));
}

SasRec::SasRec(const SasRecConfig& c, uint64_t seed,
               const std::vector<std::vector<int32_t>>& item_features)
    : config_(c),
      rng_(seed),
      dropout_(c.dropout, rng_.next()),
      item_embed(c.items + 1, c.dim, rng_, /*padding_id=*/0),
      positions(c.max_length, c.dim, rng_),
      final_norm(c.dim, rng_) {
  if (c.items <= 0 || c.dim <= 0 || c.blocks <= 0 || c.max_length <= 0) {
    throw std::invalid_argument("SASRec: items, dim, blocks and max_length must be > 0");
  }
  add_module("dropout", dropout_);
  add_module("item_embed", item_embed);
  add_module("positions", positions);
  for (int64_t b = 0; b < c.blocks; ++b) {
    blocks.push_back(std::make_unique<SasRecBlock>(c, rng_));
    add_module("blocks." + std::to_string(b), *blocks.back());
  }
  add_module("final_norm", final_norm);
  if (c.features > 0) {
    if (static_cast<int64_t>(item_features.size()) != c.items) {
      throw std::invalid_argument("SASRec: side information for " +
                                  std::to_string(item_features.size()) + " items, the model has " +
                                  std::to_string(c.items));
    }
    fusion = std::make_unique<ItemFusion>(c.features, c.dim, item_features, rng_);
    add_module("fusion", *fusion);
  }
}

Tensor SasRec::item_table(Graph& graph) const {
  return fusion ? (*fusion)(graph, item_embed.table) : item_embed.table;
}

Tensor SasRec::embed(const IntTensor& history, const Tensor& items, Tensor& keep) {
  Graph& graph = *history.graph;
  const int64_t batch = history.shape[0], len = history.shape[1];
  if (len > config_.max_length) {
    throw std::invalid_argument("SASRec: " + std::to_string(len) + " items, the model reads " +
                                std::to_string(config_.max_length));
  }
  std::vector<float> keep_values(static_cast<size_t>(batch * len));
  for (int64_t i = 0; i < batch * len; ++i) keep_values[i] = history.data[i] != 0 ? 1.0f : 0.0f;
  keep = graph.from({batch, len}, keep_values);
  const Tensor embedded =
      add(embedding(items, history, 0), positions(graph, len, config_.max_length - len));
  return mul(dropout_(embedded), reshape(keep, {batch, len, 1}));
}

Tensor SasRec::forward(const IntTensor& history, const Tensor& items) {
  Tensor keep;
  Tensor x = embed(history, items, keep);
  for (auto& block : blocks) x = (*block)(x, keep);
  return final_norm(x);
}

Tensor SasRec::newest(const IntTensor& history, const Tensor& items) {
  Tensor keep;
  Tensor x = embed(history, items, keep);
  for (size_t b = 0; b + 1 < blocks.size(); ++b) x = (*blocks[b])(x, keep);
  return reshape(final_norm(blocks.back()->newest(x, keep)), {history.shape[0], config_.dim});
}

Tensor SasRec::user_vectors(const IntTensor& histories, const std::vector<int32_t>&) {
  return newest(histories, item_table(*histories.graph));
}

void SasRec::record_attention(bool on) {
  for (auto& block : blocks) block->record_weights = on;
}

std::vector<Tensor> SasRec::attention_weights() const {
  std::vector<Tensor> weights;
  for (const auto& block : blocks) weights.push_back(block->weights);
  return weights;
}

}  // namespace huiyan::nn
