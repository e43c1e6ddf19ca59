#include "nn/kernels/loss.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "nn/kernels/fast_exp.h"
#include "nn/kernels/lanes.h"
#include "nn/kernels/parallel.h"

namespace huiyan::nn::kernels {

namespace {

HUIYAN_VECTORIZED void row_stats(int64_t n, const float* z, float& max, double& sum_exp,
                                 double& sum) {
  const float m = lane_max(n, z);
  max = m;
  sum_exp = lane_sum(n, [&](int64_t j) { return exp_below_88(z[j] - m); });
  sum = lane_sum(n, [&](int64_t j) { return z[j]; });
}

HUIYAN_VECTORIZED void row_gradient(int64_t n, const float* z, float lse, float scale,
                                    float uniform, float* dz, bool accumulate) {
  for (int64_t j = 0; j < n; ++j) {
    const float d = scale * (exp_below_88(z[j] - lse) - uniform);
    dz[j] = accumulate ? dz[j] + d : d;
  }
}

}  // namespace

double cross_entropy(int64_t rows, int64_t cols, const float* logits, const int32_t* targets,
                     float smoothing, int32_t ignore_index, float* lse, int64_t& counted) {
  for (int64_t i = 0; i < rows; ++i) {
    if (targets[i] != ignore_index && (targets[i] < 0 || targets[i] >= cols)) {
      throw std::out_of_range("target " + std::to_string(targets[i]) + " at row " +
                              std::to_string(i) + " is outside the " + std::to_string(cols) +
                              " classes");
    }
  }
  double total = 0;
  int64_t count = 0;
#pragma omp parallel for schedule(static) reduction(+ : total, count) if (rows * cols > 65536)
  for (int64_t i = 0; i < rows; ++i) {
    const float* z = logits + i * cols;
    float max;
    double sum_exp;
    double sum;
    row_stats(cols, z, max, sum_exp, sum);
    const double row_lse = max + std::log(sum_exp);
    lse[i] = static_cast<float>(row_lse);
    if (targets[i] == ignore_index) continue;
    const double nll = row_lse - z[targets[i]];
    const double smooth = row_lse - sum / static_cast<double>(cols);
    total += (1.0 - smoothing) * nll + smoothing * smooth;
    ++count;
  }
  counted = count;
  return total;
}

void cross_entropy_backward(int64_t rows, int64_t cols, const float* logits, const int32_t* targets,
                            float smoothing, int32_t ignore_index, const float* lse, float scale,
                            float* dlogits, bool accumulate) {
  const float uniform = smoothing / static_cast<float>(cols);
  parallel_rows(rows, cols, [&](int64_t i) {
    float* dz = dlogits + i * cols;
    if (targets[i] == ignore_index) {
      if (!accumulate) std::fill_n(dz, cols, 0.0f);
      return;
    }
    row_gradient(cols, logits + i * cols, lse[i], scale, uniform, dz, accumulate);
    dz[targets[i]] -= scale * (1.0f - smoothing);
  });
}

}  // namespace huiyan::nn::kernels
