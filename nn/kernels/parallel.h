#pragma once
// How our own loops use the cores and the vector units: a parallel loop over chunks, each chunk
// handled by a function compiled for AVX-512, AVX2 and plain x86-64 (the right one is picked when
// the program starts), since the build itself targets no particular CPU.

#include <algorithm>
#include <cstdint>

// The AVX-512 clone is x86-64-v4 (F, BW, DQ, VL), not F alone: without BW, GCC keeps loops over
// 16-bit values (bf16) to 256-bit registers.
#define HUIYAN_VECTORIZED \
  __attribute__((target_clones("arch=x86-64-v4", "avx2", "default")))

namespace huiyan::nn::kernels {

// Calls body(begin, end) on chunks of [0, n); in parallel when n is large enough to pay for it.
template <typename Body>
void parallel_chunks(int64_t n, int64_t grain, Body body) {
  if (n <= grain) {
    if (n > 0) body(int64_t{0}, n);
    return;
  }
  const int64_t chunks = (n + grain - 1) / grain;
#pragma omp parallel for schedule(static)
  for (int64_t chunk = 0; chunk < chunks; ++chunk) {
    body(chunk * grain, std::min(n, (chunk + 1) * grain));
  }
}

// Rows of a [rows, cols] matrix, in parallel when the matrix is large.
template <typename Body>
void parallel_rows(int64_t rows, int64_t cols, Body body) {
  const int64_t grain = std::max<int64_t>(1, 16384 / std::max<int64_t>(cols, 1));
  parallel_chunks(rows, grain, [&](int64_t begin, int64_t end) {
    for (int64_t row = begin; row < end; ++row) body(row);
  });
}

}  // namespace huiyan::nn::kernels
