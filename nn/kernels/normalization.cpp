#include "nn/kernels/normalization.h"

#include <bit>
#include <cmath>

#include "nn/dnnl_util.h"
#include "nn/kernels/fast_exp.h"
#include "nn/kernels/lanes.h"
#include "nn/kernels/parallel.h"

namespace huiyan::nn::kernels {

namespace {

const auto kLayerNormFlags =
    dnnl::normalization_flags::use_scale | dnnl::normalization_flags::use_shift;

HUIYAN_VECTORIZED void softmax_backward_row(int64_t n, const float* y, const float* dy, float* dx,
                                            bool log, bool accumulate) {
  const float dot = log ? lane_sum(n, [&](int64_t i) { return dy[i]; })
                        : lane_sum(n, [&](int64_t i) { return dy[i] * y[i]; });
  for (int64_t i = 0; i < n; ++i) {
    const float d = log ? dy[i] - exp_below_88(y[i]) * dot : y[i] * (dy[i] - dot);
    dx[i] = accumulate ? dx[i] + d : d;
  }
}

// Our own loop: oneDNN 2.6's softmax runs at about a third of this speed on wide rows (a
// vocabulary of 8,000).
HUIYAN_VECTORIZED void softmax_row(int64_t n, const float* x, float* y, bool log) {
  if (log) {
    // The very function beam search normalizes with, so that both round alike.
    const float lse = log_sum_exp(n, x);
    for (int64_t i = 0; i < n; ++i) y[i] = x[i] - lse;
    return;
  }
  const float max = lane_max(n, x);
  for (int64_t i = 0; i < n; ++i) y[i] = exp_below_88(x[i] - max);
  const float inverse = 1.0f / lane_sum(n, [&](int64_t i) { return y[i]; });
  for (int64_t i = 0; i < n; ++i) y[i] *= inverse;
}

HUIYAN_VECTORIZED void layer_norm_backward_row(int64_t n, const float* x, const float* gamma,
                                               float mean, float rstd, const float* dy, float* dx,
                                               bool accumulate) {
  const float mean_g =
      lane_sum(n, [&](int64_t i) { return dy[i] * gamma[i]; }) / static_cast<float>(n);
  const float mean_gx =
      lane_sum(n, [&](int64_t i) { return dy[i] * gamma[i] * (x[i] - mean) * rstd; }) /
      static_cast<float>(n);
  for (int64_t i = 0; i < n; ++i) {
    const float xhat = (x[i] - mean) * rstd;
    const float d = rstd * (dy[i] * gamma[i] - mean_g - xhat * mean_gx);
    dx[i] = accumulate ? dx[i] + d : d;
  }
}

dnnl::layer_normalization_forward::primitive_desc layer_norm_forward_pd(
    const dnnl::memory::desc& data_md, const dnnl::memory::desc& stat_md, float eps) {
  const dnnl::layer_normalization_forward::desc desc(dnnl::prop_kind::forward_training, data_md,
                                                     stat_md, eps, kLayerNormFlags);
  return dnnl::layer_normalization_forward::primitive_desc(desc, Engine::get().engine());
}

}  // namespace

void softmax(int64_t rows, int64_t cols, const float* x, float* y, bool log) {
  parallel_rows(rows, cols,
                [&](int64_t row) { softmax_row(cols, x + row * cols, y + row * cols, log); });
}

// log Σ e^x = max + log Σ e^(x - max).
HUIYAN_VECTORIZED float log_sum_exp(int64_t n, const float* x, float max) {
  return max + std::log(lane_sum(n, [&](int64_t i) { return exp_below_88(x[i] - max); }));
}

HUIYAN_VECTORIZED float log_sum_exp(int64_t n, const float* x) {
  return log_sum_exp(n, x, lane_max(n, x));
}

void softmax_backward(int64_t rows, int64_t cols, const float* y, const float* dy, float* dx,
                      bool log, bool accumulate) {
  parallel_rows(rows, cols, [&](int64_t row) {
    softmax_backward_row(cols, y + row * cols, dy + row * cols, dx + row * cols, log, accumulate);
  });
}

void layer_norm(int64_t rows, int64_t cols, const float* x, const float* gamma, const float* beta,
                float eps, float* y, float* mean, float* var) {
  if (rows * cols == 0) return;
  const dnnl::memory::desc data_md({rows, cols}, dt::f32, tag::ab);
  const dnnl::memory::desc stat_md({rows}, dt::f32, tag::a);
  const dnnl::memory::desc param_md({cols}, dt::f32, tag::a);
  PrimitiveKey key;
  key.add(kLayerNormOp).add(rows).add(cols).add(std::bit_cast<int32_t>(eps));
  auto& primitive = Engine::get().primitive(key, [&] {
    return dnnl::layer_normalization_forward(layer_norm_forward_pd(data_md, stat_md, eps));
  });
  run(primitive, {{DNNL_ARG_SRC, mem(data_md, x)},
                  {DNNL_ARG_DST, mem(data_md, y)},
                  {DNNL_ARG_SCALE, mem(param_md, gamma)},
                  {DNNL_ARG_SHIFT, mem(param_md, beta)},
                  {DNNL_ARG_MEAN, mem(stat_md, mean)},
                  {DNNL_ARG_VARIANCE, mem(stat_md, var)}});
}

void layer_norm_backward(int64_t rows, int64_t cols, const float* x, const float* gamma,
                         const float* mean, const float* var, const float* dy, float eps,
                         const LayerNormGradients& out) {
  if (out.dx != nullptr) {
    parallel_rows(rows, cols, [&](int64_t row) {
      layer_norm_backward_row(cols, x + row * cols, gamma, mean[row],
                              1.0f / std::sqrt(var[row] + eps), dy + row * cols,
                              out.dx + row * cols, out.dx_accumulate);
    });
  }
  if (out.dgamma == nullptr && out.dbeta == nullptr) return;
  // Column bands: each thread sums its own columns over every row, so the sums are deterministic.
  constexpr int64_t kBand = 64;
  const int64_t bands = (cols + kBand - 1) / kBand;
#pragma omp parallel for schedule(static) if (rows * cols > 65536)
  for (int64_t band = 0; band < bands; ++band) {
    const int64_t begin = band * kBand;
    const int64_t end = std::min(cols, begin + kBand);
    float dgamma[kBand] = {};
    float dbeta[kBand] = {};
    for (int64_t row = 0; row < rows; ++row) {
      const float rstd = 1.0f / std::sqrt(var[row] + eps);
      const float* x_row = x + row * cols;
      const float* dy_row = dy + row * cols;
      for (int64_t c = begin; c < end; ++c) {
        dgamma[c - begin] += dy_row[c] * (x_row[c] - mean[row]) * rstd;
        dbeta[c - begin] += dy_row[c];
      }
    }
    for (int64_t c = begin; c < end; ++c) {
      if (out.dgamma != nullptr) {
        out.dgamma[c] =
            out.dgamma_accumulate ? out.dgamma[c] + dgamma[c - begin] : dgamma[c - begin];
      }
      if (out.dbeta != nullptr) {
        out.dbeta[c] = out.dbeta_accumulate ? out.dbeta[c] + dbeta[c - begin] : dbeta[c - begin];
      }
    }
  }
}

}  // namespace huiyan::nn::kernels
