#pragma once
// Xu et al. 2015 (hard attention): s ~ Multinoulli(α) while training, s = argmax α at inference;
// context = values[s]; trained by REINFORCE: ∇ ≈ (R − b) ∇ log α_s with b a moving average of R.
//
// Works with the weights of any soft attention layer, so hard attention is selectable wherever
// soft attention is.

#include <bit>
#include <cstdint>
#include <vector>

#include "nn/attention_additive.h"
#include "nn/module.h"

namespace huiyan::nn {

struct HardAttentionResult {
  Tensor context;                 // values[b, s_b] [batch, dim]
  std::vector<int32_t> selected;  // s_b
  Tensor log_probability;         // log α[b, s_b] [batch], carries the gradient for REINFORCE
};

// A module without parameters: its sampling stream and baseline are training state, saved with a
// checkpoint so that resumed training samples and weighs as uninterrupted training would.
class HardAttention : public Module {
 public:
  // baseline_decay: b ← decay · b + (1 − decay) · mean(R).
  explicit HardAttention(uint64_t seed, float baseline_decay = 0.9f);

  // weights [batch, time] (from a soft attention layer), values [batch, time, dim].
  HardAttentionResult select(const Tensor& weights, const Tensor& values, bool sample);

  // The surrogate loss −mean((R − b) · log α_s) whose gradient is the REINFORCE estimate; also
  // moves the baseline toward mean(R). rewards [batch], one per sampled selection.
  Tensor reinforce_loss(const HardAttentionResult& selection, const std::vector<float>& rewards);

  float baseline() const { return std::bit_cast<float>(static_cast<uint32_t>(baseline_bits_)); }

 private:
  Random rng_;
  float decay_;
  // The baseline's float bits, and whether it is set yet (state words, as add_state_word keeps).
  uint64_t baseline_bits_ = 0;
  uint64_t has_baseline_ = 0;
};

}  // namespace huiyan::nn
