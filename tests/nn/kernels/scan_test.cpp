#include "nn/kernels/scan.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <vector>

#include "nn/random.h"

namespace huiyan::nn::kernels {
namespace {

// Every start and bar against a plain scan, over lengths with and without a partial last block,
// with NaN and infinite entries.
TEST(FirstReaching, EqualsAPlainScan) {
  Random rng(5);
  for (const int64_t n : {0, 1, 15, 16, 17, 50, 64, 203}) {
    std::vector<float> x(static_cast<size_t>(n));
    for (auto& v : x) v = rng.uniform(-10.0f, 0.0f);
    // A NaN reaches no bar and hides nothing beside it; an infinity reaches every one.
    if (n >= 64) x[40] = NAN;
    if (n >= 200) {
      for (size_t i = 128; i < 192; ++i) x[i] = NAN;
      x[197] = INFINITY;
    }
    std::vector<float> maxima(static_cast<size_t>(run_count(n)));
    run_maxima(x.data(), n, maxima.data());
    for (const float bar : {-INFINITY, -12.0f, -3.5f, -1.2f, -0.3f, 1.0f}) {
      for (const float shift : {0.0f, 2.25f}) {
        const float base = -0.7f;
        for (int64_t begin = 0; begin <= n; ++begin) {
          int64_t expected = begin;
          while (expected < n && !(base + (x[static_cast<size_t>(expected)] - shift) >= bar))
            ++expected;
          EXPECT_EQ(first_reaching(x.data(), maxima.data(), begin, n, shift, base, bar), expected)
              << "n " << n << " bar " << bar << " shift " << shift << " begin " << begin;
        }
      }
    }
  }
}

// The maxima of the runs of 64 (the last one shorter) against a plain loop, with a NaN, a run of
// NaN (maximum -inf) and tied maxima; the row's maximum; the k-th largest run maximum against
// sorting them, with at least k entries reaching it; -inf with fewer than k runs.
TEST(RunMaxima, GiveTheRowMaximumAndABarKEntriesReach) {
  Random rng(9);
  for (const int64_t n : {0, 1, 63, 64, 130, 640, 8000}) {
    std::vector<float> x(static_cast<size_t>(n));
    for (auto& v : x) v = rng.uniform(-10.0f, 10.0f);
    if (n >= 640) x[100] = NAN;
    if (n >= 8000) {
      for (size_t i = 192; i < 256; ++i) x[i] = NAN;           // run 3: nothing but NaN
      for (size_t r = 10; r < 20; ++r) x[r * 64 + 5] = 11.0f;  // ten runs tie at the top
    }
    std::vector<float> expected;
    for (int64_t r = 0; r < n; r += 64) {
      float m = -INFINITY;
      for (int64_t i = r; i < std::min(n, r + 64); ++i)
        if (x[static_cast<size_t>(i)] > m) m = x[static_cast<size_t>(i)];
      expected.push_back(m);
    }
    const int64_t runs = run_count(n);
    ASSERT_EQ(runs, static_cast<int64_t>(expected.size()));
    std::vector<float> maxima(static_cast<size_t>(runs)), scratch(maxima.size());
    const float max = run_maxima(x.data(), n, maxima.data());
    EXPECT_EQ(maxima, expected) << n;
    EXPECT_EQ(max,
              expected.empty() ? -INFINITY : *std::max_element(expected.begin(), expected.end()))
        << n;
    for (const int64_t k : {1, 2, 10, 40}) {
      const float got = kth_largest(maxima.data(), runs, k, scratch.data());
      if (runs < k) {
        EXPECT_EQ(got, -INFINITY) << n << " " << k;
        continue;
      }
      std::vector<float> sorted = expected;
      std::sort(sorted.begin(), sorted.end(), std::greater<>());
      EXPECT_EQ(got, sorted[static_cast<size_t>(k - 1)]) << n << " " << k;
      int64_t reaching = 0;
      for (const float v : x) reaching += v >= got ? 1 : 0;
      EXPECT_GE(reaching, k);
    }
  }
}

}  // namespace
}  // namespace huiyan::nn::kernels
