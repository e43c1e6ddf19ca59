#include "nn/kernels/gemm.h"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <vector>

#include "nn/engine.h"
#include "nn/graph.h"
#include "nn/kernels/convert.h"
#include "nn/ops.h"
#include "nn/random.h"

namespace huiyan::nn::kernels {
namespace {

// Sets the engine's precision for one test and puts f32 back after it.
class Bf16Precision {
 public:
  Bf16Precision() { Engine::get().set_precision(Precision::bf16); }
  ~Bf16Precision() { Engine::get().set_precision(Precision::f32); }
};

std::vector<float> random_values(size_t n, uint64_t seed) {
  Random rng(seed);
  std::vector<float> v(n);
  for (auto& x : v) x = rng.uniform(-1.0f, 1.0f);
  return v;
}

float rounded(float x) {
  bf16 b;
  to_bf16(&x, 1, &b);
  return from_bf16(b);
}

struct Case {
  int64_t batch, m, n, k;
  bool ta, tb;
};

class Bf16Gemm : public ::testing::TestWithParam<Case> {};

// In bf16 precision C is the product of the bf16-rounded inputs, summed in f32: compare with that
// product summed in double.
TEST_P(Bf16Gemm, EqualsTheProductOfRoundedInputs) {
  if (!Engine::bf16_supported()) GTEST_SKIP() << "no bf16 matrix instructions on this CPU";
  const Case c = GetParam();
  const auto a = random_values(static_cast<size_t>(c.batch * c.m * c.k), 1);
  const auto b = random_values(static_cast<size_t>(c.batch * c.k * c.n), 2);
  std::vector<float> out(static_cast<size_t>(c.batch * c.m * c.n));
  const GemmShape shape{c.batch, c.batch, c.m, c.n, c.k, c.ta, c.tb};
  {
    Bf16Precision bf16;
    ASSERT_TRUE(bf16_gemm(shape));
    gemm(shape, a.data(), b.data(), out.data(), false);
  }
  double worst = 0;
  for (int64_t p = 0; p < c.batch; ++p) {
    for (int64_t i = 0; i < c.m; ++i) {
      for (int64_t j = 0; j < c.n; ++j) {
        double sum = 0;
        for (int64_t q = 0; q < c.k; ++q) {
          const float av =
              a[static_cast<size_t>(p * c.m * c.k + (c.ta ? q * c.m + i : i * c.k + q))];
          const float bv =
              b[static_cast<size_t>(p * c.k * c.n + (c.tb ? j * c.k + q : q * c.n + j))];
          sum += static_cast<double>(rounded(av)) * rounded(bv);
        }
        worst = std::max(worst, std::abs(sum - out[static_cast<size_t>((p * c.m + i) * c.n + j)]));
      }
    }
  }
  EXPECT_LT(worst, 1e-4);
}

INSTANTIATE_TEST_SUITE_P(Shapes, Bf16Gemm,
                         ::testing::Values(Case{1, 64, 96, 64, false, false},
                                           Case{1, 64, 96, 128, false, true},
                                           Case{1, 80, 64, 64, true, false},
                                           Case{3, 64, 64, 64, true, true}));

TEST(Bf16Gemm, ShapesTheUnitsHandleBadlyStayF32) {
  if (!Engine::bf16_supported()) GTEST_SKIP() << "no bf16 matrix instructions on this CPU";
  Bf16Precision bf16;
  EXPECT_FALSE(bf16_gemm({1, 1, 200, 50, 50, false, false}));  // K = 50
  EXPECT_FALSE(bf16_gemm({1, 1, 1, 24, 64, false, true}));     // one row
  EXPECT_TRUE(bf16_gemm({1, 1, 64, 256, 256, false, true}));
}

TEST(Bf16Gemm, F32PrecisionIsTheDefault) {
  EXPECT_EQ(Engine::get().precision(), Precision::f32);
  EXPECT_FALSE(bf16_gemm({1, 1, 64, 256, 256, false, true}));
}

// A parameter is rounded once per graph generation; after a reset (when an optimizer has
// changed it) the copy is made again.
TEST(Bf16Gemm, ParameterCopiesLastOneGeneration) {
  Tensor w = Tensor::persistent({2, 2}, false);
  w.data()[0] = 1.0f + 0x1.0p-10f;
  Graph graph;
  const uint16_t* first = graph.bf16_copy(w);
  EXPECT_EQ(from_bf16(first[0]), 1.0f);
  EXPECT_EQ(graph.bf16_copy(w), first);
  graph.reset();
  w.data()[0] = 3.0f;
  EXPECT_EQ(from_bf16(graph.bf16_copy(w)[0]), 3.0f);
  EXPECT_EQ(graph.bf16_copy(graph.zeros({2})), nullptr);  // not a parameter
}

// Linear's gradients in bf16 stay within bf16's precision of the f32 ones.
TEST(Bf16Gemm, LinearGradientsFollowF32) {
  if (!Engine::bf16_supported()) GTEST_SKIP() << "no bf16 matrix instructions on this CPU";
  const int64_t rows = 96, in = 128, out = 64;
  const auto wv = random_values(static_cast<size_t>(out * in), 3);
  const auto xv = random_values(static_cast<size_t>(rows * in), 4);
  const auto run = [&] {
    Tensor w = Tensor::persistent({out, in}, true);
    std::copy(wv.begin(), wv.end(), w.data());
    Graph graph;
    const Tensor x = graph.variable({rows, in}, xv);
    const Tensor y = linear(x, w, Tensor());
    graph.backward(sum_all(mul(y, y)));
    return std::pair{x.gradient(), w.gradient()};
  };
  const auto [dx32, dw32] = run();
  std::pair<std::vector<float>, std::vector<float>> low;
  {
    Bf16Precision bf16;
    low = run();
  }
  const auto relative = [](const std::vector<float>& a, const std::vector<float>& b) {
    double diff = 0, norm = 0;
    for (size_t i = 0; i < a.size(); ++i)
      diff += (a[i] - b[i]) * (a[i] - b[i]), norm += a[i] * a[i];
    return std::sqrt(diff / norm);
  };
  EXPECT_LT(relative(dx32, low.first), 2e-2);
  EXPECT_LT(relative(dw32, low.second), 2e-2);
  EXPECT_GT(relative(dx32, low.first), 0.0);  // it did run in bf16
}

// A weight packed once gives the product computed in double, for several row counts (each may
// want its own layout), with and without a bias, and in bf16 the product of the rounded inputs;
// with N of 300 and of 1,000 (f32 rows padded from N = 512 on).
TEST(PackedB, EqualsThePlainProduct) {
  for (const int64_t n : {300, 1000}) {
    const int64_t k = 128;
    const auto w = random_values(static_cast<size_t>(n * k), 21);  // stored [n, k]: op(B) = Wᵀ
    const auto bias = random_values(static_cast<size_t>(n), 22);
    for (const bool in_bf16 : {false, true}) {
      if (in_bf16 && !Engine::bf16_supported()) continue;
      std::unique_ptr<Bf16Precision> precision;
      if (in_bf16) precision = std::make_unique<Bf16Precision>();
      PackedB packed;
      for (const int64_t m : {1, 64, 77, 64}) {
        const auto a = random_values(static_cast<size_t>(m * k), 23 + static_cast<uint64_t>(m));
        const GemmShape shape{1, 1, m, n, k, false, true};
        const bool bf16 = bf16_gemm(shape);
        for (const bool with_bias : {false, true}) {
          std::vector<float> c(static_cast<size_t>(m * n), -7.0f);
          packed.gemm(shape, a.data(), w.data(), c.data(), with_bias ? bias.data() : nullptr);
          for (int64_t i = 0; i < m; ++i) {
            for (int64_t j = 0; j < n; ++j) {
              double want = with_bias ? bias[static_cast<size_t>(j)] : 0.0;
              for (int64_t p = 0; p < k; ++p) {
                const float x = a[static_cast<size_t>(i * k + p)];
                const float y = w[static_cast<size_t>(j * k + p)];
                want += static_cast<double>(bf16 ? rounded(x) : x) * (bf16 ? rounded(y) : y);
              }
              ASSERT_NEAR(c[static_cast<size_t>(i * n + j)], want, 1e-4)
                  << "n " << n << " m " << m << " row " << i << " col " << j
                  << (bf16 ? " bf16" : " f32");
            }
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace huiyan::nn::kernels
