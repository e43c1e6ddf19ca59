#include "nn/kernels/indexing.h"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include "nn/kernels/parallel.h"

namespace huiyan::nn::kernels {

void gather_rows(int64_t vocab, int64_t dim, const float* table, int64_t n, const int32_t* ids,
                 float* out) {
  for (int64_t i = 0; i < n; ++i) {
    if (ids[i] < 0 || ids[i] >= vocab) {
      throw std::out_of_range("id " + std::to_string(ids[i]) + " at position " + std::to_string(i) +
                              " is outside the vocabulary of " + std::to_string(vocab));
    }
  }
  parallel_rows(n, dim, [&](int64_t i) {
    std::memcpy(out + i * dim, table + static_cast<int64_t>(ids[i]) * dim,
                static_cast<size_t>(dim) * sizeof(float));
  });
}

void scatter_add_rows(int64_t dim, const float* dout, int64_t n, const int32_t* ids,
                      int32_t padding_id, float* dtable) {
  constexpr int64_t kBand = 64;  // four cache lines of floats per thread and row
  const int64_t bands = (dim + kBand - 1) / kBand;
#pragma omp parallel for schedule(static) if (n * dim > 65536)
  for (int64_t band = 0; band < bands; ++band) {
    const int64_t begin = band * kBand;
    const int64_t end = std::min(dim, begin + kBand);
    for (int64_t i = 0; i < n; ++i) {
      if (ids[i] == padding_id) continue;
      const float* from = dout + i * dim;
      float* to = dtable + static_cast<int64_t>(ids[i]) * dim;
      for (int64_t c = begin; c < end; ++c) to[c] += from[c];
    }
  }
}

void argmax_rows(int64_t rows, int64_t cols, const float* x, int32_t* out) {
  parallel_rows(rows, cols, [&](int64_t row) {
    const float* values = x + row * cols;
    out[row] = static_cast<int32_t>(std::max_element(values, values + cols) - values);
  });
}

void top_k_rows(int64_t rows, int64_t cols, int64_t k, const float* x, float* values,
                int32_t* indices) {
  k = std::min(k, cols);
  parallel_rows(rows, cols, [&](int64_t row) {
    const float* in = x + row * cols;
    std::vector<int32_t> order(static_cast<size_t>(cols));
    std::iota(order.begin(), order.end(), 0);
    std::partial_sort(order.begin(), order.begin() + k, order.end(), [&](int32_t a, int32_t b) {
      return in[a] > in[b] || (in[a] == in[b] && a < b);
    });
    for (int64_t j = 0; j < k; ++j) {
      indices[row * k + j] = order[static_cast<size_t>(j)];
      values[row * k + j] = in[order[static_cast<size_t>(j)]];
    }
  });
}

}  // namespace huiyan::nn::kernels
