#pragma once
// Cross-entropy fused with log-softmax, with label smoothing and an ignored target id.

#include <cstdint>

namespace huiyan::nn::kernels {

// For each row i of logits [rows, cols]: lse[i] = log Σ exp(z), and unless targets[i] is
// ignore_index, loss_i = (1 - e) (lse - z[t]) + e (lse - mean(z)). Returns Σ loss_i and sets
// `counted` to the rows that were not ignored. Throws std::out_of_range for a bad target.
double cross_entropy(int64_t rows, int64_t cols, const float* logits, const int32_t* targets,
                     float smoothing, int32_t ignore_index, float* lse, int64_t& counted);

// dlogits (+)= scale · (softmax(z) - (1 - e) onehot(t) - e / cols), 0 for ignored rows.
void cross_entropy_backward(int64_t rows, int64_t cols, const float* logits, const int32_t* targets,
                            float smoothing, int32_t ignore_index, const float* lse, float scale,
                            float* dlogits, bool accumulate);

}  // namespace huiyan::nn::kernels
