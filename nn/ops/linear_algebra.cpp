#include <stdexcept>

#include "nn/kernels/convert.h"
#include "nn/kernels/elementwise.h"
#include "nn/kernels/gemm.h"
#include "nn/ops.h"

namespace huiyan::nn {

namespace {

int64_t batch_of(const Shape& shape) {
  int64_t batch = 1;
  for (int i = 0; i < shape.rank - 2; ++i) batch *= shape[i];
  return batch;
}

// A parameter's bf16 copy, made once per graph generation, when the product runs in bf16.
const uint16_t* weight_bf16(Graph& graph, const kernels::GemmShape& shape, const Tensor& b) {
  return kernels::bf16_gemm(shape) ? graph.bf16_copy(b) : nullptr;
}

// `n` values rounded to bf16 in the graph's arena.
const uint16_t* rounded_bf16(Graph& graph, const float* x, int64_t n) {
  auto* out = graph.arena().allocate<uint16_t>(static_cast<size_t>(n));
  kernels::to_bf16(x, n, out);
  return out;
}

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b, bool transpose_a, bool transpose_b) {
  const Shape& as = a.shape();
  const Shape& bs = b.shape();
  if (as.rank < 2 || bs.rank < 2) {
    throw std::invalid_argument("matmul needs matrices, got " + as.str() + " and " + bs.str());
  }
  const int64_t m = transpose_a ? as[-1] : as[-2];
  const int64_t k = transpose_a ? as[-2] : as[-1];
  const int64_t kb = transpose_b ? bs[-1] : bs[-2];
  const int64_t n = transpose_b ? bs[-2] : bs[-1];
  bool batches_match = bs.rank == 2 || bs.rank == as.rank;
  for (int i = 0; batches_match && bs.rank > 2 && i < as.rank - 2; ++i)
    batches_match = as[i] == bs[i];
  if (k != kb || !batches_match) {
    throw std::invalid_argument("matmul: shapes " + as.str() + (transpose_a ? "ᵀ" : "") + " and " +
                                bs.str() + (transpose_b ? "ᵀ" : "") + " do not multiply");
  }
  Shape out_shape = as;
  out_shape[-2] = m;
  out_shape[-1] = n;
  Graph& graph = graph_of({&a, &b});
  Tensor out = graph.output(out_shape, {&a, &b});
  const kernels::GemmShape shape{batch_of(as), batch_of(bs), m, n, k, transpose_a, transpose_b};
  kernels::gemm(shape, a.data(), b.data(), out.data(), false, nullptr,
                {nullptr, weight_bf16(graph, shape, b)});

  graph.record(out, [a, b, out, shape, &graph] {
    const float* dc = out.grad();
    const bool shared_b = shape.batch_b == 1 && shape.batch_a > 1;
    if (a.requires_grad()) {
      bool accumulate;
      float* da = graph.gradient_for(a.impl(), accumulate);
      if (!shape.transpose_a) {  // dA = dC · op(B)ᵀ
        kernels::gemm(
            {shape.batch_a, shape.batch_b, shape.m, shape.k, shape.n, false, !shape.transpose_b},
            dc, b.data(), da, accumulate);
      } else {  // dA (stored [K, M]) = op(B) · dCᵀ
        kernels::gemm(
            {shape.batch_b, shape.batch_a, shape.k, shape.m, shape.n, shape.transpose_b, true},
            b.data(), dc, da, accumulate);
      }
    }
    if (b.requires_grad()) {
      bool accumulate;
      float* db = graph.gradient_for(b.impl(), accumulate);
      // A shared B gathers its gradient over the batch: treat the batch as extra rows of one
      // matrix when A is not transposed, else add batch by batch.
      const int64_t batches = shared_b ? shape.batch_a : 1;
      const bool fold = shared_b && !shape.transpose_a;
      const int64_t rows = fold ? shape.batch_a * shape.m : shape.m;
      const int64_t gemm_batch = shared_b ? 1 : shape.batch_a;
      const int64_t loops = fold ? 1 : batches;
      for (int64_t i = 0; i < loops; ++i) {
        const float* ai = a.data() + i * shape.m * shape.k;
        const float* dci = dc + i * shape.m * shape.n;
        const bool acc = accumulate || i > 0;
        if (!shape.transpose_b) {  // dB = op(A)ᵀ · dC
          kernels::gemm({gemm_batch, gemm_batch, shape.k, shape.n, rows, !shape.transpose_a, false},
                        ai, dci, db, acc);
        } else {  // dB (stored [N, K]) = dCᵀ · op(A)
          kernels::gemm({gemm_batch, gemm_batch, shape.n, shape.k, rows, true, shape.transpose_a},
                        dci, ai, db, acc);
        }
      }
    }
  });
  return out;
}

namespace {

// linear's operands: x [..., in], weight [out, in], bias [out] or undefined.
void check_linear_operands(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  const Shape& xs = x.shape();
  const Shape& ws = weight.shape();
  if (ws.rank != 2 || xs.rank < 1 || xs[-1] != ws[1] ||
      (bias.defined() && !(bias.shape().rank == 1 && bias.shape()[0] == ws[0]))) {
    throw std::invalid_argument("linear: input " + xs.str() + ", weight " + ws.str() +
                                (bias.defined() ? ", bias " + bias.shape().str() : ""));
  }
}

}  // namespace

void linear_into(const Tensor& x, const Tensor& weight, const Tensor& bias, float* out,
                 int64_t out_row_stride) {
  check_linear_operands(x, weight, bias);
  const Shape& xs = x.shape();
  const Shape& ws = weight.shape();
  if (out_row_stride < ws[0]) {
    throw std::invalid_argument("linear: output rows " + std::to_string(out_row_stride) +
                                " apart hold no " + std::to_string(ws[0]) + " values");
  }
  Graph& graph = graph_of({&x, &weight, &bias});
  if (graph.recording() || x.requires_grad() || weight.graph() != nullptr) {
    throw std::logic_error("linear_into is for inference: use it under NoGrad on a model's weight");
  }
  kernels::GemmShape shape{1, 1, xs.rows(), ws[0], ws[1], false, true};
  shape.c_row_stride = out_row_stride;
  graph.packed(weight).gemm(shape, x.data(), weight.data(), out,
                            bias.defined() ? bias.data() : nullptr);
}

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  check_linear_operands(x, weight, bias);
  const Shape& xs = x.shape();
  const Shape& ws = weight.shape();
  const int64_t rows = xs.rows();
  const int64_t in = ws[1];
  const int64_t out_dim = ws[0];
  Shape out_shape = xs;
  out_shape[-1] = out_dim;
  Graph& graph = graph_of({&x, &weight, &bias});
  Tensor out = graph.output(out_shape, {&x, &weight, &bias});
  const kernels::GemmShape forward{1, 1, rows, out_dim, in, false, true};
  const kernels::GemmShape input_shape{1, 1, rows, in, out_dim, false, false};
  const kernels::GemmShape weight_shape{1, 1, out_dim, in, rows, true, false};
  // x feeds the forward product and, later, the weight's gradient: round it once when both run
  // in bf16.
  const uint16_t* x_bf16 = out.requires_grad() && weight.requires_grad() &&
                                   kernels::bf16_gemm(forward) && kernels::bf16_gemm(weight_shape)
                               ? rounded_bf16(graph, x.data(), rows * in)
                               : nullptr;
  const float* bias_data = bias.defined() ? bias.data() : nullptr;
  if (!out.requires_grad() && weight.graph() == nullptr) {
    // Inference: the weight, fixed while the graph lives, is packed once for all its products.
    graph.packed(weight).gemm(forward, x.data(), weight.data(), out.data(), bias_data);
  } else {
    kernels::gemm(forward, x.data(), weight.data(), out.data(), false, bias_data,
                  {x_bf16, weight_bf16(graph, forward, weight)});
  }

