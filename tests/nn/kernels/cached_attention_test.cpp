#include "nn/kernels/cached_attention.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "nn/kernels/convert.h"
#include "nn/random.h"

namespace huiyan::nn::kernels {
namespace {

std::vector<float> random_values(size_t n, uint64_t seed) {
  Random rng(seed);
  std::vector<float> v(n);
  for (auto& x : v) x = rng.uniform(-2.0f, 2.0f);
  return v;
}

struct Case {
  int64_t head_dim, length;
  // 0: row r reads cache row r; 1: one cache row per row; 2: one per position; 3: one cache row
  // per two rows (as beam rows share their sentence's source)
  int map;
  int64_t heads = 2;
};

// softmax(q·Kᵀ/√d) over the kept positions and its weighted sum of V, in double, straight from
// the definition, for head dimensions the vector loops split differently (under 16, with a tail
// of 4, multiples of 16 and 64), lengths under and over sixteen positions, every way of finding
// cache rows, keys and values stored as f32 and as bf16 (the definition then takes the rounded
// values), with a mask and without one (null: every position kept), more heads than the value
// sums take in one block (8 × 64, 8 × 48), Transformer-small's heads (4 × 64, compiled for that
// shape with AVX-512; lengths with and without positions short of a group of four), and the
// sums blocked for either register count, which give the same bits.
TEST(CachedAttention, EqualsTheDefinitionInDouble) {
  for (const bool masked : {true, false})
    for (const bool bf16 : {false, true}) {
      for (const Case c : {Case{64, 24, 0}, Case{64, 1, 2}, Case{20, 17, 1}, Case{100, 40, 2},
                           Case{8, 5, 0}, Case{128, 33, 1}, Case{48, 16, 2}, Case{64, 24, 3, 8},
                           Case{48, 9, 2, 8}, Case{20, 7, 3, 8}, Case{64, 24, 0, 4},
                           Case{64, 7, 2, 4}, Case{64, 3, 3, 4}, Case{64, 1, 1, 4}}) {
        // Row-per-row maps read the last cache row, filled to its end (capacity = length).
        const int64_t rows = 3, heads = c.heads,
                      capacity = c.length + (c.map == 1 || c.map == 3 ? 0 : 2), cache_rows = 4;
        const int64_t d = c.head_dim;
        auto keys = random_values(static_cast<size_t>(cache_rows * heads * capacity * d), 1);
        auto values = random_values(keys.size(), 2);
        std::vector<uint16_t> keys_bf16(keys.size()), values_bf16(keys.size());
        to_bf16(keys.data(), static_cast<int64_t>(keys.size()), keys_bf16.data());
        to_bf16(values.data(), static_cast<int64_t>(keys.size()), values_bf16.data());
        if (bf16) {
          for (size_t i = 0; i < keys.size(); ++i) {
            keys[i] = from_bf16(keys_bf16[i]);
            values[i] = from_bf16(values_bf16[i]);
          }
        }
        const CacheValues cache = bf16 ? CacheValues{keys_bf16.data(), values_bf16.data(), true}
                                       : CacheValues{keys.data(), values.data(), false};
        const auto query = random_values(static_cast<size_t>(rows * heads * d), 3);
        std::vector<float> keep(static_cast<size_t>(rows * c.length), 1.0f);
        if (masked) {
          for (int64_t j = 0; j < c.length; j += 3) keep[static_cast<size_t>(j)] = 0.0f;  // row 0
          std::fill_n(keep.begin() + c.length, c.length, 0.0f);  // row 1 keeps nothing
        }
        std::vector<int32_t> map;
        for (int64_t r = 0; r < rows; ++r) {
          if (c.map == 1) map.push_back(static_cast<int32_t>(cache_rows - 1 - r));
          if (c.map == 3) map.push_back(static_cast<int32_t>(cache_rows - 1 - r / 2));
          if (c.map == 2) {
            for (int64_t j = 0; j < capacity; ++j) map.push_back(static_cast<int32_t>((r + j) % 4));
          }
        }
        const auto row_of = [&](int64_t r, int64_t j) -> int64_t {
          if (c.map == 1 || c.map == 3) return map[static_cast<size_t>(r)];
          if (c.map == 2) return map[static_cast<size_t>(r * capacity + j)];
          return r;
        };
        std::vector<float> weights(static_cast<size_t>(rows * heads * c.length), -1.0f);
        std::vector<float> context(static_cast<size_t>(rows * heads * d), -1.0f);
        const CachedAttentionShape shape{rows, heads, d, c.length, capacity};
        const CacheRows where{map.empty() ? nullptr : map.data(), c.map == 2};
        cached_attention(shape, query.data(), cache, where, masked ? keep.data() : nullptr,
                         weights.data(), context.data());
        for (const bool wide : {false, true}) {
          std::vector<float> w2(weights.size()), c2(context.size());
          detail::cached_attention(shape, query.data(), cache, where,
                                   masked ? keep.data() : nullptr, w2.data(), c2.data(), wide);
          EXPECT_EQ(std::memcmp(w2.data(), weights.data(), w2.size() * sizeof(float)), 0);
          EXPECT_EQ(std::memcmp(c2.data(), context.data(), c2.size() * sizeof(float)), 0)
              << (wide ? "wide" : "narrow") << " d " << d << " heads " << heads;
        }

        for (int64_t r = 0; r < rows; ++r) {
          for (int64_t h = 0; h < heads; ++h) {
            const auto at = [&](int64_t j, int64_t i) {
              return static_cast<size_t>(((row_of(r, j) * capacity + j) * heads + h) * d + i);
            };
            std::vector<double> w(static_cast<size_t>(c.length), 0.0);
            double total = 0;
            for (int64_t j = 0; j < c.length; ++j) {
              if (keep[static_cast<size_t>(r * c.length + j)] == 0.0f) continue;
              double dot = 0;
              for (int64_t i = 0; i < d; ++i) {
                dot += static_cast<double>(query[static_cast<size_t>((r * heads + h) * d + i)]) *
                       keys[at(j, i)];
              }
              w[static_cast<size_t>(j)] = std::exp(dot / std::sqrt(static_cast<double>(d)));
              total += w[static_cast<size_t>(j)];
            }
            for (int64_t j = 0; j < c.length; ++j) {
              const double expected = total > 0 ? w[static_cast<size_t>(j)] / total : 0.0;
              EXPECT_NEAR(weights[static_cast<size_t>((r * heads + h) * c.length + j)], expected,
                          1e-5)
                  << (bf16 ? "bf16" : "f32") << " d " << d << " length " << c.length << " row " << r
                  << " position " << j;
            }
            for (int64_t i = 0; i < d; ++i) {
              double expected = 0;
              for (int64_t j = 0; j < c.length && total > 0; ++j) {
                expected += w[static_cast<size_t>(j)] / total * values[at(j, i)];
              }
              EXPECT_NEAR(context[static_cast<size_t>((r * heads + h) * d + i)], expected, 1e-5)
                  << (bf16 ? "bf16" : "f32") << " d " << d << " length " << c.length << " row " << r
                  << " column " << i;
            }
          }
        }
      }
    }
}

// A NaN score at a kept position makes every weight NaN (it is not skipped); at a masked position
// it changes nothing, bit for bit.
TEST(CachedAttention, NanScoresShowOnlyWhereKept) {
  const int64_t d = 16, length = 5;
  auto keys = random_values(static_cast<size_t>(length * d), 4);
  const auto values = random_values(keys.size(), 5);
  const auto query = random_values(static_cast<size_t>(d), 6);
  const auto run = [&](const std::vector<float>& k, const std::vector<float>& keep) {
    std::vector<float> weights(static_cast<size_t>(length)), context(static_cast<size_t>(d));
    cached_attention({1, 1, d, length, length}, query.data(), {k.data(), values.data(), false}, {},
                     keep.data(), weights.data(), context.data());
    weights.insert(weights.end(), context.begin(), context.end());
    return weights;
  };
  std::vector<float> keep(static_cast<size_t>(length), 1.0f);
  keep[2] = 0.0f;
  const auto clean = run(keys, keep);
  keys[2 * d + 7] = NAN;  // position 2's score is NaN
  const auto masked = run(keys, keep);
  EXPECT_EQ(std::memcmp(clean.data(), masked.data(), clean.size() * sizeof(float)), 0);
  EXPECT_EQ(masked[2], 0.0f);
  keep[2] = 1.0f;
  for (const float x : run(keys, keep)) EXPECT_TRUE(std::isnan(x));
}

}  // namespace
}  // namespace huiyan::nn::kernels
