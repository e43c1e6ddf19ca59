#include "nn/kernels/cached_attention.h"

#include <algorithm>
#include <cmath>

#include "nn/kernels/fast_exp.h"
#include "nn/kernels/lanes.h"
#include "nn/kernels/parallel.h"

namespace huiyan::nn::kernels {

namespace {

// Where one head's positions are: position j in cache row map[j] (or `row` when map is null),
// `row_stride` floats per cache row, `head_dim` per position.
struct HeadLayout {
  const int32_t* map;
  int64_t row;
  int64_t row_stride;
  int64_t head_offset;
  int64_t offset(int64_t j, int64_t d) const {
    return (map == nullptr ? row : map[j]) * row_stride + head_offset + j * d;
  }
};

HUIYAN_VECTORIZED void attend_one(int64_t d, int64_t length, float scale, const float* q,
                                  const float* keys, const float* values, HeadLayout layout,
                                  const float* keep, float* w, float* context) {
  const auto offset = [&](int64_t j) { return layout.offset(j, d); };
  float max = -INFINITY;
  for (int64_t j = 0; j < length; ++j) {
    const float* key = keys + offset(j);
    w[j] = lane_sum(d, [&](int64_t i) { return q[i] * key[i]; }) * scale;
    // A NaN score sticks (std::max would skip it), so it shows in the weights.
    const bool kept = keep == nullptr || keep[j] != 0.0f;
    if (kept && max == max && (w[j] > max || w[j] != w[j])) max = w[j];
  }
  std::fill_n(context, d, 0.0f);
  if (max == -INFINITY) {  // nothing kept
    std::fill_n(w, length, 0.0f);
    return;
  }
  float sum = 0;
  for (int64_t j = 0; j < length; ++j) {
    w[j] = keep == nullptr || keep[j] != 0.0f ? exp_fast(w[j] - max) : 0.0f;
    sum += w[j];
  }
  const float inverse = 1.0f / sum;
  for (int64_t j = 0; j < length; ++j) {
    w[j] *= inverse;
    const float* value = values + offset(j);
    for (int64_t i = 0; i < d; ++i) context[i] += w[j] * value[i];
  }
}

}  // namespace

void cached_attention(const CachedAttentionShape& s, const float* query, const float* keys,
                      const float* values, CacheRows cache_rows, const float* keep, float* weights,
                      float* context) {
  const float scale = 1.0f / std::sqrt(static_cast<float>(s.head_dim));
  parallel_rows(s.rows * s.heads, s.length * s.head_dim, [&](int64_t rh) {
    const int64_t row = rh / s.heads;
    HeadLayout layout{nullptr, row, s.heads * s.capacity * s.head_dim,
                      (rh % s.heads) * s.capacity * s.head_dim};
    if (cache_rows.rows != nullptr && cache_rows.per_position) {
      layout.map = cache_rows.rows + row * s.capacity;
    } else if (cache_rows.rows != nullptr) {
      layout.row = cache_rows.rows[row];
    }
    attend_one(s.head_dim, s.length, scale, query + rh * s.head_dim, keys, values, layout,
               keep == nullptr ? nullptr : keep + row * s.length, weights + rh * s.length,
               context + rh * s.head_dim);
  });
}

}  // namespace huiyan::nn::kernels
