#pragma once
// Softmax, log-softmax and layer normalization over the last axis of [rows, cols] data: forward on
// oneDNN, backward as our own loops (they add into gradients that already hold values).

#include <cstdint>

namespace huiyan::nn::kernels {

void softmax(int64_t rows, int64_t cols, const float* x, float* y, bool log);
// log Σ_i e^x[i] over one row of n, computed as log-softmax computes it: x - log_sum_exp(n, x)
// is bit for bit what softmax(..., log = true) gives.
float log_sum_exp(int64_t n, const float* x);
// The same with x's maximum (as lane_max finds it) already known; nothing in x may exceed it.
float log_sum_exp(int64_t n, const float* x, float max);
// dx (+)= y * (dy - sum(dy * y))  (softmax)   or   dy - exp(y) * sum(dy)  (log-softmax)
void softmax_backward(int64_t rows, int64_t cols, const float* y, const float* dy, float* dx,
                      bool log, bool accumulate);

// y = (x - mean) / sqrt(var + eps) * gamma + beta; mean and var [rows] are kept for backward.
void layer_norm(int64_t rows, int64_t cols, const float* x, const float* gamma, const float* beta,
                float eps, float* y, float* mean, float* var);
// With x̂ = (x - mean) / sqrt(var + eps): dx = (ĝ - mean(ĝ) - x̂ mean(ĝ x̂)) / sqrt(var + eps) where
// ĝ = dy gamma; dgamma = Σ_rows dy x̂; dbeta = Σ_rows dy. Null outputs are skipped; each one is
// added to when its accumulate flag is set.
struct LayerNormGradients {
  float* dx = nullptr;
  bool dx_accumulate = false;
  float* dgamma = nullptr;
  bool dgamma_accumulate = false;
  float* dbeta = nullptr;
  bool dbeta_accumulate = false;
};
void layer_norm_backward(int64_t rows, int64_t cols, const float* x, const float* gamma,
                         const float* mean, const float* var, const float* dy, float eps,
                         const LayerNormGradients& out);

}  // namespace huiyan::nn::kernels