  graph.record(
      out, [x, weight, bias, out, rows, in, out_dim, input_shape, weight_shape, x_bf16, &graph] {
        const float* dy = out.grad();
        bool accumulate;
        // dy feeds both products: round it once when both run in bf16.
        const uint16_t* dy_bf16 = x.requires_grad() && weight.requires_grad() &&
                                          kernels::bf16_gemm(input_shape) &&
                                          kernels::bf16_gemm(weight_shape)
                                      ? rounded_bf16(graph, dy, rows * out_dim)
                                      : nullptr;
        if (x.requires_grad()) {  // dx = dy · W
          float* dx = graph.gradient_for(x.impl(), accumulate);
          kernels::gemm(input_shape, dy, weight.data(), dx, accumulate, nullptr,
                        {dy_bf16, weight_bf16(graph, input_shape, weight)});
        }
        if (weight.requires_grad()) {  // dW = dyᵀ · x
          float* dw = graph.gradient_for(weight.impl(), accumulate);
          kernels::gemm(weight_shape, dy, x.data(), dw, accumulate, nullptr, {dy_bf16, x_bf16});
        }
        if (bias.defined() && bias.requires_grad()) {  // db = column sums of dy
          float* db = graph.gradient_for(bias.impl(), accumulate);
          kernels::reduce_to(Shape{rows, out_dim}, dy, Shape{out_dim}, db, accumulate);
        }
      });
  return out;
}

}  // namespace huiyan::nn
