#pragma once
// Document classifiers whose attention can be shown to the user:
//   han          Yang et al. 2016: word bi-GRU + word attention per sentence, sentence bi-GRU +
//                sentence attention over the document (nn/attention_hierarchical.h).
//   selfattn     Lin et al. 2017: embedding, bidirectional GRU/LSTM H, A = softmax(W_s2 tanh(W_s1
//                Hᵀ)) with r hops, M = A H flattened, a ReLU MLP, the output layer; the penalty
//                ‖AAᵀ − I‖²_F is added to the loss when r > 1.
//   transformer  Vaswani et al. 2017's encoder (pre-norm) over √d-scaled embeddings plus
//                sinusoidal positions, pooled by a learned context attention (u = tanh(W h + b),
//                α = softmax(uᵀ u_c)) or read at a class token put before the text.
// Each returns logits per label: a softmax over them (single-label) or a sigmoid per label
// (multi-label) is the caller's choice.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "nn/attention_hierarchical.h"
#include "nn/attention_pooling.h"
#include "nn/layers.h"
#include "nn/transformer.h"

namespace huiyan::nn {

struct ClassifierConfig {
  std::string arch = "selfattn";  // han | selfattn | transformer
  int64_t vocab = 0;              // token ids 0..vocab-1; 0 is padding
  int64_t labels = 0;
  int64_t embedding_dim = 128;
  int64_t hidden = 128;         // han, selfattn: recurrent units per direction
  std::string cell = "gru";     // selfattn: gru | lstm
  int64_t attention_dim = 100;  // han: context attention size; selfattn: d_a; transformer pooling
  int64_t hops = 4;             // selfattn: r
  float penalty = 1.0f;         // selfattn: coefficient of ‖AAᵀ − I‖²_F (r > 1)
  int64_t mlp = 256;            // selfattn: hidden units of the MLP
  int64_t layers = 2;           // transformer
  int64_t heads = 4;            // transformer
  int64_t ff_dim = 512;         // transformer
  std::string pooling = "attention";  // transformer: attention | cls
  int32_t class_token = 2;            // transformer with pooling cls: the id put first
  float dropout = 0.3f;
  // The longest input read: tokens of a document (selfattn, transformer), words of a sentence
  // (han); sentences of a document (han).
  int64_t max_tokens = 512;
  int64_t max_sentences = 64;
  bool multi_label = false;
  bool hierarchical() const { return arch == "han"; }
};

// A batch of documents, zero-padded. Flat models: tokens [B, T], lengths [B]. HAN: tokens
// [B·S, W] (document b's sentence s at row b·S + s), lengths [B·S] (0 for padding sentences) and
// sentences [B].
struct ClassifierInput {
  IntTensor tokens;
  IntTensor lengths;
  IntTensor sentences;  // han only
  int64_t documents() const { return sentences.shape.rank ? sentences.numel() : lengths.numel(); }
};

struct ClassifierOutput {
  Tensor logits;  // [B, labels]
  Tensor penalty;  // selfattn with r > 1: ‖AAᵀ − I‖²_F summed over the batch; else undefined
  // Which tokens the model read the document by, [B, S, W] (S = 1 for flat models): for each
  // sentence, weights over its tokens that sum to 1. selfattn averages its r hops; a transformer
  // with a class token has none (undefined).
  Tensor token_weights;
  Tensor sentence_weights;  // han: [B, S], summing to 1 over the document's sentences
};

class Classifier : public Module {
 public:
  virtual ClassifierOutput operator()(const ClassifierInput& input) = 0;
  const ClassifierConfig& config() const { return config_; }

 protected:
  // Made before the subclass's layers, which draw their initial values from rng_.
  Classifier(const ClassifierConfig& config, uint64_t seed) : config_(config), rng_(seed) {}
  ClassifierConfig config_;
  Random rng_;
};

// A freshly initialised classifier; std::invalid_argument for a bad configuration.
std::unique_ptr<Classifier> make_classifier(const ClassifierConfig& config, uint64_t seed);

class HanClassifier : public Classifier {
 public:
  HanClassifier(const ClassifierConfig& config, uint64_t seed);
  ClassifierOutput operator()(const ClassifierInput& input) override;

  Embedding embed;
  HierarchicalAttention han;
  Linear output;

 private:
  Dropout dropout_;
};

class SelfAttentiveClassifier : public Classifier {
 public:
  SelfAttentiveClassifier(const ClassifierConfig& config, uint64_t seed);
  ClassifierOutput operator()(const ClassifierInput& input) override;

  Embedding embed;
  RNN encoder;
  StructuredSelfAttention attention;
  Linear mlp;
  Linear output;

 private:
  Dropout dropout_;
};

class TransformerClassifier : public Classifier {
 public:
  TransformerClassifier(const ClassifierConfig& config, uint64_t seed);
  ClassifierOutput operator()(const ClassifierInput& input) override;

  Embedding embed;
  std::vector<std::unique_ptr<TransformerEncoderLayer>> layers;
  LayerNorm final_norm;
  std::unique_ptr<ContextAttention> pooling;  // pooling "attention" only
  Linear output;

 private:
  Dropout dropout_;
};

}  // namespace huiyan::nn
