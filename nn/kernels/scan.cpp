#include "nn/kernels/scan.h"

#include "nn/kernels/parallel.h"

namespace huiyan::nn::kernels {

HUIYAN_VECTORIZED int64_t first_reaching(const float* x, int64_t begin, int64_t n, float shift,
                                         float base, float bar) {
  // Blocks of sixteen tested at once (an "any" over a fixed count vectorizes; a maximum would
  // not without fast-math), then the one block that passes searched in order.
  constexpr int64_t kBlock = 16;
  int64_t i = begin;
  for (; i + kBlock <= n; i += kBlock) {
    int hits = 0;
    for (int64_t j = 0; j < kBlock; ++j) hits |= base + (x[i + j] - shift) >= bar ? 1 : 0;
    if (hits != 0) break;
  }
  for (; i < n; ++i) {
    if (base + (x[i] - shift) >= bar) return i;
  }
  return n;
}

}  // namespace huiyan::nn::kernels
