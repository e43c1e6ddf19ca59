#pragma once
// Batched matrix products on oneDNN's matmul primitive:
//   C[b] (+)= op(A[b]) · op(B[b]) (+ bias),  op(X) = X or Xᵀ,
// with A [batch_a, M, K] (or [batch_a, K, M] when transposed), B [batch_b, K, N] (or
// [batch_b, N, K]), C [batch, M, N], batch = max(batch_a, batch_b); a batch of 1 is broadcast.
// Transposition is a matter of strides: no copies.

#include <cstdint>
#include <dnnl.hpp>
#include <vector>

namespace huiyan::nn::kernels {

struct GemmShape {
  int64_t batch_a = 1;
  int64_t batch_b = 1;
  int64_t m = 0;
  int64_t n = 0;
  int64_t k = 0;
  bool transpose_a = false;
  bool transpose_b = false;
  // Distance between consecutive matrices of a batch; 0 means packed (rows · cols). Lets a batch
  // read the first rows of larger matrices, as a key/value cache does.
  int64_t a_batch_stride = 0;
  int64_t b_batch_stride = 0;
  // Distance between consecutive rows of C; 0 means n. PackedB's products only: lets a product
  // write straight into a key/value cache, whose rows lie a whole cache row apart.
  int64_t c_row_stride = 0;
};

// A and/or B already rounded to bf16, each laid out as its f32 original (a weight, or a
// gradient that two products read, converted once and reused).
struct RoundedOperands {
  const uint16_t* a = nullptr;
  const uint16_t* b = nullptr;
};

// `accumulate`: add to C instead of overwriting it. `bias`: N values added to every row.
// In bf16 precision (Engine::precision) the products whose shapes the bf16 units handle well
// (bf16_gemm) round A and B to bf16 and accumulate in f32.
void gemm(const GemmShape& shape, const float* a, const float* b, float* c, bool accumulate,
          const float* bias = nullptr, RoundedOperands rounded = {});

// Whether gemm runs this shape in bf16 under the current precision.
bool bf16_gemm(const GemmShape& shape);

// One B that stays fixed over many products (a weight at inference), copied once into the layout
// oneDNN's kernels read fastest (blocked in bf16, in f32 rows padded from N = 512), for each
// product shape that needs one. Without it every product repacks B first. The copies hold B's
// values when first made: drop the object when B changes.
class PackedB {
 public:
  // As gemm(shape, a, b, c, false, bias) for one matrix B (batch_b 1).
  void gemm(const GemmShape& shape, const float* a, const float* b, float* c, const float* bias);

 private:
  struct Copy {
    dnnl::memory::desc layout;
    dnnl::memory memory;
  };
  std::vector<Copy> copies_;
};

}  // namespace huiyan::nn::kernels
