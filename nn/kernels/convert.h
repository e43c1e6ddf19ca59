#pragma once
// f32 -> bf16 (the top 16 bits of an f32, rounded to nearest even), for bf16 matrix products.

#include <bit>
#include <cstdint>

namespace huiyan::nn::kernels {

using bf16 = uint16_t;

void to_bf16(const float* in, int64_t n, bf16* out);

// bf16 -> f32 (exact). Inline, so that loops over it vectorize.
inline float from_bf16(bf16 value) {
  return std::bit_cast<float>(static_cast<uint32_t>(value) << 16);
}

}  // namespace huiyan::nn::kernels
