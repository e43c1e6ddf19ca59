#include "nn/kernels/copy.h"

#include <cstring>

#include "nn/dnnl_util.h"
#include "nn/kernels/parallel.h"

namespace huiyan::nn::kernels {

void permute(const Shape& x_shape, const std::vector<int>& order, const float* x, float* out,
             bool accumulate) {
  const int rank = x_shape.rank;
  if (x_shape.numel() == 0) return;
  // Describe x in the output's dim order with x's strides: a reorder to plain layout permutes.
  std::vector<int64_t> x_strides(static_cast<size_t>(rank));
  int64_t stride = 1;
  for (int i = rank - 1; i >= 0; --i) {
    x_strides[static_cast<size_t>(i)] = stride;
    stride *= x_shape[i];
  }
  dnnl::memory::dims out_dims(static_cast<size_t>(rank));
  dnnl::memory::dims src_strides(static_cast<size_t>(rank));
  Shape out_shape;
  out_shape.rank = rank;
  for (int i = 0; i < rank; ++i) {
    out_dims[static_cast<size_t>(i)] = x_shape[order[static_cast<size_t>(i)]];
    src_strides[static_cast<size_t>(i)] =
        x_strides[static_cast<size_t>(order[static_cast<size_t>(i)])];
    out_shape[i] = out_dims[static_cast<size_t>(i)];
  }
  const dnnl::memory::desc src_md(out_dims, dt::f32, src_strides);
  const auto dst_md = md(out_shape);
  PrimitiveKey key;
  key.add(kPermuteOp).add(accumulate);
  add_shape(key, x_shape);
  for (const int axis : order) key.add(axis);
  auto& primitive = Engine::get().primitive(key, [&] {
    const dnnl::primitive_attr attr = accumulate_attr(accumulate);
    auto& engine = Engine::get().engine();
    return dnnl::reorder(dnnl::reorder::primitive_desc(engine, src_md, engine, dst_md, attr));
  });
  run(primitive, {{DNNL_ARG_FROM, mem(src_md, x)}, {DNNL_ARG_TO, mem(dst_md, out)}});
}

void copy_block(int64_t outer, int64_t inner, const float* src, int64_t src_axis,
                int64_t src_offset, float* dst, int64_t dst_axis, int64_t dst_offset, int64_t count,
                bool accumulate) {
  const int64_t run_length = count * inner;
  parallel_rows(outer, run_length, [&](int64_t o) {
    const float* from = src + (o * src_axis + src_offset) * inner;
    float* to = dst + (o * dst_axis + dst_offset) * inner;
    if (accumulate) {
      for (int64_t i = 0; i < run_length; ++i) to[i] += from[i];
    } else {
      std::memcpy(to, from, static_cast<size_t>(run_length) * sizeof(float));
    }
  });
}

}  // namespace huiyan::nn::kernels
