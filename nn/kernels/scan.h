#pragma once
// Finding the entries of a long row that pass a bar, as beam search scans a vocabulary's
// log-probabilities for extensions that can still enter its list.

#include <cstdint>

namespace huiyan::nn::kernels {

// The first i in [begin, n) with base + x[i] >= bar (the sum rounded as a float), or n.
int64_t first_reaching(const float* x, int64_t begin, int64_t n, float base, float bar);

}  // namespace huiyan::nn::kernels
