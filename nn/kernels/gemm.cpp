#include "nn/kernels/gemm.h"

#include <algorithm>
#include <stdexcept>

#include "nn/dnnl_util.h"
#include "nn/kernels/convert.h"

namespace huiyan::nn::kernels {

namespace {

constexpr int64_t kGemmOp = 1;
constexpr int64_t kPackedGemmOp = 2;

// [batch, rows, cols] stored row-major, or stored as [batch, cols, rows] when transposed;
// consecutive matrices `batch_stride` apart (0: packed).
dnnl::memory::desc matrix_md(int64_t batch, int64_t rows, int64_t cols, bool transposed,
                             int64_t batch_stride = 0, dt type = dt::f32) {
  const dnnl::memory::dims dims = {batch, rows, cols};
  const int64_t stride = batch_stride > 0 ? batch_stride : rows * cols;
  const dnnl::memory::dims strides =
      transposed ? dnnl::memory::dims{stride, 1, rows} : dnnl::memory::dims{stride, cols, 1};
  return dnnl::memory::desc(dims, type, strides);
}

// `batch` matrices of `size` values, `stride` apart (0: packed), rounded to bf16 and packed.
const bf16* packed_bf16(const float* x, int64_t batch, int64_t size, int64_t stride, int slot) {
  auto* out = static_cast<bf16*>(
      Engine::get().scratch(slot, static_cast<size_t>(batch * size) * sizeof(bf16)));
  if (stride == 0 || stride == size) {
    to_bf16(x, batch * size, out);
  } else {
    for (int64_t i = 0; i < batch; ++i) to_bf16(x + i * stride, size, out + i * size);
  }
  return out;
}

// C (+)= A·B on oneDNN's matmul: A and B of `type` (f32 or bf16) in the layouts their batch
// strides give (0: packed), C and the bias f32.
void run_matmul(const GemmShape& s, dt type, const void* a, int64_t a_stride, const void* b,
                int64_t b_stride, float* c, bool accumulate, const float* bias) {
  const int64_t batch = std::max(s.batch_a, s.batch_b);
  const auto a_md = matrix_md(s.batch_a, s.m, s.k, s.transpose_a, a_stride, type);
  const auto b_md = matrix_md(s.batch_b, s.k, s.n, s.transpose_b, b_stride, type);
  const auto c_md = matrix_md(batch, s.m, s.n, false);
  const auto bias_md = dnnl::memory::desc({1, 1, s.n}, dt::f32, tag::abc);

  PrimitiveKey key;
  key.add(kGemmOp)
      .add(static_cast<int64_t>(type))
      .add(s.batch_a)
      .add(s.batch_b)
      .add(s.m)
      .add(s.n)
      .add(s.k)
      .add(s.transpose_a)
      .add(s.transpose_b)
      .add(accumulate)
      .add(bias != nullptr)
      .add(a_stride)
      .add(b_stride);
  auto& primitive = Engine::get().primitive(key, [&] {
    const dnnl::primitive_attr attr = accumulate_attr(accumulate);
    const auto desc =
        bias ? dnnl::matmul::desc(a_md, b_md, bias_md, c_md) : dnnl::matmul::desc(a_md, b_md, c_md);
    return dnnl::matmul(dnnl::matmul::primitive_desc(desc, attr, Engine::get().engine()));
  });
  const auto memory = [](const dnnl::memory::desc& desc, const void* data) {
    return dnnl::memory(desc, Engine::get().engine(), const_cast<void*>(data));
  };
  std::unordered_map<int, dnnl::memory> args = {{DNNL_ARG_SRC, memory(a_md, a)},
                                                {DNNL_ARG_WEIGHTS, memory(b_md, b)},
                                                {DNNL_ARG_DST, memory(c_md, c)}};
  if (bias) args.emplace(DNNL_ARG_BIAS, memory(bias_md, bias));
  run(primitive, args);
}

}  // namespace

bool bf16_gemm(const GemmShape& s) {
  // Measured on AMX: bf16 wins 4-7x from K = 64 with 64 rows up; a short or ragged K (50, say)
  // runs slower than f32, and tiny products lose more to the rounding pass than they gain.
  return Engine::get().precision() == Precision::bf16 && s.k >= 64 && s.k % 16 == 0 &&
         s.m * s.n >= 4096;
}

void gemm(const GemmShape& s, const float* a, const float* b, float* c, bool accumulate,
          const float* bias, RoundedOperands rounded) {
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
  if (!bf16_gemm(s)) {
    run_matmul(s, dt::f32, a, s.a_batch_stride, b, s.b_batch_stride, c, accumulate, bias);
    return;
  }
  // bf16 copies of A and B (packed, unless given already rounded in their own layout).
  const bf16* a16 =
      rounded.a != nullptr ? rounded.a : packed_bf16(a, s.batch_a, s.m * s.k, s.a_batch_stride, 0);
  const bf16* b16 =
      rounded.b != nullptr ? rounded.b : packed_bf16(b, s.batch_b, s.k * s.n, s.b_batch_stride, 1);
  run_matmul(s, dt::bf16, a16, rounded.a != nullptr ? s.a_batch_stride : 0, b16,
             rounded.b != nullptr ? s.b_batch_stride : 0, c, accumulate, bias);
}

void PackedB::gemm(const GemmShape& s, const float* a, const float* b, float* c, const float* bias,
                   const uint16_t* b_bf16) {
  if (s.batch_a != 1 || s.batch_b != 1 || s.m == 0 || s.n == 0 || s.k == 0) {
    kernels::gemm(s, a, b, c, false, bias, {nullptr, b_bf16});
    return;
  }
  const bool bf16 = bf16_gemm(s);
  const dt type = bf16 ? dt::bf16 : dt::f32;
  const auto a_md = matrix_md(1, s.m, s.k, s.transpose_a, 0, type);
  const auto c_md = matrix_md(1, s.m, s.n, false);
  const auto bias_md = dnnl::memory::desc({1, 1, s.n}, dt::f32, tag::abc);
  PrimitiveKey key;
  key.add(kPackedGemmOp)
      .add(static_cast<int64_t>(type))
      .add(s.m)
      .add(s.n)
      .add(s.k)
      .add(s.transpose_a)
      .add(bias != nullptr);
  auto& primitive = Engine::get().primitive(key, [&] {
    const dnnl::memory::desc any_b({1, s.k, s.n}, type, tag::any);
    const auto desc = bias ? dnnl::matmul::desc(a_md, any_b, bias_md, c_md)
                           : dnnl::matmul::desc(a_md, any_b, c_md);
    return dnnl::matmul(dnnl::matmul::primitive_desc(desc, Engine::get().engine()));
  });
  const dnnl::memory::desc layout(
      *dnnl_primitive_desc_query_md(primitive.get_primitive_desc(), dnnl_query_weights_md, 0));
  auto& engine = Engine::get().engine();
  auto copy = std::find_if(copies_.begin(), copies_.end(),
                           [&](const Copy& c) { return c.layout == layout; });
  if (copy == copies_.end()) {
    const void* plain = b;
    if (bf16) plain = b_bf16 != nullptr ? b_bf16 : packed_bf16(b, 1, s.k * s.n, 0, 1);
    dnnl::memory source(matrix_md(1, s.k, s.n, s.transpose_b, 0, type), engine,
                        const_cast<void*>(plain));
    dnnl::memory packed(layout, engine);
    dnnl::reorder(source, packed).execute(Engine::get().stream(), source, packed);
    Engine::get().stream().wait();
    copies_.push_back({layout, packed});
    copy = copies_.end() - 1;
  }
  const void* a_data = a;
  if (bf16) a_data = packed_bf16(a, 1, s.m * s.k, 0, 0);
  std::unordered_map<int, dnnl::memory> args = {
      {DNNL_ARG_SRC, dnnl::memory(a_md, engine, const_cast<void*>(a_data))},
      {DNNL_ARG_WEIGHTS, copy->memory},
      {DNNL_ARG_DST, dnnl::memory(c_md, engine, c)}};
  if (bias) args.emplace(DNNL_ARG_BIAS, dnnl::memory(bias_md, engine, const_cast<float*>(bias)));
  run(primitive, args);
}

}  // namespace huiyan::nn::kernels
