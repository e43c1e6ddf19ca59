#include "nn/kernels/gemm.h"

#include <algorithm>
#include <stdexcept>

#include "nn/dnnl_util.h"
#include "nn/kernels/convert.h"

namespace huiyan::nn::kernels {

namespace {

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

// The layout a packed B (one [K, N] matrix, so 2-D) takes: in bf16, the blocked layout oneDNN
// picks for the product (for 3-D descriptions oneDNN 2.6 picks plain rows without AMX, and then
// re-blocks B on every product); in f32, rows 16 floats longer than N from N = 512 up (rows of
// exactly N made the products repack B every time or read it slowly). Measured with 64 to 1,536
// rows: bf16 1.0-1.2x; f32 1.1-1.3x at 1 thread and up to 1.5x at 2 for N of 512 to 32,000, and a
// few percent slower with padding at N = 256.
dnnl::memory::desc packed_b_md(const GemmShape& s, dt type) {
  if (type != dt::f32) return dnnl::memory::desc({s.k, s.n}, type, tag::any);
  const int64_t row = s.n >= 512 ? s.n + 16 : s.n;
  return dnnl::memory::desc({s.k, s.n}, type, dnnl::memory::dims{row, 1});
}

// A description of one [rows, cols] matrix as 2-D (packed products are 2-D throughout).
dnnl::memory::desc two_d(const dnnl::memory::desc& md) {
  const dnnl::memory::dims dims = md.dims();
  return md.reshape({dims[1], dims[2]});
}

// oneDNN's matmul for `s`: A and B of `type` (f32 or bf16) in the layouts their batch strides
// give (0: packed), C and the bias f32. With `packed_b` (batch 1 throughout), B is in
// packed_b_md's layout, which `b` then describes.
struct Matmul {
  dnnl::primitive* primitive;
  dnnl::memory::desc a, b, c, bias;
};

Matmul matmul_for(const GemmShape& s, dt type, int64_t a_stride, int64_t b_stride, bool packed_b,
                  bool accumulate, bool bias) {
  const int64_t batch = std::max(s.batch_a, s.batch_b);
  Matmul mm{nullptr, matrix_md(s.batch_a, s.m, s.k, s.transpose_a, a_stride, type),
            matrix_md(s.batch_b, s.k, s.n, s.transpose_b, b_stride, type),
            matrix_md(batch, s.m, s.n, false), dnnl::memory::desc({1, 1, s.n}, dt::f32, tag::abc)};
  if (packed_b) {
    mm.a = two_d(mm.a);
    mm.b = packed_b_md(s, type);
    mm.c = s.c_row_stride > 0 ? dnnl::memory::desc({s.m, s.n}, dt::f32, {s.c_row_stride, 1})
                              : two_d(mm.c);
    mm.bias = two_d(mm.bias);
  }
  PrimitiveKey key;
  key.add(packed_b ? kPackedGemmOp : kGemmOp)
      .add(static_cast<int64_t>(type))
      .add(s.batch_a)
      .add(s.batch_b)
      .add(s.m)
      .add(s.n)
      .add(s.k)
      .add(s.transpose_a)
      .add(packed_b ? false : s.transpose_b)  // a packed B's layout is oneDNN's own
      .add(accumulate)
      .add(bias)
      .add(a_stride)
      .add(packed_b ? 0 : b_stride)
      .add(packed_b ? s.c_row_stride : 0);
  mm.primitive = &Engine::get().primitive(key, [&] {
    const dnnl::primitive_attr attr = accumulate_attr(accumulate);
    const auto desc =
        bias ? dnnl::matmul::desc(mm.a, mm.b, mm.bias, mm.c) : dnnl::matmul::desc(mm.a, mm.b, mm.c);
    return dnnl::matmul(dnnl::matmul::primitive_desc(desc, attr, Engine::get().engine()));
  });
  if (packed_b) {
    mm.b = dnnl::memory::desc(*dnnl_primitive_desc_query_md(mm.primitive->get_primitive_desc(),
                                                            dnnl_query_weights_md, 0));
  }
  return mm;
}

dnnl::memory memory_at(const dnnl::memory::desc& desc, const void* data) {
  return dnnl::memory(desc, Engine::get().engine(), const_cast<void*>(data));
}

void execute(const Matmul& mm, const void* a, const dnnl::memory& b, float* c, const float* bias) {
  std::unordered_map<int, dnnl::memory> args = {{DNNL_ARG_SRC, memory_at(mm.a, a)},
                                                {DNNL_ARG_WEIGHTS, b},
                                                {DNNL_ARG_DST, memory_at(mm.c, c)}};
  if (bias) args.emplace(DNNL_ARG_BIAS, memory_at(mm.bias, bias));
  run(*mm.primitive, args);
}

// C (+)= A·B with B in the layout its batch stride gives.
void run_matmul(const GemmShape& s, dt type, const void* a, int64_t a_stride, const void* b,
                int64_t b_stride, float* c, bool accumulate, const float* bias) {
  const Matmul mm = matmul_for(s, type, a_stride, b_stride, false, accumulate, bias != nullptr);
  execute(mm, a, memory_at(mm.b, b), c, bias);
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
  if (s.c_row_stride != 0 && s.c_row_stride != s.n) {
    throw std::logic_error("gemm: a strided C is for PackedB's products");
  }
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

void PackedB::gemm(const GemmShape& s, const float* a, const float* b, float* c,
                   const float* bias) {
  if (s.c_row_stride != 0 && s.c_row_stride < s.n) {
    throw std::logic_error("gemm: rows of C closer than their length");
  }
  if (s.m == 0 || s.n == 0) return;
  if (s.batch_a != 1 || s.batch_b != 1 || s.k == 0) {
    if (s.c_row_stride > s.n)
      throw std::logic_error("gemm: a strided C needs one nonempty product");
    kernels::gemm(s, a, b, c, false, bias);
    return;
  }
  const bool bf16 = bf16_gemm(s);
  const dt type = bf16 ? dt::bf16 : dt::f32;
  const Matmul mm = matmul_for(s, type, 0, 0, true, false, bias != nullptr);
  auto copy =
      std::find_if(copies_.begin(), copies_.end(), [&](const Copy& c) { return c.layout == mm.b; });
  if (copy == copies_.end()) {
    const void* plain = b;
    if (bf16) plain = packed_bf16(b, 1, s.k * s.n, 0, 1);  // rounded as gemm rounds
    dnnl::memory source = memory_at(two_d(matrix_md(1, s.k, s.n, s.transpose_b, 0, type)), plain);
    dnnl::memory packed(mm.b, Engine::get().engine());
    dnnl::reorder(source, packed).execute(Engine::get().stream(), source, packed);
    Engine::get().stream().wait();
    copies_.push_back({mm.b, packed});
    copy = copies_.end() - 1;
  }
  const void* a_data = a;
  if (bf16) a_data = packed_bf16(a, 1, s.m * s.k, 0, 0);
  execute(mm, a_data, copy->memory, c, bias);
}

}  // namespace huiyan::nn::kernels
