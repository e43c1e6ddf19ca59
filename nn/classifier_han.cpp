#include <stdexcept>

#include "nn/classifier.h"

namespace huiyan::nn {

HanClassifier::HanClassifier(const ClassifierConfig& c, uint64_t seed)
    : Classifier(c, seed),
      embed(c.vocab, c.embedding_dim, rng_, /*padding_id=*/0),
      han({c.embedding_dim, c.hidden, c.hidden, c.attention_dim}, rng_),
      output(2 * c.hidden, c.labels, rng_),
      dropout_(c.dropout, rng_.next()) {
  if (c.hidden <= 0 || c.attention_dim <= 0 || c.max_sentences <= 0) {
    throw std::invalid_argument("han: hidden, attention_dim and max_sentences must be > 0");
  }
  add_module("embed", embed);
  add_module("han", han);
  add_module("output", output);
  add_module("dropout", dropout_);
}

ClassifierOutput HanClassifier::operator()(const ClassifierInput& in) {
  if (in.sentences.shape.rank != 1) {
    throw std::invalid_argument("han: needs documents of sentences");
  }
  const HanResult r = han(dropout_(embed(in.tokens)), in.lengths, in.sentences);
  ClassifierOutput out;
  out.logits = output(dropout_(r.document));
  out.token_weights = r.word_weights;
  out.sentence_weights = r.sentence_weights;
  return out;
}

}  // namespace huiyan::nn
