#include "nn/kernels/scan.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <vector>

#include "nn/kernels/parallel.h"

namespace huiyan::nn::kernels {

namespace {

using Lanes = float __attribute__((vector_size(64)));
constexpr int64_t kLanes = 16;
constexpr int64_t kBlock = 4 * kLanes;

// The largest of `vectors` vectors of sixteen from x on, NaN skipped (-inf if all are NaN).
[[gnu::always_inline]] inline float max_of(const float* x, int64_t vectors) {
  Lanes max;
  for (int64_t l = 0; l < kLanes; ++l) max[l] = -INFINITY;
  for (int64_t v = 0; v < vectors; ++v) {
    Lanes values;
    std::memcpy(&values, x + v * kLanes, sizeof values);
    max = max < values ? values : max;
  }
  float largest = -INFINITY;
  for (int64_t l = 0; l < kLanes; ++l) largest = largest < max[l] ? max[l] : largest;
  return largest;
}

}  // namespace

HUIYAN_VECTORIZED int64_t first_reaching(const float* x, int64_t begin, int64_t n, float shift,
                                         float base, float bar) {
  // base + (v - shift), rounded step by step, never decreases as v grows: a run of entries has
  // one that reaches the bar exactly when its largest does (a NaN reaches nothing and is skipped
  // by the maximum). Runs of sixty-four are skipped on their maxima (comparing lane by lane and
  // or-ing the results stayed scalar code), then the sixteen holding the first hit are found the
  // same way and searched in order.
  const auto reaches = [&](float v) { return base + (v - shift) >= bar; };
  int64_t i = begin;
  while (i + kBlock <= n && !reaches(max_of(x + i, 4))) i += kBlock;
  while (i + kLanes <= n && !reaches(max_of(x + i, 1))) i += kLanes;
  for (; i < n; ++i) {
    if (reaches(x[i])) return i;
  }
  return n;
}

HUIYAN_VECTORIZED float kth_run_maximum(const float* x, int64_t n, int64_t k) {
  const int64_t runs = n / kBlock;
  if (k < 1 || runs < k) return -INFINITY;
  std::vector<float> maxima(static_cast<size_t>(runs));
  for (int64_t r = 0; r < runs; ++r) maxima[static_cast<size_t>(r)] = max_of(x + r * kBlock, 4);
  // The k-th largest: every run at or above it has its maximum there.
  std::nth_element(maxima.begin(), maxima.begin() + (k - 1), maxima.end(), std::greater<>());
  return maxima[static_cast<size_t>(k - 1)];
}

}  // namespace huiyan::nn::kernels
