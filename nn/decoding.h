#pragma once
// Greedy and beam search over any model that decodes one token at a time for a batch of rows.
// Scores are length-normalized as in GNMT (Wu et al. 2016): s(Y) = log P(Y) / lp(Y),
// lp(Y) = (5 + |Y|)^α / (5 + 1)^α; α = 0 compares raw log-probabilities.

#include <cstdint>
#include <vector>

#include "nn/tensor.h"

namespace huiyan::nn {

class StepDecoder {
 public:
  virtual ~StepDecoder() = default;
  // Feeds one token per row; returns the next token's scores [rows, vocab], whose log-softmax
  // over the vocabulary gives its log-probabilities: logits (or log-probabilities themselves).
  // Beam search normalizes each row itself, without writing its log-probabilities out.
  virtual Tensor step(const std::vector<int32_t>& tokens) = 0;
  // Keeps rows `rows` (in that order) of whatever the decoder carries between steps.
  virtual void select_rows(const std::vector<int32_t>& rows) = 0;
  // The attention weights over source positions of the last step [rows, S] (for a Transformer,
  // the last layer's cross-attention averaged over heads); undefined if the model has none.
  virtual Tensor attention() const { return {}; }
};

struct DecodeOptions {
  int beam = 1;    // 1: greedy
  int n_best = 1;  // hypotheses returned per sentence, <= beam
  float length_penalty = 0.6f;
  int32_t bos = 2;
  int32_t eos = 3;
  bool keep_attention = false;  // fill Hypothesis::attention from StepDecoder::attention()
};

struct Hypothesis {
  std::vector<int32_t> tokens;  // without bos and eos
  float log_prob = 0;           // log P(tokens, eos)
  float score = 0;              // log_prob / lp
  // With keep_attention: per output token and the final eos, that step's attention over the
  // (padded) source positions, row after row: (tokens.size() + 1) × source length.
  std::vector<float> attention;
};

// Decodes `batch` sentences whose decoder rows are 0..batch-1 (the decoder is expanded to
// batch · beam rows here); max_lengths[b] bounds sentence b's output tokens. Returns up to n_best
// hypotheses per sentence, best first. Run under NoGrad.
std::vector<std::vector<Hypothesis>> beam_search(StepDecoder& decoder, int64_t batch,
                                                 const std::vector<int64_t>& max_lengths,
                                                 const DecodeOptions& options);

// GNMT's lp(Y) for |Y| = length (eos included).
float length_penalty(int64_t length, float alpha);

}  // namespace huiyan::nn
