#include <stdexcept>

#include "nn/classifier.h"

namespace huiyan::nn {

SelfAttentiveClassifier::SelfAttentiveClassifier(const ClassifierConfig& c, uint64_t seed)
    : Classifier(c, seed),
      embed(c.vocab, c.embedding_dim, rng_, /*padding_id=*/0),
      encoder({c.cell == "lstm" ? kernels::Cell::lstm : kernels::Cell::gru, c.embedding_dim,
               c.hidden, 1, true, 0},
              rng_),
      attention(2 * c.hidden, c.attention_dim, c.hops, rng_),
      mlp(c.hops * 2 * c.hidden, c.mlp, rng_),
      output(c.mlp, c.labels, rng_),
      dropout_(c.dropout, rng_.next()) {
  if (c.cell != "gru" && c.cell != "lstm") {
    throw std::invalid_argument("selfattn: cell must be gru or lstm, got '" + c.cell + "'");
  }
  if (c.hidden <= 0 || c.attention_dim <= 0 || c.hops <= 0 || c.mlp <= 0) {
    throw std::invalid_argument("selfattn: hidden, attention_dim, hops and mlp must be > 0");
  }
  add_module("embed", embed);
  add_module("encoder", encoder);
  add_module("attention", attention);
  add_module("mlp", mlp);
  add_module("output", output);
  add_module("dropout", dropout_);
}

ClassifierOutput SelfAttentiveClassifier::operator()(const ClassifierInput& in) {
  Graph& graph = *in.tokens.graph;
  const int64_t batch = in.tokens.shape[0], len = in.tokens.shape[1];
  const Tensor h = encoder(dropout_(embed(in.tokens)), in.lengths).outputs;
  const StructuredAttentionResult a = attention(h, sequence_mask(graph, in.lengths, len));
  const Tensor m = reshape(a.embedding, {batch, config_.hops * 2 * config_.hidden});
  ClassifierOutput out;
  out.logits = output(dropout_(relu(mlp(dropout_(m)))));
  if (config_.hops > 1) out.penalty = a.penalty;
  // The hops' mean: still a distribution over the tokens.
  out.token_weights = reshape(mean(a.weights, 1), {batch, 1, len});
  return out;
}

}  // namespace huiyan::nn
