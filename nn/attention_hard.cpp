#include "nn/attention_hard.h"

#include <numeric>
#include <stdexcept>

namespace huiyan::nn {

HardAttention::HardAttention(uint64_t seed, float baseline_decay)
    : rng_(seed), decay_(baseline_decay) {
  add_random_stream(rng_);
  add_state_word(baseline_bits_);
  add_state_word(has_baseline_);
}

HardAttentionResult HardAttention::select(const Tensor& weights, const Tensor& values,
                                          bool sample) {
  const Shape& ws = weights.shape();
  const Shape& vs = values.shape();
  if (ws.rank != 2 || vs.rank != 3 || ws[0] != vs[0] || ws[1] != vs[1]) {
    throw std::invalid_argument("hard attention: weights " + ws.str() + ", values " + vs.str());
  }
  const int64_t batch = ws[0];
  const int64_t time = ws[1];
  Graph& graph = graph_of({&weights, &values});
  HardAttentionResult result;
  result.selected = argmax(weights);
  if (sample) {
    const float* w = weights.data();
    for (int64_t b = 0; b < batch; ++b) {
      // Inverse-CDF sampling; the last position with weight catches rounding.
      float u = rng_.uniform();
      int32_t chosen = -1;
      for (int64_t t = 0; t < time; ++t) {
        if (w[b * time + t] <= 0) continue;
        chosen = static_cast<int32_t>(t);
        u -= w[b * time + t];
        if (u < 0) break;
      }
      if (chosen >= 0) result.selected[static_cast<size_t>(b)] = chosen;
    }
  }
  // values[b, s_b] as a one-hot weighting: the context gets gradient through the values.
  Tensor one_hot = graph.zeros({batch, time});
  for (int64_t b = 0; b < batch; ++b)
    one_hot.data()[b * time + result.selected[static_cast<size_t>(b)]] = 1.0f;
  result.context = weighted_sum(one_hot, values);
  const IntTensor index = graph.ids({batch}, result.selected);
  // log α_s; weights of exactly 0 are never sampled, argmax picks a positive one.
  result.log_probability = log(pick(weights, index));
  return result;
}

Tensor HardAttention::reinforce_loss(const HardAttentionResult& selection,
                                     const std::vector<float>& rewards) {
  const Tensor& log_p = selection.log_probability;
  if (static_cast<int64_t>(rewards.size()) != log_p.numel()) {
    throw std::invalid_argument("REINFORCE: " + std::to_string(rewards.size()) + " rewards for " +
                                std::to_string(log_p.numel()) + " selections");
  }
  const float mean = std::accumulate(rewards.begin(), rewards.end(), 0.0f) /
                     static_cast<float>(std::max<size_t>(1, rewards.size()));
  const float baseline = has_baseline_ != 0 ? this->baseline() : mean;
  has_baseline_ = 1;
  std::vector<float> advantage(rewards.size());
  for (size_t i = 0; i < rewards.size(); ++i) advantage[i] = -(rewards[i] - baseline);
  baseline_bits_ = std::bit_cast<uint32_t>(decay_ * baseline + (1 - decay_) * mean);
  Graph& graph = graph_of({&log_p});
  return mean_all(mul(log_p, graph.from(log_p.shape(), advantage)));
}

}  // namespace huiyan::nn
