#include "nn/attention_luong.h"

#include <cmath>
#include <stdexcept>

namespace huiyan::nn {

LuongAttention::LuongAttention(const LuongOptions& options, Random& rng)
    : options_(options), w_c_(2 * options.hidden, options.hidden, rng, /*bias=*/false) {
  const int64_t h = options.hidden;
  if (h <= 0) throw std::invalid_argument("Luong attention needs hidden > 0");
  if (options.score == LuongScore::general) {
    w_a_ = std::make_unique<Linear>(h, h, rng, false);
    add_module("W_a", *w_a_);
  } else if (options.score == LuongScore::concat) {
    // W_a [hₜ; h̄ₛ] = W_a,state hₜ + W_a,source h̄ₛ: two halves, so hₜ is not copied S times.
    w_a_ = std::make_unique<Linear>(h, h, rng, false);
    w_a_source_ = std::make_unique<Linear>(h, h, rng, false);
    v_a_ = std::make_unique<Linear>(h, 1, rng, false);
    add_module("W_a_state", *w_a_);
    add_module("W_a_source", *w_a_source_);
    add_module("v_a", *v_a_);
  }
  add_module("W_c", w_c_);
  if (options.local) {
    if (options.window <= 0) throw std::invalid_argument("local-p attention needs a window D > 0");
    w_p_ = std::make_unique<Linear>(h, h, rng, false);
    v_p_ = std::make_unique<Linear>(h, 1, rng, false);
    add_module("W_p", *w_p_);
    add_module("v_p", *v_p_);
  }
}

Tensor LuongAttention::scores(const Tensor& state, const Tensor& source) const {
  const int64_t batch = source.shape()[0];
  const int64_t len = source.shape()[1];
  const int64_t h = options_.hidden;
  switch (options_.score) {
    case LuongScore::dot:  // hₜᵀ h̄ₛ for every s: h̄ [B, S, H] · hₜ [B, H, 1]
      return reshape(matmul(source, reshape(state, {batch, h, 1})), {batch, len});
    case LuongScore::general:  // hₜᵀ (W_a h̄ₛ)
      return reshape(matmul((*w_a_)(source), reshape(state, {batch, h, 1})), {batch, len});
    case LuongScore::concat: {
      const Tensor state_term = reshape((*w_a_)(state), {batch, 1, h});
      const Tensor source_term = (*w_a_source_)(source);
      return reshape((*v_a_)(tanh(add(source_term, state_term))), {batch, len});
    }
  }
  throw std::logic_error("unknown Luong score");
}

LuongResult LuongAttention::operator()(const Tensor& state, const Tensor& source,
                                       const Tensor& keep, const IntTensor& lengths) const {
  const Shape& ss = source.shape();
  if (state.shape().rank != 2 || ss.rank != 3 || state.shape()[1] != options_.hidden ||
      ss[2] != options_.hidden || state.shape()[0] != ss[0]) {
    throw std::invalid_argument("Luong attention: state " + state.shape().str() + ", source " +
                                ss.str() + ", hidden " + std::to_string(options_.hidden));
  }
  const int64_t batch = ss[0];
  const int64_t len = ss[1];
  Graph& graph = graph_of({&state, &source});
  const Tensor score = scores(state, source);
  LuongResult result;
  if (!options_.local) {
    result.weights = attention_weights(score, keep);
  } else {
    if (lengths.numel() != batch)
      throw std::invalid_argument("local-p attention needs the source lengths");
    // pₜ = S · sigmoid(v_pᵀ tanh(W_p hₜ)), S each source's length.
    std::vector<float> source_lengths(static_cast<size_t>(batch));
    for (int64_t b = 0; b < batch; ++b)
      source_lengths[static_cast<size_t>(b)] = static_cast<float>(lengths.data[b]);
    result.position =
        mul(sigmoid((*v_p_)(tanh((*w_p_)(state)))), graph.from({batch, 1}, source_lengths));
    // The window [pₜ - D, pₜ + D] (a selection, no gradient) ∩ the kept positions.
    const float radius = static_cast<float>(options_.window);
    Tensor window = graph.empty({batch, len});
    std::vector<float> offsets(static_cast<size_t>(batch * len));
    for (int64_t i = 0; i < batch * len; ++i)
      offsets[static_cast<size_t>(i)] = static_cast<float>(i % len);
    for (int64_t b = 0; b < batch; ++b) {
      const float p = result.position.data()[b];
      for (int64_t s = 0; s < len; ++s) {
        const bool inside = std::abs(static_cast<float>(s) - p) <= radius;
        const bool kept = !keep.defined() || keep.data()[b * len + s] != 0.0f;
        window.data()[b * len + s] = inside && kept ? 1.0f : 0.0f;
      }
    }
    // exp(-(s - pₜ)² / (2σ²)), σ = D / 2; differentiable in pₜ.
    const Tensor distance = sub(graph.from({batch, len}, offsets), result.position);
    const float sigma = radius / 2.0f;
    const Tensor gaussian = exp(affine(mul(distance, distance), -1.0f / (2.0f * sigma * sigma)));
    result.weights = mul(masked_softmax(score, window), gaussian);
  }
  result.context = weighted_sum(result.weights, source);
  result.attentional = attentional(result.context, state);
  return result;
}

}  // namespace huiyan::nn
