#pragma once
// Data movement: permuting dims (oneDNN reorder) and copying blocks along one axis (concat, slice).

#include <cstdint>
#include <vector>

#include "nn/tensor.h"

namespace huiyan::nn::kernels {

// out (+)= x with dims permuted: out dim i = x dim order[i].
void permute(const Shape& x_shape, const std::vector<int>& order, const float* x, float* out,
             bool accumulate);

// Data seen as [outer, axis, inner]: copies src[:, 0:count, :] (src has src_axis along the axis)
// into dst[:, offset:offset+count, :] (dst has dst_axis), adding when `accumulate`.
void copy_block(int64_t outer, int64_t inner, const float* src, int64_t src_axis,
                int64_t src_offset, float* dst, int64_t dst_axis, int64_t dst_offset, int64_t count,
                bool accumulate);

}  // namespace huiyan::nn::kernels
