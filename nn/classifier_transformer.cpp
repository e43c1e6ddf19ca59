#include <cmath>
#include <stdexcept>

#include "nn/classifier.h"

namespace huiyan::nn {

namespace {

TransformerConfig encoder_config(const ClassifierConfig& c) {
  TransformerConfig t;
  t.src_vocab = c.vocab;
  t.tgt_vocab = c.vocab;
  t.dim = c.embedding_dim;
  t.heads = c.heads;
  t.encoder_layers = c.layers;
  t.decoder_layers = 0;
  t.ff_dim = c.ff_dim;
  t.dropout = c.dropout;
  t.pre_norm = true;  // trains without warm-up tuning, and the final LayerNorm comes with it
  return t;
}

}  // namespace

TransformerClassifier::TransformerClassifier(const ClassifierConfig& c, uint64_t seed)
    : Classifier(c, seed),
      embed(c.vocab, c.embedding_dim, rng_, /*padding_id=*/0),
      final_norm(c.embedding_dim, rng_),
      output(c.embedding_dim, c.labels, rng_),
      dropout_(c.dropout, rng_.next()) {
  if (c.layers <= 0 || c.heads <= 0 || c.embedding_dim % c.heads != 0 || c.ff_dim <= 0) {
    throw std::invalid_argument(
        "transformer: layers, heads and ff_dim must be > 0 and heads must divide the dimension");
  }
  if (c.pooling != "attention" && c.pooling != "cls") {
    throw std::invalid_argument("transformer: pooling must be attention or cls, got '" + c.pooling +
                                "'");
  }
  add_module("embed", embed);
  const TransformerConfig t = encoder_config(c);
  for (int64_t l = 0; l < c.layers; ++l) {
    layers.push_back(std::make_unique<TransformerEncoderLayer>(t, rng_));
    add_module("layers." + std::to_string(l), *layers.back());
  }
  add_module("final_norm", final_norm);
  if (c.pooling == "attention") {
    pooling = std::make_unique<ContextAttention>(c.embedding_dim, c.attention_dim, rng_);
    add_module("pooling", *pooling);
  }
  add_module("output", output);
  add_module("dropout", dropout_);
}

ClassifierOutput TransformerClassifier::operator()(const ClassifierInput& in) {
  Graph& graph = *in.tokens.graph;
  const int64_t batch = in.tokens.shape[0];
  IntTensor tokens = in.tokens, lengths = in.lengths;
  if (!pooling) {
    // The class token goes first; the text moves one position right.
    const int64_t len = in.tokens.shape[1];
    std::vector<int32_t> ids(static_cast<size_t>(batch * (len + 1)));
    std::vector<int32_t> lens(static_cast<size_t>(batch));
    for (int64_t b = 0; b < batch; ++b) {
      ids[static_cast<size_t>(b * (len + 1))] = config_.class_token;
      std::copy(in.tokens.data + b * len, in.tokens.data + (b + 1) * len,
                ids.begin() + b * (len + 1) + 1);
      lens[static_cast<size_t>(b)] = in.lengths.data[b] + 1;
    }
    tokens = graph.ids({batch, len + 1}, ids);
    lengths = graph.ids({batch}, lens);
  }
  const int64_t len = tokens.shape[1], dim = config_.embedding_dim;
  const Tensor keep = sequence_mask(graph, lengths, len);
  Tensor x = dropout_(add(affine(embed(tokens), std::sqrt(static_cast<float>(dim))),
                          sinusoidal_positions(graph, len, dim)));
  for (auto& layer : layers) x = (*layer)(x, keep);
  x = final_norm(x);
  ClassifierOutput out;
  if (pooling) {
    const AttentionResult pooled = (*pooling)(x, keep);
    out.logits = output(dropout_(pooled.context));
    out.token_weights = reshape(pooled.weights, {batch, 1, len});
  } else {
    out.logits = output(dropout_(reshape(slice(x, 1, 0, 1), {batch, dim})));
  }
  return out;
}

}  // namespace huiyan::nn
