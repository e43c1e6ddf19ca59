#include "nn/kernels/normalization.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "nn/kernels/scan.h"
#include "nn/random.h"

namespace huiyan::nn::kernels {
namespace {

// Rows of several lengths (with and without a partial block of sixteen, the maximum anywhere,
// values far beyond exp's range): the log-sum-exp equals the definition computed in double, and
// x - log_sum_exp is bit for bit the log-softmax, also when the maximum comes from the row's run
// maxima (as beam search computes it).
TEST(LogSumExp, EqualsTheDefinitionAndMatchesLogSoftmax) {
  Random rng(11);
  for (const int64_t cols : {1, 7, 16, 33, 8000}) {
    const int64_t rows = 4;
    std::vector<float> x(static_cast<size_t>(rows * cols));
    for (auto& v : x) v = rng.uniform(-20.0f, 20.0f);
    x[static_cast<size_t>(cols - 1)] = 300.0f;        // row 0: the maximum is the last entry
    x[static_cast<size_t>(cols + cols / 2)] = -1e4f;  // row 1: one entry far below
    for (int64_t c = 0; c < cols; ++c) x[static_cast<size_t>(2 * cols + c)] -= 500.0f;  // row 2
    std::vector<float> lse(static_cast<size_t>(rows));
    for (int64_t r = 0; r < rows; ++r)
      lse[static_cast<size_t>(r)] = log_sum_exp(cols, &x[r * cols]);
    std::vector<float> log_probs(x.size());
    softmax(rows, cols, x.data(), log_probs.data(), true);
    for (int64_t r = 0; r < rows; ++r) {
      const float* row = x.data() + r * cols;
      std::vector<float> maxima(static_cast<size_t>(run_count(cols)));
      const float from_runs = log_sum_exp(cols, row, run_maxima(row, cols, maxima.data()));
      EXPECT_EQ(std::memcmp(&from_runs, &lse[static_cast<size_t>(r)], 4), 0)
          << "cols " << cols << " row " << r;
      double max = row[0];
      for (int64_t c = 0; c < cols; ++c) max = std::max<double>(max, row[c]);
      double sum = 0;
      for (int64_t c = 0; c < cols; ++c) sum += std::exp(row[c] - max);
      const double expected = max + std::log(sum);
      EXPECT_NEAR(lse[static_cast<size_t>(r)], expected, 1e-6 * std::max(1.0, std::abs(expected)))
          << "cols " << cols << " row " << r;
      for (int64_t c = 0; c < cols; ++c) {
        const float shifted = row[c] - lse[static_cast<size_t>(r)];
        EXPECT_EQ(std::memcmp(&shifted, &log_probs[static_cast<size_t>(r * cols + c)], 4), 0)
            << "cols " << cols << " row " << r << " col " << c;
      }
    }
  }
}

}  // namespace
}  // namespace huiyan::nn::kernels
