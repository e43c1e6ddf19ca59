#pragma once
// Finding the entries of a long row that pass a bar, as beam search scans a vocabulary's
// scores for extensions that can still enter its list. The row is read once for the maxima of
// its runs of kRun entries; the log-sum-exp starts from their largest, a first bar comes from
// them, and the scan skips every run whose maximum does not reach the bar.

#include <cstdint>

namespace huiyan::nn::kernels {

inline constexpr int64_t kRun = 64;

// Runs of kRun entries in a row of n (the last one may be shorter).
inline int64_t run_count(int64_t n) {
  return (n + kRun - 1) / kRun;
}

// maxima[r] = the largest entry of run r of x[0, n), for r < run_count(n) (NaN skipped; -inf
// for a run of NaN). Returns the largest of them: the row's maximum.
float run_maxima(const float* x, int64_t n, float* maxima);

// The k-th largest of maxima[0, runs) (no NaN among them, as run_maxima gives them), or -inf
// when runs < k. Each of the k runs with the largest maxima holds an entry reaching it, so
// entries below it cannot be among the k largest: a top-k scan can start with this bar instead of
// filling its list with the first k entries and raising the bar one insertion at a time.
// `scratch` holds k floats.
float kth_largest(const float* maxima, int64_t runs, int64_t k, float* scratch);

// The first i in [begin, n) with base + (x[i] - shift) >= bar (each step rounded as a float), or
// n; maxima are x's run maxima. With logits x and their log-sum-exp as the shift, x[i] - shift is
// the log-probability.
int64_t first_reaching(const float* x, const float* maxima, int64_t begin, int64_t n, float shift,
                       float base, float bar);

}  // namespace huiyan::nn::kernels
