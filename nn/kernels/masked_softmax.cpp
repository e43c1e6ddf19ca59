#include "nn/kernels/masked_softmax.h"

#include <cmath>

#include "nn/kernels/broadcast.h"
#include "nn/kernels/fast_exp.h"
#include "nn/kernels/parallel.h"

namespace huiyan::nn::kernels {

void masked_softmax(const Shape& shape, const float* x, const Shape& keep_shape, const float* keep,
                    float* y) {
  const Broadcast walk(shape, keep_shape);
  const int64_t cols = walk.cols();
  const int64_t step = walk.b_strides[3];
  parallel_rows(walk.rows(), cols, [&](int64_t row) {
    const float* in = x + row * cols;
    const float* k = keep + walk.b_row_offset(row);
    float* out = y + row * cols;
    float max = -INFINITY;
    for (int64_t c = 0; c < cols; ++c) {
      if (k[c * step] != 0.0f) max = std::max(max, in[c]);
    }
    if (max == -INFINITY) {  // nothing kept
      std::fill_n(out, cols, 0.0f);
      return;
    }
    float sum = 0;
    for (int64_t c = 0; c < cols; ++c) {
      out[c] = k[c * step] != 0.0f ? exp_fast(in[c] - max) : 0.0f;
      sum += out[c];
    }
    const float inverse = 1.0f / sum;
    for (int64_t c = 0; c < cols; ++c) out[c] *= inverse;
  });
}

}  // namespace huiyan::nn::kernels
