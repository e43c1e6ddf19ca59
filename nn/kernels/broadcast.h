#pragma once
// Walks a tensor of shape `a` row by row (rows of its last dim) alongside a tensor of shape `b`
// broadcast to it, for our own elementwise loops.

#include <cstdint>

#include "nn/kernels/elementwise.h"

namespace huiyan::nn::kernels {

struct Broadcast {
  int64_t dims[4];       // a, padded to 4 dims
  int64_t b_strides[4];  // b's strides over them; 0 where b is 1

  Broadcast(const Shape& a, const Shape& b) {
    const Shape a4 = pad_rank(a, 4);
    const Shape b4 = pad_rank(b, 4);
    int64_t stride = 1;
    for (int i = 3; i >= 0; --i) {
      dims[i] = a4[i];
      b_strides[i] = b4[i] == 1 ? 0 : stride;
      stride *= b4[i];
    }
  }
  int64_t rows() const { return dims[0] * dims[1] * dims[2]; }
  int64_t cols() const { return dims[3]; }
  // Offset in b of the first element of a's row `row`; b's elements then step by b_strides[3].
  int64_t b_row_offset(int64_t row) const {
    const int64_t i2 = row % dims[2];
    const int64_t i1 = (row / dims[2]) % dims[1];
    const int64_t i0 = row / (dims[2] * dims[1]);
    return i0 * b_strides[0] + i1 * b_strides[1] + i2 * b_strides[2];
  }
};

}  // namespace huiyan::nn::kernels
