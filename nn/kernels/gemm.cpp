#include "nn/kernels/gemm.h"

#include <algorithm>
#include <stdexcept>

#include "nn/dnnl_util.h"

namespace huiyan::nn::kernels {

namespace {

constexpr int64_t kGemmOp = 1;

// [batch, rows, cols] stored row-major, or stored as [batch, cols, rows] when transposed;
// consecutive matrices `batch_stride` apart (0: packed).
dnnl::memory::desc matrix_md(int64_t batch, int64_t rows, int64_t cols, bool transposed,
                             int64_t batch_stride = 0) {
  const dnnl::memory::dims dims = {batch, rows, cols};
  const int64_t stride = batch_stride > 0 ? batch_stride : rows * cols;
  const dnnl::memory::dims strides =
      transposed ? dnnl::memory::dims{stride, 1, rows} : dnnl::memory::dims{stride, cols, 1};
  return dnnl::memory::desc(dims, dt::f32, strides);
}

}  // namespace

void gemm(const GemmShape& s, const float* a, const float* b, float* c, bool accumulate,
          const float* bias) {
  if (s.m == 0 || s.n == 0) return;
  const int64_t batch = std::max(s.batch_a, s.batch_b);
  if ((s.batch_a != 1 && s.batch_a != batch) || (s.batch_b != 1 && s.batch_b != batch)) {
    throw std::logic_error("gemm: batch sizes do not broadcast");
  }
  if (s.k == 0) {
    // An empty sum: C = bias or 0 (or C unchanged when accumulating).
    if (accumulate) return;
    for (int64_t row = 0; row < batch * s.m; ++row) {
      for (int64_t col = 0; col < s.n; ++col) c[row * s.n + col] = bias ? bias[col] : 0.0f;
    }
    return;
  }
  const auto a_md = matrix_md(s.batch_a, s.m, s.k, s.transpose_a, s.a_batch_stride);
  const auto b_md = matrix_md(s.batch_b, s.k, s.n, s.transpose_b, s.b_batch_stride);
  const auto c_md = matrix_md(batch, s.m, s.n, false);
  const auto bias_md = dnnl::memory::desc({1, 1, s.n}, dt::f32, tag::abc);

  PrimitiveKey key;
  key.add(kGemmOp)
      .add(s.batch_a)
      .add(s.batch_b)
      .add(s.m)
      .add(s.n)
      .add(s.k)
      .add(s.transpose_a)
      .add(s.transpose_b)
      .add(accumulate)
      .add(bias != nullptr)
      .add(s.a_batch_stride)
      .add(s.b_batch_stride);
  auto& primitive = Engine::get().primitive(key, [&] {
    const dnnl::primitive_attr attr = accumulate_attr(accumulate);
    const auto desc =
        bias ? dnnl::matmul::desc(a_md, b_md, bias_md, c_md) : dnnl::matmul::desc(a_md, b_md, c_md);
    return dnnl::matmul(dnnl::matmul::primitive_desc(desc, attr, Engine::get().engine()));
  });
  std::unordered_map<int, dnnl::memory> args = {
      {DNNL_ARG_SRC, mem(a_md, a)}, {DNNL_ARG_WEIGHTS, mem(b_md, b)}, {DNNL_ARG_DST, mem(c_md, c)}};
  if (bias) args.emplace(DNNL_ARG_BIAS, mem(bias_md, bias));
  run(primitive, args);
}

}  // namespace huiyan::nn::kernels
