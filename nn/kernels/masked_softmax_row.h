#pragma once
// Softmax over one row restricted to kept positions, shared by the attention paths (the full
// one over [.., Tq, Tk] scores and the cached one of decoding), so that both treat masks and NaN
// alike. Inline, so that each caller's vector target applies.

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "nn/kernels/fast_exp.h"
#include "nn/kernels/lanes.h"

namespace huiyan::nn::kernels {

// out[c] = exp(in[c] - max_kept) / Σ_kept exp(in[c] - max_kept) where kept(c), else exactly 0
// (in == out is allowed). A row that keeps nothing, or only NaN or -inf scores, comes out all
// zeros and the result is false; a NaN among finite kept scores makes every weight NaN. kept(c)
// must be safe to call for every c: a mask pointer that may be null must be tested outside the
// loop (GCC turns `p == nullptr || p[c]` into masked vector loads from the null pointer, a slow
// microcode assist each on AMD CPUs).
template <typename Kept>
inline bool masked_softmax_row(int64_t cols, const float* in, Kept kept, float* out) {
  const float max = lane_max(cols, [&](int64_t c) { return kept(c) ? in[c] : -INFINITY; });
  if (max == -INFINITY) {
    std::fill_n(out, cols, 0.0f);
    return false;
  }
  for (int64_t c = 0; c < cols; ++c) out[c] = kept(c) ? exp_below_88(in[c] - max) : 0.0f;
  const float inverse = 1.0f / lane_sum(cols, [&](int64_t c) { return out[c]; });
  for (int64_t c = 0; c < cols; ++c) out[c] *= inverse;
  return true;
}

}  // namespace huiyan::nn::kernels
