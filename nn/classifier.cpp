#include "nn/classifier.h"

#include <stdexcept>

namespace huiyan::nn {

namespace {

void check(const ClassifierConfig& c) {
  if (c.vocab <= 0 || c.labels <= 0 || c.embedding_dim <= 0 || c.max_tokens <= 0) {
    throw std::invalid_argument(
        "classifier: vocab, labels, embedding_dim and max_tokens must be > 0");
  }
  if (!(c.dropout >= 0 && c.dropout < 1)) {
    throw std::invalid_argument("classifier: dropout must be in [0, 1)");
  }
}

}  // namespace

std::unique_ptr<Classifier> make_classifier(const ClassifierConfig& config, uint64_t seed) {
  check(config);
  if (config.arch == "han") return std::make_unique<HanClassifier>(config, seed);
  if (config.arch == "selfattn") return std::make_unique<SelfAttentiveClassifier>(config, seed);
  if (config.arch == "transformer") return std::make_unique<TransformerClassifier>(config, seed);
  throw std::invalid_argument("classifier: arch must be han, selfattn or transformer, got '" +
                              config.arch + "'");
}

}  // namespace huiyan::nn
