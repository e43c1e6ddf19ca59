#include "nn/attention_hierarchical.h"

#include <stdexcept>

namespace huiyan::nn {

ContextAttention::ContextAttention(int64_t input_dim, int64_t attention_dim, Random& rng)
    : w(input_dim, attention_dim, rng) {
  add_module("W", w);
  context = add_parameter("context", {attention_dim, 1}, Init::normal_002, rng);
}

AttentionResult ContextAttention::operator()(const Tensor& h, const Tensor& keep) const {
  const Shape& hs = h.shape();
  const int64_t dim = context.shape()[0];
  // uᵀ u_ctx for every position: [batch, time, dim] · [dim, 1].
  const Tensor u = tanh(w(h));
  const Tensor scores = reshape(matmul(reshape(u, {hs[0] * hs[1], dim}), context), {hs[0], hs[1]});
  AttentionResult result;
  result.weights = attention_weights(scores, keep);
  result.context = weighted_sum(result.weights, h);
  return result;
}

HierarchicalAttention::HierarchicalAttention(const HanOptions& o, Random& rng)
    : word_encoder({kernels::Cell::gru, o.embedding_dim, o.word_hidden, 1, true, 0}, rng),
      word_attention(2 * o.word_hidden, o.attention_dim, rng),
      sentence_encoder({kernels::Cell::gru, 2 * o.word_hidden, o.sentence_hidden, 1, true, 0}, rng),
      sentence_attention(2 * o.sentence_hidden, o.attention_dim, rng) {
  add_module("word_encoder", word_encoder);
  add_module("word_attention", word_attention);
  add_module("sentence_encoder", sentence_encoder);
  add_module("sentence_attention", sentence_attention);
}

HanResult HierarchicalAttention::operator()(const Tensor& words, const IntTensor& word_lengths,
                                            const IntTensor& sentence_lengths) {
  const Shape& ws = words.shape();
  const int64_t documents = sentence_lengths.numel();
  if (ws.rank != 3 || documents == 0 || ws[0] % documents != 0 || word_lengths.numel() != ws[0]) {
    throw std::invalid_argument("HAN: words " + ws.str() + ", " +
                                std::to_string(word_lengths.numel()) + " word lengths, " +
                                std::to_string(documents) + " documents");
  }
  Graph& graph = graph_of({&words});
  const int64_t max_sentences = ws[0] / documents;
  const int64_t max_words = ws[1];

  const Tensor word_keep = sequence_mask(graph, word_lengths, max_words);
  const AttentionResult word_level =
      word_attention(word_encoder(words, word_lengths).outputs, word_keep);
  // Sentence vectors [documents, max_sentences, 2·word_hidden]; padding sentences attended
  // nothing (all-zero weights) and so are zero vectors, and the sentence mask hides them.
  const Tensor sentences =
      reshape(word_level.context, {documents, max_sentences, word_level.context.shape()[1]});
  const Tensor sentence_keep = sequence_mask(graph, sentence_lengths, max_sentences);
  const AttentionResult sentence_level =
      sentence_attention(sentence_encoder(sentences, sentence_lengths).outputs, sentence_keep);

  HanResult result;
  result.document = sentence_level.context;
  result.word_weights = reshape(word_level.weights, {documents, max_sentences, max_words});
  result.sentence_weights = sentence_level.weights;
  return result;
}

}  // namespace huiyan::nn
