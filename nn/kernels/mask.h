#pragma once
// Dropout with a counter-based mask and filling masked positions, as our own loops.

#include <cstdint>

#include "nn/tensor.h"

namespace huiyan::nn::kernels {

// out = x * keep / (1 - p) where keep = (uniform(key, i) >= p). Backward is the same map on dy.
void dropout(int64_t n, const float* x, float p, uint64_t key, float* out, bool accumulate);

// out = keep != 0 ? x : value, keep broadcast to x's shape.
void mask_fill(const Shape& shape, const float* x, const Shape& keep_shape, const float* keep,
               float value, float* out);
// dx (+)= keep != 0 ? dy : 0.
void mask_fill_backward(const Shape& shape, const float* dy, const Shape& keep_shape,
                        const float* keep, float* dx, bool accumulate);

}  // namespace huiyan::nn::kernels
