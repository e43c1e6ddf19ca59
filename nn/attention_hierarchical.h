#pragma once
// Yang et al. 2016: uᵢₜ = tanh(W_w hᵢₜ + b_w), αᵢₜ = softmax(uᵢₜᵀ u_w), sᵢ = Σₜ αᵢₜ hᵢₜ; uᵢ =
// tanh(W_s hᵢ + b_s), αᵢ = softmax(uᵢᵀ u_s), v = Σᵢ αᵢ hᵢ.
//
// Words are encoded by a bidirectional GRU per sentence, sentences by another over the sentence
// vectors. Padding words and padding sentences are masked at both levels (a common bug in public
// HAN code), so neither gets weight nor changes the document vector.

#include "nn/attention_additive.h"
#include "nn/rnn.h"

namespace huiyan::nn {

// Attention with a learned context vector: u = tanh(W h + b), α = softmax(uᵀ u_ctx), Σ α h.
class ContextAttention : public Module {
 public:
  ContextAttention(int64_t input_dim, int64_t attention_dim, Random& rng);
  AttentionResult operator()(const Tensor& h, const Tensor& keep) const;

  Linear w;        // W, b
  Tensor context;  // u_w or u_s [attention_dim, 1]
};

struct HanOptions {
  int64_t embedding_dim = 0;
  int64_t word_hidden = 50;  // per direction, as in the paper
  int64_t sentence_hidden = 50;
  int64_t attention_dim = 100;
};

struct HanResult {
  Tensor document;          // v [documents, 2·sentence_hidden]
  Tensor word_weights;      // α [documents, max_sentences, max_words]
  Tensor sentence_weights;  // α [documents, max_sentences]
};

class HierarchicalAttention : public Module {
 public:
  HierarchicalAttention(const HanOptions& options, Random& rng);

  // words [documents·max_sentences, max_words, embedding_dim] (embedded, padded); word_lengths
  // [documents·max_sentences] (0 for padding sentences); sentence_lengths [documents].
  HanResult operator()(const Tensor& words, const IntTensor& word_lengths,
                       const IntTensor& sentence_lengths);

  RNN word_encoder;
  ContextAttention word_attention;
  RNN sentence_encoder;
  ContextAttention sentence_attention;
};

}  // namespace huiyan::nn
