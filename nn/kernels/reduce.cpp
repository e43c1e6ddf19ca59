#include "nn/kernels/reduce.h"

#include <algorithm>
#include <cmath>

#include "nn/dnnl_util.h"
#include "nn/kernels/parallel.h"

namespace huiyan::nn::kernels {

namespace {
constexpr int64_t kReduceAxisOp = 8;
}

void reduce_axis(Reduction op, int64_t outer, int64_t axis, int64_t inner, const float* x,
                 float* y) {
  if (outer * inner == 0) return;
  if (axis == 0) {
    for (int64_t i = 0; i < outer * inner; ++i) y[i] = op == Reduction::max ? -INFINITY : 0.0f;
    return;
  }
  if (axis == 1) {  // nothing to reduce, and oneDNN refuses such a reduction
    std::copy_n(x, outer * inner, y);
    return;
  }
  const dnnl::memory::desc x_md({outer, axis, inner}, dt::f32, tag::abc);
  const dnnl::memory::desc y_md({outer, 1, inner}, dt::f32, tag::abc);
  PrimitiveKey key;
  key.add(kReduceAxisOp).add(static_cast<int64_t>(op)).add(outer).add(axis).add(inner);
  auto& primitive = Engine::get().primitive(key, [&] {
    const auto algorithm = op == Reduction::sum    ? dnnl::algorithm::reduction_sum
                           : op == Reduction::mean ? dnnl::algorithm::reduction_mean
                                                   : dnnl::algorithm::reduction_max;
    const dnnl::reduction::desc desc(algorithm, x_md, y_md, 0.0f, 0.0f);
    return dnnl::reduction(dnnl::reduction::primitive_desc(desc, Engine::get().engine()));
  });
  run(primitive, {{DNNL_ARG_SRC, mem(x_md, x)}, {DNNL_ARG_DST, mem(y_md, y)}});
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
