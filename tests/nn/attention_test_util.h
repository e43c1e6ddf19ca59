#pragma once
// Shared checks for attention layers' weights.

#include <gtest/gtest.h>

#include <vector>

#include "nn/tensor.h"

namespace huiyan::nn::testing {

// Each row of weights [rows, len] sums to 1 over kept positions and is exactly 0 elsewhere;
// keep [rows, len] (1 = kept).
inline void expect_distribution(const Tensor& weights, const std::vector<float>& keep,
                                int64_t len) {
  const auto w = weights.values();
  ASSERT_EQ(w.size(), keep.size());
  for (size_t row = 0; row * len < w.size(); ++row) {
    double total = 0;
    bool any = false;
    for (int64_t j = 0; j < len; ++j) {
      const size_t i = row * static_cast<size_t>(len) + static_cast<size_t>(j);
      if (keep[i] == 0.0f) {
        EXPECT_EQ(w[i], 0.0f) << "row " << row << " masked position " << j;
      } else {
        EXPECT_GE(w[i], 0.0f);
        total += w[i];
        any = true;
      }
    }
    if (any) {
      EXPECT_NEAR(total, 1.0, 1e-5) << "row " << row;
    }
  }
}

}  // namespace huiyan::nn::testing
