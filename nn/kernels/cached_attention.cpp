#include "nn/kernels/cached_attention.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "nn/kernels/convert.h"
#include "nn/kernels/lanes.h"
#include "nn/kernels/masked_softmax_row.h"
#include "nn/kernels/parallel.h"

namespace huiyan::nn::kernels {

namespace {

// Sixteen floats in one register (AVX-512; two or four registers on older targets).
using Vec = float __attribute__((vector_size(64)));
using Words = uint32_t __attribute__((vector_size(64)));
using HalfWords = uint16_t __attribute__((vector_size(32)));
constexpr int64_t kWidth = 16;

// A cached value as f32, for either storage.
[[gnu::always_inline]] inline float widen(float x) {
  return x;
}
[[gnu::always_inline]] inline float widen(bf16 x) {
  return from_bf16(x);
}

[[gnu::always_inline]] inline void load(const float* p, Vec& v) {
  std::memcpy(&v, p, sizeof v);
}
[[gnu::always_inline]] inline void load(const uint16_t* p, Vec& v) {
  HalfWords half;
  std::memcpy(&half, p, sizeof half);
  v = reinterpret_cast<Vec>(__builtin_convertvector(half, Words) << 16);
}

// Where one head's positions are: position j in cache row map[j] (or `row` when map is null),
// `row_stride` values per cache row, `position_stride` per position, `head_offset` to the head,
// `head_dim` values in it.
struct HeadLayout {
  const int32_t* map;
  int64_t row;
  int64_t row_stride;
  int64_t position_stride;
  int64_t head_offset;
  int64_t head_dim;
  template <typename T>
  const T* at(const T* cache, int64_t j) const {
    return cache + (map == nullptr ? row : map[j]) * row_stride + j * position_stride + head_offset;
  }
};

// context = Σ_j w[j] · v_j, 64 columns at a time held in registers over all positions (summing
// into `context` in memory made each position wait for the previous one's stores).
template <typename T>
[[gnu::always_inline]] inline void weighted_values(int64_t length, const float* w, const T* values,
                                                   const HeadLayout& layout, float* context) {
  const int64_t d = layout.head_dim;
  const int64_t whole = d / kWidth * kWidth;
  for (int64_t c = 0; c < whole; c += 4 * kWidth) {
    const int64_t vectors = std::min<int64_t>(4, (whole - c) / kWidth);
    Vec acc[4] = {};
    for (int64_t j = 0; j < length; ++j) {
      const T* value = layout.at(values, j) + c;
      const float wj = w[j];
      for (int64_t v = 0; v < 4; ++v) {  // a fixed count, so that acc stays in registers
        if (v < vectors) {
          Vec x;
          load(value + v * kWidth, x);
          acc[v] += wj * x;
        }
      }
    }
    std::memcpy(context + c, acc, static_cast<size_t>(vectors * kWidth) * sizeof(float));
  }
  for (int64_t i = whole; i < d; ++i) {
    float sum = 0;
    for (int64_t j = 0; j < length; ++j) sum += w[j] * widen(layout.at(values, j)[i]);
    context[i] = sum;
  }
}

template <typename T>
[[gnu::always_inline]] inline void attend(int64_t length, float scale, const float* q,
                                          const T* keys, const T* values, const HeadLayout& layout,
                                          const float* keep, float* w, float* context) {
  for (int64_t j = 0; j < length; ++j) {
    const T* key = layout.at(keys, j);
    w[j] = lane_sum(layout.head_dim, [&](int64_t i) { return q[i] * widen(key[i]); }) * scale;
  }
  // The mask is tested once, outside the loops (see masked_softmax_row).
  const bool kept = keep != nullptr ? masked_softmax_row(
                                          length, w, [&](int64_t j) { return keep[j] != 0.0f; }, w)
                                    : masked_softmax_row(
                                          length, w, [](int64_t) { return true; }, w);
  if (!kept) {
    std::fill_n(context, layout.head_dim, 0.0f);
    return;
  }
  weighted_values(length, w, values, layout, context);
}

// One (row, head); each storage type compiled for each vector target.
HUIYAN_VECTORIZED void attend_one(int64_t length, float scale, const float* q, const float* keys,
                                  const float* values, HeadLayout layout, const float* keep,
                                  float* w, float* context) {
  attend(length, scale, q, keys, values, layout, keep, w, context);
}

HUIYAN_VECTORIZED void attend_one(int64_t length, float scale, const float* q, const uint16_t* keys,
                                  const uint16_t* values, HeadLayout layout, const float* keep,
                                  float* w, float* context) {
  attend(length, scale, q, keys, values, layout, keep, w, context);
}

}  // namespace

void cached_attention(const CachedAttentionShape& s, const float* query, CacheValues cache,
                      CacheRows cache_rows, const float* keep, float* weights, float* context) {
  const float scale = 1.0f / std::sqrt(static_cast<float>(s.head_dim));
  parallel_rows(s.rows * s.heads, s.length * s.head_dim, [&](int64_t rh) {
    const int64_t row = rh / s.heads;
    HeadLayout layout{nullptr,
                      row,
                      s.capacity * s.heads * s.head_dim,
                      s.heads * s.head_dim,
                      (rh % s.heads) * s.head_dim,
                      s.head_dim};
    if (cache_rows.rows != nullptr && cache_rows.per_position) {
      layout.map = cache_rows.rows + row * s.capacity;
    } else if (cache_rows.rows != nullptr) {
      layout.row = cache_rows.rows[row];
    }
    const float* q = query + rh * s.head_dim;
    const float* row_keep = keep == nullptr ? nullptr : keep + row * s.length;
    float* w = weights + rh * s.length;
    float* c = context + rh * s.head_dim;
    if (cache.bf16) {
      attend_one(s.length, scale, q, static_cast<const uint16_t*>(cache.keys),
                 static_cast<const uint16_t*>(cache.values), layout, row_keep, w, c);
    } else {
      attend_one(s.length, scale, q, static_cast<const float*>(cache.keys),
                 static_cast<const float*>(cache.values), layout, row_keep, w, c);
    }
  });
}

}  // namespace huiyan::nn::kernels
