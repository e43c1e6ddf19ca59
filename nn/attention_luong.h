#pragma once
// Luong et al. 2015: score(hₜ, h̄ₛ) = hₜᵀh̄ₛ (dot) | hₜᵀ W_a h̄ₛ (general) | v_aᵀ tanh(W_a[hₜ; h̄ₛ])
// (concat); aₜ = softmax(score); cₜ = Σ aₜ(s) h̄ₛ; h̃ₜ = tanh(W_c[cₜ; hₜ]).
//
// Global attention looks at every source position. Local-p attention predicts a position
// pₜ = S · sigmoid(v_pᵀ tanh(W_p hₜ)) (S the source length), attends inside [pₜ - D, pₜ + D] and
// multiplies the weights by exp(-(s - pₜ)² / (2σ²)), σ = D / 2 — so, as in the paper, local
// weights no longer sum to 1. Input feeding (the paper's §3.3) is the decoder's part: it feeds
// h̃ₜ back with the next input.

#include "nn/attention_additive.h"

namespace huiyan::nn {

enum class LuongScore { dot, general, concat };

struct LuongOptions {
  LuongScore score = LuongScore::general;
  int64_t hidden = 0;   // decoder and encoder state size (the paper's setting: equal)
  bool local = false;   // local-p instead of global
  int64_t window = 10;  // D
};

struct LuongResult {
  Tensor context;      // cₜ [batch, hidden]
  Tensor weights;      // aₜ [batch, source_len]
  Tensor attentional;  // h̃ₜ [batch, hidden]
  Tensor position;     // pₜ [batch, 1] (local-p only)
};

class LuongAttention : public Module {
 public:
  LuongAttention(const LuongOptions& options, Random& rng);

  // state hₜ [batch, hidden]; source h̄ [batch, source_len, hidden]; keep [batch, source_len]
  // (undefined: all kept); lengths of the sources (local-p needs S).
  LuongResult operator()(const Tensor& state, const Tensor& source, const Tensor& keep,
                         const IntTensor& lengths) const;

  // h̃ₜ = tanh(W_c[cₜ; hₜ]) for a context found otherwise (hard attention's selected h̄ₛ).
  Tensor attentional(const Tensor& context, const Tensor& state) const {
    return tanh(w_c_(concat({context, state}, 1)));
  }

  // The scores hₜᵀ W_a h̄ₛ etc. [batch, source_len], exposed for tests and visualisation.
  Tensor scores(const Tensor& state, const Tensor& source) const;

  const LuongOptions& options() const { return options_; }

 private:
  LuongOptions options_;
  std::unique_ptr<Linear> w_a_;         // general: W_a [H, H]; concat: W_a's columns for hₜ
  std::unique_ptr<Linear> w_a_source_;  // concat: W_a's columns for h̄ₛ (W_a = [w_a_ | this])
  std::unique_ptr<Linear> v_a_;         // concat: [1, H]
  Linear w_c_;                          // [H, 2H]
  std::unique_ptr<Linear> w_p_;         // local-p: [H, H]
  std::unique_ptr<Linear> v_p_;         // local-p: [1, H]
};

}  // namespace huiyan::nn
