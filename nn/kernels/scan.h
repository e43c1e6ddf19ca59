#pragma once
// Finding the entries of a long row that pass a bar, as beam search scans a vocabulary's
// scores for extensions that can still enter its list.

#include <cstdint>

namespace huiyan::nn::kernels {

// The first i in [begin, n) with base + (x[i] - shift) >= bar (each step rounded as a float), or
// n. With logits x and their log-sum-exp as the shift, x[i] - shift is the log-probability.
int64_t first_reaching(const float* x, int64_t begin, int64_t n, float shift, float base,
                       float bar);

// A value that at least k entries of x[0, n) reach (are >= to): the k-th largest of the maxima of
// its runs of 64 entries (each of the k runs with the largest maxima holds one), or -inf when x
// has fewer than k runs. Entries below it cannot be among the k largest, so a top-k scan can
// start with this bar instead of filling its list with the first k entries and raising the bar
// one insertion at a time.
float kth_run_maximum(const float* x, int64_t n, int64_t k);

}  // namespace huiyan::nn::kernels
