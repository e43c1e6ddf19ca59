#pragma once
// RNN encoder-decoder with attention for translation.
//
// Encoder: embeddings → a bidirectional GRU/LSTM stack; each direction has hidden/2 units, so an
// annotation h_j = [→h_j; ←h_j] has the decoder's size (Luong's scores need equal sizes).
// Decoder initial state (Bahdanau et al. 2015, App. A): s₀ = tanh(W_s ←h₁).
//
// Bahdanau (additive): cᵢ = Σ αᵢⱼ h_j with αᵢ = softmax(vᵀ tanh(W₁h_j + W₂sᵢ₋₁));
//   sᵢ = RNN([E yᵢ₋₁; cᵢ], sᵢ₋₁); tᵢ = tanh(W_o[sᵢ; cᵢ; E yᵢ₋₁]) (the paper's deep output with
//   tanh in place of maxout); p(yᵢ) = softmax(W_y tᵢ).
// Luong (dot, general, concat; global or local-p): hₜ = RNN([E yₜ₋₁; h̃ₜ₋₁], hₜ₋₁) (input
//   feeding, §3.3; without it the input is E yₜ₋₁ alone); aₜ from score(hₜ, h̄ₛ); cₜ = Σ aₜ h̄ₛ;
//   h̃ₜ = tanh(W_c[cₜ; hₜ]); p(yₜ) = softmax(W_s h̃ₜ).
// Hard attention (Xu et al. 2015) replaces cₜ by the one annotation drawn from αₜ while training
// (argmax when decoding), trained by REINFORCE with reward log p(yₜ).
// With a tied output, W_y = E_tgt · W_t (W_t: hidden → embedding size).
// The first decoder layer's input weights are stored in two parts, the embedding's columns
// (decoder.embed_gates) and the context's / h̃'s (decoder.layers.0.weight_ih), so that training
// multiplies the whole target's embeddings at once; the Bahdanau deep output, which nothing
// feeds back, is likewise computed for all steps after the loop.

#include <memory>
#include <string>
#include <vector>

#include "nn/attention_additive.h"
#include "nn/attention_hard.h"
#include "nn/attention_luong.h"
#include "nn/rnn.h"
#include "nn/rnn_cell.h"
#include "nn/seq2seq.h"

namespace huiyan::nn {

enum class RnnAttention { bahdanau, luong_dot, luong_general, luong_concat };
// "bahdanau", "luong-dot", "luong-general", "luong-concat"; std::invalid_argument otherwise.
RnnAttention rnn_attention_from(const std::string& name);
std::string to_string(RnnAttention attention);

struct RnnSeq2SeqConfig {
  int64_t src_vocab = 0;
  int64_t tgt_vocab = 0;
  kernels::Cell cell = kernels::Cell::gru;
  int64_t embed_dim = 256;
  int64_t hidden = 512;  // decoder state and annotation size (even)
  int64_t encoder_layers = 2;
  int64_t decoder_layers = 1;
  RnnAttention attention = RnnAttention::bahdanau;
  bool local = false;  // Luong local-p
  int64_t window = 10;
  bool input_feeding = true;  // Luong only
  bool hard_attention = false;
  float dropout = 0.2f;
  bool share_embeddings = false;
  bool tie_output = true;
  int64_t max_length = 1024;
  int32_t pad_id = 0;
};

// What decoding keeps between steps for a batch of rows.
struct RnnDecoderState {
  std::vector<CellState> layers;  // per decoder layer
  Tensor feed;                    // h̃ₜ₋₁ (Luong input feeding)
  Tensor memory;                  // [B, S, hidden]
  Tensor projected;               // W₁ h_j (Bahdanau), computed once
  Tensor keep;                    // [B, S]
  std::vector<int32_t> lengths;   // source lengths (local-p)
};

class RnnSeq2Seq : public Seq2Seq {
  // Built before the layers, which draw their initial values from rng_.
  RnnSeq2SeqConfig config_;
  Random rng_;
  Dropout dropout_;

 public:
  RnnSeq2Seq(const RnnSeq2SeqConfig& config, uint64_t seed);
  RnnSeq2Seq(const RnnSeq2SeqConfig& config, Random rng);

  Tensor encode(const IntTensor& src, const IntTensor& src_lengths) override;
  Tensor decode(const IntTensor& tgt_in, const Tensor& memory,
                const IntTensor& src_lengths) override;
  Tensor auxiliary_loss(const Tensor& logits, const IntTensor& tgt_out) override;
  std::unique_ptr<StepDecoder> step_decoder(const Tensor& memory, const IntTensor& src_lengths,
                                            int64_t steps) override;
  int64_t max_length() const override { return config_.max_length; }

  RnnDecoderState start_decoding(const Tensor& memory, const IntTensor& src_lengths);
  // The first decoder layer's input gates from embedded tokens [..., embed] -> [..., G·hidden]:
  // one matrix product for every time step of a teacher-forced target.
  Tensor embedding_gates(const Tensor& embedded) const;
  struct Step {
    Tensor state;    // the top layer's new state (sᵢ, hₜ)
    Tensor context;  // cᵢ (Bahdanau)
    Tensor output;   // h̃ₜ (Luong): the pre-output vector
  };
  // One decoder step from the embedded tokens' input gates [B, G·hidden]; the attention weights
  // [B, S] go to `weights` when given.
  Step advance(const Tensor& gates, RnnDecoderState& state, Tensor* weights);
  // Bahdanau's deep output tanh(W_o[s; c; E y]) for [..., hidden], [..., hidden], [..., embed].
  Tensor bahdanau_output(const Tensor& s, const Tensor& context, const Tensor& embedded) const;
  // [..., hidden] -> logits [..., tgt_vocab].
  Tensor project(const Tensor& output) const;
  Tensor embed_target(const IntTensor& ids) const;

  const RnnSeq2SeqConfig& config() const { return config_; }

  Embedding src_embed;
  std::unique_ptr<Embedding> tgt_embed_own;  // null when sharing the source table
  RNN encoder;
  Linear bridge;  // W_s
  std::vector<std::unique_ptr<RecurrentCell>> decoder;
  // The embedding's columns of the first layer's W_ih when that layer also reads cᵢ or h̃ₜ₋₁
  // (its own weight_ih then holds the other columns).
  std::unique_ptr<Linear> embed_gates;
  std::unique_ptr<AdditiveAttention> additive;
  std::unique_ptr<LuongAttention> luong;
  std::unique_ptr<Linear> readout;       // Bahdanau's W_o
  std::unique_ptr<Linear> output_embed;  // W_t (tied output)
  std::unique_ptr<Linear> output_own;    // W_y (untied)

 private:
  const Embedding& tgt_embed() const { return tgt_embed_own ? *tgt_embed_own : src_embed; }

  std::unique_ptr<HardAttention> hard_;
  // The selections of the last training decode(), for auxiliary_loss().
  std::vector<HardAttentionResult> selections_;
};

}  // namespace huiyan::nn
