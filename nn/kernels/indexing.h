#pragma once
// Row lookups (embedding gather and its scatter-add) and row maxima, as our own OpenMP loops.

#include <cstdint>

namespace huiyan::nn::kernels {

// out[i, :] = table[ids[i], :]. Throws std::out_of_range for an id outside [0, vocab).
void gather_rows(int64_t vocab, int64_t dim, const float* table, int64_t n, const int32_t* ids,
                 float* out);

// dtable[ids[i], :] += dout[i, :] for every i whose id is not padding_id. Deterministic: each
// thread owns a band of columns, so no two threads touch the same element.
void scatter_add_rows(int64_t dim, const float* dout, int64_t n, const int32_t* ids,
                      int32_t padding_id, float* dtable);

// The first index of each row's maximum.
void argmax_rows(int64_t rows, int64_t cols, const float* x, int32_t* out);

// The k largest values of each row, largest first (ties: lower index first).
void top_k_rows(int64_t rows, int64_t cols, int64_t k, const float* x, float* values,
                int32_t* indices);

}  // namespace huiyan::nn::kernels
