#include "nn/kernels/scan.h"

#include <gtest/gtest.h>

#include <cmath>
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
    for (const float bar : {-INFINITY, -12.0f, -3.5f, -1.2f, -0.3f, 1.0f}) {
      for (const float shift : {0.0f, 2.25f}) {
        const float base = -0.7f;
        for (int64_t begin = 0; begin <= n; ++begin) {
          int64_t expected = begin;
          while (expected < n && !(base + (x[static_cast<size_t>(expected)] - shift) >= bar))
            ++expected;
          EXPECT_EQ(first_reaching(x.data(), begin, n, shift, base, bar), expected)
              << "n " << n << " bar " << bar << " shift " << shift << " begin " << begin;
        }
      }
    }
  }
}

}  // namespace
}  // namespace huiyan::nn::kernels
