#include "nn/kernels/scan.h"

#include <algorithm>
#include <cmath>
#include <functional>

#include "nn/kernels/lanes.h"
#include "nn/kernels/parallel.h"

namespace huiyan::nn::kernels {

HUIYAN_VECTORIZED float run_maxima(const float* x, int64_t n, float* maxima) {
  float max = -INFINITY;
  for (int64_t r = 0; r < run_count(n); ++r) {
    const float m = lane_max(std::min(kRun, n - r * kRun), x + r * kRun);
    maxima[r] = m;
    max = std::max(max, m);
  }
  return max;
}

float kth_largest(const float* maxima, int64_t runs, int64_t k, float* scratch) {
  if (k < 1 || runs < k) return -INFINITY;
  // The k largest so far, largest first. Most maxima fall below the last one and cost one
  // comparison (std::nth_element over a copy took four times as long for k = 10 of 125).
  std::copy_n(maxima, k, scratch);
  std::sort(scratch, scratch + k, std::greater<>());
  for (int64_t r = k; r < runs; ++r) {
    const float m = maxima[r];
    if (!(m > scratch[k - 1])) continue;
    int64_t at = k - 1;
    for (; at > 0 && m > scratch[at - 1]; --at) scratch[at] = scratch[at - 1];
    scratch[at] = m;
  }
  return scratch[k - 1];
}

HUIYAN_VECTORIZED int64_t first_reaching(const float* x, const float* maxima, int64_t begin,
                                         int64_t n, float shift, float base, float bar) {
  // base + (v - shift), rounded step by step, never decreases as v grows: a run of entries has
  // one that reaches the bar exactly when its largest does (a NaN reaches nothing and lane_max
  // skips it). Runs are skipped on their maxima; in a run that reaches the bar, the sixteen
  // holding the first hit are found the same way and searched in order.
  const auto reaches = [&](float v) { return base + (v - shift) >= bar; };
  int64_t i = begin;
  while (i < n) {
    const int64_t run_end = std::min(n, (i / kRun + 1) * kRun);
    if (reaches(maxima[i / kRun])) {
      while (i + kLanes <= run_end && !reaches(lane_max(kLanes, x + i))) i += kLanes;
      for (; i < run_end; ++i) {
        if (reaches(x[i])) return i;
      }
    }
    i = run_end;
  }
  return n;
}

}  // namespace huiyan::nn::kernels
