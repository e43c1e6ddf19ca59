#include "nn/kernels/mask.h"

#include "nn/kernels/broadcast.h"
#include "nn/kernels/parallel.h"
#include "nn/random.h"

namespace huiyan::nn::kernels {

namespace {

HUIYAN_VECTORIZED void dropout_chunk(int64_t begin, int64_t end, const float* x, float p,
                                     float scale, uint64_t key, float* out, bool accumulate) {
  for (int64_t i = begin; i < end; ++i) {
    const bool keep = unit_float32(counter_random32(key, static_cast<uint32_t>(i))) >= p;
    const float value = keep ? x[i] * scale : 0.0f;
    out[i] = accumulate ? out[i] + value : value;
  }
}

}  // namespace

void dropout(int64_t n, const float* x, float p, uint64_t key, float* out, bool accumulate) {
  const float scale = 1.0f / (1.0f - p);
  parallel_chunks(n, 1 << 14, [&](int64_t begin, int64_t end) {
    dropout_chunk(begin, end, x, p, scale, key, out, accumulate);
  });
}

void mask_fill(const Shape& shape, const float* x, const Shape& keep_shape, const float* keep,
               float value, float* out) {
  const Broadcast b(shape, keep_shape);
  const int64_t cols = b.cols();
  parallel_rows(b.rows(), cols, [&](int64_t row) {
    const float* k = keep + b.b_row_offset(row);
    const int64_t step = b.b_strides[3];
    for (int64_t c = 0; c < cols; ++c) {
      out[row * cols + c] = k[c * step] != 0.0f ? x[row * cols + c] : value;
    }
  });
}

void mask_fill_backward(const Shape& shape, const float* dy, const Shape& keep_shape,
                        const float* keep, float* dx, bool accumulate) {
  const Broadcast b(shape, keep_shape);
  const int64_t cols = b.cols();
  parallel_rows(b.rows(), cols, [&](int64_t row) {
    const float* k = keep + b.b_row_offset(row);
    const int64_t step = b.b_strides[3];
    for (int64_t c = 0; c < cols; ++c) {
      const float d = k[c * step] != 0.0f ? dy[row * cols + c] : 0.0f;
      dx[row * cols + c] = accumulate ? dx[row * cols + c] + d : d;
    }
  });
}

}  // namespace huiyan::nn::kernels
