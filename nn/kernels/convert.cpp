#include "nn/kernels/convert.h"

#include <cstring>

#include "nn/kernels/parallel.h"

namespace huiyan::nn::kernels {

namespace {

HUIYAN_VECTORIZED void to_bf16_chunk(const float* in, int64_t n, bf16* out) {
  for (int64_t i = 0; i < n; ++i) {
    uint32_t bits;
    std::memcpy(&bits, in + i, sizeof bits);
    const bool nan = (bits & 0x7FFFFFFFu) > 0x7F800000u;
    // Round to nearest even: add half an ulp of bf16, plus one when the kept part is odd.
    const uint32_t rounded = bits + 0x7FFFu + ((bits >> 16) & 1u);
    out[i] = static_cast<bf16>(nan ? (bits >> 16) | 0x40u : rounded >> 16);
  }
}

}  // namespace

void to_bf16(const float* in, int64_t n, bf16* out) {
  parallel_chunks(n, 1 << 16, [&](int64_t begin, int64_t end) {
    to_bf16_chunk(in + begin, end - begin, out + begin);
  });
}

}  // namespace huiyan::nn::kernels
