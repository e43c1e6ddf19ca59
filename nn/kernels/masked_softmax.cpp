#include "nn/kernels/masked_softmax.h"

#include "nn/kernels/broadcast.h"
#include "nn/kernels/masked_softmax_row.h"
#include "nn/kernels/parallel.h"

namespace huiyan::nn::kernels {

namespace {

// A contiguous mask row (the usual case): this loop vectorizes.
HUIYAN_VECTORIZED void contiguous_row(int64_t cols, const float* in, const float* keep,
                                      float* out) {
  masked_softmax_row(
      cols, in, [&](int64_t c) { return keep[c] != 0.0f; }, out);
}

HUIYAN_VECTORIZED void strided_row(int64_t cols, const float* in, const float* keep, int64_t step,
                                   float* out) {
  masked_softmax_row(
      cols, in, [&](int64_t c) { return keep[c * step] != 0.0f; }, out);
}

}  // namespace

void masked_softmax(const Shape& shape, const float* x, const Shape& keep_shape, const float* keep,
                    float* y) {
  const Broadcast walk(shape, keep_shape);
  const int64_t cols = walk.cols();
  const int64_t step = walk.b_strides[3];
  parallel_rows(walk.rows(), cols, [&](int64_t row) {
    const float* k = keep + walk.b_row_offset(row);
    if (step == 1) {
      contiguous_row(cols, x + row * cols, k, y + row * cols);
    } else {
      strided_row(cols, x + row * cols, k, step, y + row * cols);
    }
  });
}

}  // namespace huiyan::nn::kernels
