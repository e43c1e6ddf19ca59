#include "nn/kernels/scan.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <vector>

#include "nn/kernels/lanes.h"
#include "nn/kernels/parallel.h"

namespace huiyan::nn::kernels {

namespace {

constexpr int64_t kRun = 4 * kLanes;

}  // namespace

HUIYAN_VECTORIZED int64_t first_reaching(const float* x, int64_t begin, int64_t n, float shift,
                                         float base, float bar) {
  // base + (v - shift), rounded step by step, never decreases as v grows: a run of entries has
  // one that reaches the bar exactly when its largest does (a NaN reaches nothing and lane_max
  // skips it). Runs of sixty-four are skipped on their maxima (comparing lane by lane and
  // or-ing the results stayed scalar code), then the sixteen holding the first hit are found the
  // same way and searched in order.
  const auto reaches = [&](float v) { return base + (v - shift) >= bar; };
  int64_t i = begin;
  while (i + kRun <= n && !reaches(lane_max(kRun, x + i))) i += kRun;
  while (i + kLanes <= n && !reaches(lane_max(kLanes, x + i))) i += kLanes;
  for (; i < n; ++i) {
    if (reaches(x[i])) return i;
  }
  return n;
}

HUIYAN_VECTORIZED float kth_run_maximum(const float* x, int64_t n, int64_t k) {
  const int64_t runs = n / kRun;
  if (k < 1 || runs < k) return -INFINITY;
  std::vector<float> maxima(static_cast<size_t>(runs));
  for (int64_t r = 0; r < runs; ++r) maxima[static_cast<size_t>(r)] = lane_max(kRun, x + r * kRun);
  // The k-th largest: every run at or above it has its maximum there.
  std::nth_element(maxima.begin(), maxima.begin() + (k - 1), maxima.end(), std::greater<>());
  return maxima[static_cast<size_t>(k - 1)];
}

}  // namespace huiyan::nn::kernels
