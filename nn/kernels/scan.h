#pragma once
// Finding the entries of a long row that pass a bar, as beam search scans a vocabulary's
// scores for extensions that can still enter its list.

#include <cstdint>

namespace huiyan::nn::kernels {

// The first i in [begin, n) with base + (x[i] - shift) >= bar (each step rounded as a float), or
// n. With logits x and their log-sum-exp as the shift, x[i] - shift is the log-probability.
int64_t first_reaching(const float* x, int64_t begin, int64_t n, float shift, float base,
                       float bar);

}  // namespace huiyan::nn::kernels
