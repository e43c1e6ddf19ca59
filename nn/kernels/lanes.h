#pragma once
// Sums and maxima over a row in sixteen running lanes, combined at the end. Compilers keep a
// plain `s += x[i]` scalar (vectorizing it would reorder float additions); sixteen independent
// lanes vectorize as they are. Inline, so each caller's vector target applies.

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace huiyan::nn::kernels {

inline constexpr int64_t kLanes = 16;

// Σ_{i<n} term(i).
template <typename Term>
inline float lane_sum(int64_t n, Term term) {
  const int64_t whole = n / kLanes * kLanes;
  float lanes[kLanes] = {};
  for (int64_t i = 0; i < whole; i += kLanes) {
    for (int64_t l = 0; l < kLanes; ++l) lanes[l] += term(i + l);
  }
  // Pairwise: four dependent vector additions, not sixteen scalar ones in a chain (that chain
  // dominated short sums such as a 64-wide attention dot product).
  for (int64_t width = kLanes / 2; width > 0; width /= 2) {
    for (int64_t l = 0; l < width; ++l) lanes[l] += lanes[l + width];
  }
  float sum = lanes[0];
  for (int64_t i = whole; i < n; ++i) sum += term(i);
  return sum;
}

// max_{i<n} term(i) (-inf for n = 0). The lanes are one vector: as an array of sixteen floats
// (as in lane_sum) GCC 12 kept the maxima scalar.
template <typename Term>
inline float lane_max(int64_t n, Term term) {
  using Lanes = float __attribute__((vector_size(kLanes * sizeof(float))));
  const int64_t whole = n / kLanes * kLanes;
  Lanes lanes;
  for (int64_t l = 0; l < kLanes; ++l) lanes[l] = -INFINITY;
  for (int64_t i = 0; i < whole; i += kLanes) {
    Lanes x;
    for (int64_t l = 0; l < kLanes; ++l) x[l] = term(i + l);
    lanes = lanes < x ? x : lanes;  // std::max's choice, NaN included
  }
  float max = -INFINITY;
  for (int64_t l = 0; l < kLanes; ++l) max = std::max(max, lanes[l]);
  for (int64_t i = whole; i < n; ++i) max = std::max(max, term(i));
  return max;
}

// max_{i<n} x[i] (-inf for n = 0).
inline float lane_max(int64_t n, const float* x) {
  return lane_max(n, [&](int64_t i) { return x[i]; });
}

}  // namespace huiyan::nn::kernels
