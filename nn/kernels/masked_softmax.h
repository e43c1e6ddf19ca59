#pragma once
// Softmax over the last axis restricted to kept positions, as one loop: attention over padded
// batches needs exact zeros on padding and no NaN for rows that keep nothing.

#include "nn/tensor.h"

namespace huiyan::nn::kernels {

// y = exp(x - max_kept) / Σ_kept exp(x - max_kept) where keep != 0, else 0 (keep broadcasts).
void masked_softmax(const Shape& shape, const float* x, const Shape& keep_shape, const float* keep,
                    float* y);

}  // namespace huiyan::nn::kernels
