#include "nn/kernels/reduce.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "nn/kernels/parallel.h"

namespace huiyan::nn::kernels {

namespace {

constexpr int64_t kBlock = 4096;  // elements summed per block; blocks combine in order

// Σ x[0..n) in blocks of kBlock, the block sums added in double in block order.
double blocked_sum(int64_t n, const float* x) {
  const int64_t blocks = (n + kBlock - 1) / kBlock;
  if (blocks <= 1) {
    float sum = 0;
    for (int64_t i = 0; i < n; ++i) sum += x[i];
    return sum;
  }
  std::vector<double> partial(static_cast<size_t>(blocks));
  parallel_chunks(blocks, std::max<int64_t>(1, 16), [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; ++b) {
      const int64_t stop = std::min(n, (b + 1) * kBlock);
      float sum = 0;
      for (int64_t i = b * kBlock; i < stop; ++i) sum += x[i];
      partial[static_cast<size_t>(b)] = sum;
    }
  });
  double total = 0;
  for (const double p : partial) total += p;
  return total;
}

HUIYAN_VECTORIZED void add_row(int64_t n, const float* src, float* dst) {
  for (int64_t i = 0; i < n; ++i) dst[i] += src[i];
}

HUIYAN_VECTORIZED void max_row(int64_t n, const float* src, float* dst) {
  for (int64_t i = 0; i < n; ++i) dst[i] = std::max(dst[i], src[i]);
}

}  // namespace

void reduce_axis(Reduction op, int64_t outer, int64_t axis, int64_t inner, const float* x, float* y,
                 bool accumulate) {
  const float scale = op == Reduction::mean && axis > 0 ? 1.0f / static_cast<float>(axis) : 1.0f;
  const auto store = [&](float* target, float value) {
    *target = accumulate ? *target + value : value;
  };
  if (inner == 1) {  // contiguous rows
    if (outer == 1 && op != Reduction::max) {
      store(y, static_cast<float>(blocked_sum(axis, x) * scale));
      return;
    }
    parallel_rows(outer, axis, [&](int64_t o) {
      const float* row = x + o * axis;
      if (op == Reduction::max) {
        float m = -INFINITY;
        for (int64_t a = 0; a < axis; ++a) m = std::max(m, row[a]);
        store(y + o, m);
      } else {
        store(y + o, static_cast<float>(blocked_sum(axis, row) * scale));
      }
    });
    return;
  }
  // Rows of `inner` values added one after the other, in parallel over outer and column bands.
  constexpr int64_t kBand = 1024;
  const int64_t bands = (inner + kBand - 1) / kBand;
  parallel_chunks(outer * bands, 1 + 65536 / std::max<int64_t>(1, axis * std::min(inner, kBand)),
                  [&](int64_t begin, int64_t end) {
                    std::vector<float> acc(static_cast<size_t>(std::min(inner, kBand)));
                    for (int64_t job = begin; job < end; ++job) {
                      const int64_t o = job / bands;
                      const int64_t c0 = (job % bands) * kBand;
                      const int64_t width = std::min(kBand, inner - c0);
                      std::fill_n(acc.begin(), width, op == Reduction::max ? -INFINITY : 0.0f);
                      for (int64_t a = 0; a < axis; ++a) {
                        const float* src = x + (o * axis + a) * inner + c0;
                        if (op == Reduction::max) {
                          max_row(width, src, acc.data());
                        } else {
                          add_row(width, src, acc.data());
                        }
                      }
                      for (int64_t c = 0; c < width; ++c)
                        store(y + o * inner + c0 + c, acc[static_cast<size_t>(c)] * scale);
                    }
                  });
}

void reduce_axis_backward(Reduction op, int64_t outer, int64_t axis, int64_t inner, const float* x,
                          const float* y, const float* dy, float* dx, bool accumulate) {
  const float scale = op == Reduction::mean && axis > 0 ? 1.0f / static_cast<float>(axis) : 1.0f;
  parallel_rows(outer, axis * inner, [&](int64_t o) {
    const float* dy_row = dy + o * inner;
    float* dx_block = dx + o * axis * inner;
    if (op != Reduction::max) {
      for (int64_t a = 0; a < axis; ++a) {
        float* dx_row = dx_block + a * inner;
        for (int64_t i = 0; i < inner; ++i) {
          const float d = dy_row[i] * scale;
          dx_row[i] = accumulate ? dx_row[i] + d : d;
        }
      }
      return;
    }
    const float* x_block = x + o * axis * inner;
    const float* y_row = y + o * inner;
    for (int64_t i = 0; i < inner; ++i) {
      bool taken = false;
      for (int64_t a = 0; a < axis; ++a) {
        const bool winner = !taken && x_block[a * inner + i] == y_row[i];
        taken = taken || winner;
        const float d = winner ? dy_row[i] : 0.0f;
        float& target = dx_block[a * inner + i];
        target = accumulate ? target + d : d;
      }
    }
  });
}

}  // namespace huiyan::nn::kernels
