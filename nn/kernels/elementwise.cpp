#include "nn/kernels/elementwise.h"

#include <bit>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "nn/dnnl_util.h"
#include "nn/kernels/broadcast.h"
#include "nn/kernels/fast_exp.h"
#include "nn/kernels/parallel.h"
#include "nn/kernels/reduce.h"

namespace huiyan::nn::kernels {

namespace {

constexpr int64_t kGrain = 1 << 14;
constexpr int64_t kSmall = 2048;  // elements below which our loop beats a oneDNN call

dnnl::algorithm binary_algorithm(BinaryOp op) {
  switch (op) {
    case BinaryOp::add:
      return dnnl::algorithm::binary_add;
    case BinaryOp::sub:
      return dnnl::algorithm::binary_sub;
    case BinaryOp::mul:
      return dnnl::algorithm::binary_mul;
    case BinaryOp::div:
      return dnnl::algorithm::binary_div;
  }
  throw std::logic_error("unknown binary op");
}

dnnl::algorithm unary_algorithm(UnaryOp op) {
  switch (op) {
    case UnaryOp::relu:
      return dnnl::algorithm::eltwise_relu;
    case UnaryOp::gelu:
      return dnnl::algorithm::eltwise_gelu_erf;
    case UnaryOp::tanh:
      return dnnl::algorithm::eltwise_tanh;
    case UnaryOp::sigmoid:
      return dnnl::algorithm::eltwise_logistic;
    case UnaryOp::exp:
      return dnnl::algorithm::eltwise_exp;
    case UnaryOp::log:
      return dnnl::algorithm::eltwise_log;
    case UnaryOp::affine:
      return dnnl::algorithm::eltwise_linear;
  }
  throw std::logic_error("unknown unary op");
}

HUIYAN_VECTORIZED void row_op(BinaryOp op, int64_t n, const float* src, const float* other,
                              int64_t other_stride, float* dst, bool accumulate) {
  for (int64_t i = 0; i < n; ++i) {
    const float o = other[i * other_stride];
    float value;
    switch (op) {
      case BinaryOp::add:
        value = src[i] + o;
        break;
      case BinaryOp::sub:
        value = src[i] - o;
        break;
      case BinaryOp::mul:
        value = src[i] * o;
        break;
      default:
        value = src[i] / o;
        break;
    }
    dst[i] = accumulate ? dst[i] + value : value;
  }
}

HUIYAN_VECTORIZED void axpy_chunk(int64_t n, float alpha, const float* src, float* dst,
                                  bool accumulate) {
  if (accumulate) {
    for (int64_t i = 0; i < n; ++i) dst[i] += alpha * src[i];
  } else {
    for (int64_t i = 0; i < n; ++i) dst[i] = alpha * src[i];
  }
}

// One loop per op, each free of branches on `op`, so that every one vectorizes.
HUIYAN_VECTORIZED void unary_backward_chunk(UnaryOp op, int64_t n, const float* x, const float* y,
                                            const float* dy, float* dx, bool accumulate,
                                            float alpha) {
  constexpr float kInvSqrt2 = 0.70710678118654752f;
  constexpr float kInvSqrt2Pi = 0.39894228040143268f;
  const auto each = [&](auto derivative) {
    if (accumulate) {
      for (int64_t i = 0; i < n; ++i) dx[i] += derivative(i);
    } else {
      for (int64_t i = 0; i < n; ++i) dx[i] = derivative(i);
    }
  };
  switch (op) {
    case UnaryOp::relu:
      each([&](int64_t i) { return x[i] > 0 ? dy[i] : 0.0f; });
      break;
    case UnaryOp::gelu:
      each([&](int64_t i) {
        const float cdf = 0.5f * (1.0f + std::erf(x[i] * kInvSqrt2));
        const float pdf = kInvSqrt2Pi * exp_below_88(-0.5f * x[i] * x[i]);
        return dy[i] * (cdf + x[i] * pdf);
      });
      break;
    case UnaryOp::tanh:
      each([&](int64_t i) { return dy[i] * (1.0f - y[i] * y[i]); });
      break;
    case UnaryOp::sigmoid:
      each([&](int64_t i) { return dy[i] * y[i] * (1.0f - y[i]); });
      break;
    case UnaryOp::exp:
      each([&](int64_t i) { return dy[i] * y[i]; });
      break;
    case UnaryOp::log:
      each([&](int64_t i) { return dy[i] / x[i]; });
      break;
    default:
      each([&](int64_t i) { return dy[i] * alpha; });
      break;
  }
}

}  // namespace

Shape pad_rank(const Shape& shape, int rank) {
  Shape padded;
  padded.rank = rank;
  const int offset = rank - shape.rank;
  for (int i = 0; i < rank; ++i) padded[i] = i < offset ? 1 : shape[i - offset];
  return padded;
}

void check_broadcast(const Shape& a, const Shape& b, const char* op) {
  bool ok = b.rank <= a.rank;
  for (int i = 1; ok && i <= b.rank; ++i) ok = b[-i] == 1 || b[-i] == a[-i];
  if (!ok) {
    throw std::invalid_argument(std::string(op) + ": shape " + b.str() + " does not broadcast to " +
                                a.str());
  }
}

void binary(BinaryOp op, const Shape& a_shape, const float* a, const Shape& b_shape, const float* b,
            float* out) {
  if (a_shape.numel() == 0) return;
  // A oneDNN call opens a parallel region (1-2 us); small tensors are done before that pays off.
  if (a_shape.numel() <= kSmall) {
    binary_same(op, a_shape, a, b_shape, b, out, false);
    return;
  }
  const int rank = std::max(a_shape.rank, 1);
  const Shape a_padded = pad_rank(a_shape, rank);
  const Shape b_padded = pad_rank(b_shape, rank);
  const auto a_md = md(a_padded);
  const auto b_md = md(b_padded);
  PrimitiveKey key;
  key.add(kBinaryOp).add(static_cast<int64_t>(op));
  add_shape(key, a_padded);
  add_shape(key, b_padded);
  auto& primitive = Engine::get().primitive(key, [&] {
    const dnnl::binary::desc desc(binary_algorithm(op), a_md, b_md, a_md);
    return dnnl::binary(dnnl::binary::primitive_desc(desc, Engine::get().engine()));
  });
  run(primitive, {{DNNL_ARG_SRC_0, mem(a_md, a)},
                  {DNNL_ARG_SRC_1, mem(b_md, b)},
                  {DNNL_ARG_DST, mem(a_md, out)}});
}

void unary(UnaryOp op, int64_t n, const float* x, float* out, float alpha, float beta) {
  if (n == 0) return;
  if (n <= kSmall) {  // see binary()
    for (int64_t i = 0; i < n; ++i) {
      const float v = x[i];
      switch (op) {
        case UnaryOp::relu:
          out[i] = v > 0 ? v : 0.0f;
          break;
        case UnaryOp::gelu:
          out[i] = 0.5f * v * (1.0f + std::erf(v * 0.70710678118654752f));
          break;
        case UnaryOp::tanh:
          out[i] = std::tanh(v);
          break;
        case UnaryOp::sigmoid:
          out[i] = 1.0f / (1.0f + std::exp(-v));
          break;
        case UnaryOp::exp:
          out[i] = std::exp(v);
          break;
        case UnaryOp::log:
          out[i] = std::log(v);
          break;
        case UnaryOp::affine:
          out[i] = alpha * v + beta;
          break;
      }
    }
    return;
  }
  if (op == UnaryOp::relu) alpha = 0, beta = 0;  // oneDNN's alpha is the negative slope
  const dnnl::memory::desc data_md({n}, dt::f32, tag::a);
  PrimitiveKey key;
  key.add(kUnaryOp)
      .add(static_cast<int64_t>(op))
      .add(n)
      .add(std::bit_cast<int32_t>(alpha))
      .add(std::bit_cast<int32_t>(beta));
  auto& primitive = Engine::get().primitive(key, [&] {
    const dnnl::eltwise_forward::desc desc(dnnl::prop_kind::forward_training, unary_algorithm(op),
                                           data_md, alpha, beta);
    return dnnl::eltwise_forward(
        dnnl::eltwise_forward::primitive_desc(desc, Engine::get().engine()));
  });
  run(primitive, {{DNNL_ARG_SRC, mem(data_md, x)}, {DNNL_ARG_DST, mem(data_md, out)}});
}

void unary_backward(UnaryOp op, int64_t n, const float* x, const float* y, const float* dy,
                    float* dx, bool accumulate, float alpha) {
  parallel_chunks(n, kGrain, [&](int64_t begin, int64_t end) {
    unary_backward_chunk(op, end - begin, x + begin, y + begin, dy + begin, dx + begin, accumulate,
                         alpha);
  });
}

void axpy(int64_t n, float alpha, const float* src, float* dst, bool accumulate) {
  parallel_chunks(n, kGrain, [&](int64_t begin, int64_t end) {
    axpy_chunk(end - begin, alpha, src + begin, dst + begin, accumulate);
  });
}

void binary_same(BinaryOp op, const Shape& shape, const float* src, const Shape& other_shape,
                 const float* other, float* dst, bool accumulate) {
  const Broadcast b(shape, other_shape);
  const int64_t cols = b.dims[3];
  parallel_rows(b.rows(), cols, [&](int64_t row) {
    row_op(op, cols, src + row * cols, other + b.b_row_offset(row), b.b_strides[3],
           dst + row * cols, accumulate);
  });
}

void reduce_to(const Shape& a_shape, const float* src, const Shape& b_shape, float* dst,
               bool accumulate) {
  const int rank = std::max(a_shape.rank, 1);
  const Shape a = pad_rank(a_shape, rank);
  const Shape b = pad_rank(b_shape, rank);
  // The usual case: b is a with one run of consecutive dims set to 1 ([N] over [rows, N], [M, 1]
  // over [M, N], [B, 1, 1, T] over [B, H, T, T] after merging): a reduction over one axis.
  int first = rank;
  int last = -1;
  for (int i = 0; i < rank; ++i) {
    if (b[i] != a[i]) {
      first = std::min(first, i);
      last = i;
    }
  }
  bool one_run = true;
  for (int i = first; i <= last; ++i) one_run = one_run && b[i] == 1;
  if (last < 0) {
    axpy(a.numel(), 1.0f, src, dst, accumulate);
    return;
  }
  if (one_run) {
    int64_t outer = 1, axis = 1, inner = 1;
    for (int i = 0; i < first; ++i) outer *= a[i];
    for (int i = first; i <= last; ++i) axis *= a[i];
    for (int i = last + 1; i < rank; ++i) inner *= a[i];
    reduce_axis(Reduction::sum, outer, axis, inner, src, dst, accumulate);
    return;
  }
  // Several separate broadcast runs: rare, so a plain serial loop.
  const int64_t b_size = b.numel();
  std::vector<float> sums(static_cast<size_t>(b_size), 0.0f);
  const Broadcast walk(a_shape, b_shape);
  const int64_t cols = walk.cols();
  for (int64_t row = 0; row < walk.rows(); ++row) {
    const int64_t offset = walk.b_row_offset(row);
    for (int64_t c = 0; c < cols; ++c)
      sums[static_cast<size_t>(offset + c * walk.b_strides[3])] += src[row * cols + c];
  }
  axpy(b_size, 1.0f, sums.data(), dst, accumulate);
}

}  // namespace huiyan::nn::kernels
