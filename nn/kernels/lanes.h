#pragma once
// Sums and maxima over a row in sixteen running lanes, combined at the end. Compilers keep a
// plain `s += x[i]` scalar (vectorizing it would reorder float additions); sixteen independent
// lanes vectorize as they are. Inline, so each caller's vector target applies.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace huiyan::nn::kernels {

inline constexpr int64_t kLanes = 16;

// Sixteen lanes as one vector, and its halves for the pairwise combination.
using Lanes = float __attribute__((vector_size(kLanes * sizeof(float))));
using HalfLanes = float __attribute__((vector_size(kLanes / 2 * sizeof(float))));
using QuarterLanes = float __attribute__((vector_size(kLanes / 4 * sizeof(float))));

// Σ_{i<n} term(i).
template <typename Term>
inline float lane_sum(int64_t n, Term term) {
  const int64_t whole = n / kLanes * kLanes;
  Lanes lanes = {};
  for (int64_t i = 0; i < whole; i += kLanes) {
    Lanes x;
    for (int64_t l = 0; l < kLanes; ++l) x[l] = term(i + l);
    lanes += x;
  }
  // Pairwise, lane l with lane l + width: a few vector additions, not sixteen scalar ones in a
  // chain (that chain dominated short sums such as a 64-wide attention dot product). Halves are
  // taken by copies, which compile to register extracts (an array of lanes went through memory).
  HalfLanes low, high;
  std::memcpy(&low, &lanes, sizeof low);
  std::memcpy(&high, reinterpret_cast<const char*>(&lanes) + sizeof low, sizeof high);
  const HalfLanes eight = low + high;
  QuarterLanes quarter_low, quarter_high;
  std::memcpy(&quarter_low, &eight, sizeof quarter_low);
  std::memcpy(&quarter_high, reinterpret_cast<const char*>(&eight) + sizeof quarter_low,
              sizeof quarter_high);
  const QuarterLanes four = quarter_low + quarter_high;
  float sum = (four[0] + four[2]) + (four[1] + four[3]);
  for (int64_t i = whole; i < n; ++i) sum += term(i);
  return sum;
}

// max_{i<n} term(i) (-inf for n = 0). The lanes are one vector: as an array of sixteen floats
// (as in lane_sum) GCC 12 kept the maxima scalar.
template <typename Term>
inline float lane_max(int64_t n, Term term) {
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
