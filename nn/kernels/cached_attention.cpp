#include "nn/kernels/cached_attention.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

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

// Where a row's positions are: position j in cache row map[j] (or `row` when map is null),
// `row_stride` values per cache row, `position_stride` per position (every head's values of a
// position are together).
struct RowLayout {
  const int32_t* map;
  int64_t row;
  int64_t row_stride;
  int64_t position_stride;
  template <typename T>
  const T* at(const T* cache, int64_t j) const {
    return cache + (map == nullptr ? row : map[j]) * row_stride + j * position_stride;
  }
};

// Vectors of context held in registers over all positions: with AVX-512's 32 registers, 16 (256
// columns: all of a position's values in Transformer-small, 4 heads × 64) in one pass front to
// back; with 16 registers (AVX2, where a vector takes two), 4, so that none spills to memory.
constexpr int64_t kWideBlock = 16;
constexpr int64_t kNarrowBlock = 4;

// context[c] = Σ_j w_h[j] · v_j[c] for columns c in [begin, end) of a position's values, where h
// is c's head and w_h = w + h · length. end - begin is a multiple of kWidth and no vector of
// kWidth columns straddles two heads. Summing into `context` in memory made each position wait
// for the previous one's stores, so the sums stay in registers.
template <int64_t kBlock, bool kWhole, typename T>
[[gnu::always_inline]] inline void block_sums(int64_t length, int64_t vectors,
                                              const float* const (&head_weights)[kBlock],
                                              const T* values, const RowLayout& layout, int64_t c,
                                              float* context) {
  Vec acc[kBlock] = {};
  for (int64_t j = 0; j < length; ++j) {
    const T* value = layout.at(values, j) + c;
    for (int64_t v = 0; v < kBlock; ++v) {  // a fixed count, so that acc stays in registers
      if (kWhole || v < vectors) {
        Vec x;
        load(value + v * kWidth, x);
        acc[v] += head_weights[v][j] * x;
      }
    }
  }
  std::memcpy(context + c, acc, static_cast<size_t>(vectors * kWidth) * sizeof(float));
}

template <int64_t kBlock, typename T>
[[gnu::always_inline]] inline void weighted_values(int64_t length, int64_t head_dim, const float* w,
                                                   const T* values, const RowLayout& layout,
                                                   int64_t begin, int64_t end, float* context) {
  for (int64_t c = begin; c < end; c += kBlock * kWidth) {
    const int64_t vectors = std::min<int64_t>(kBlock, (end - c) / kWidth);
    const float* head_weights[kBlock];
    for (int64_t v = 0; v < kBlock; ++v) {
      head_weights[v] = w + (c + std::min(v, vectors - 1) * kWidth) / head_dim * length;
    }
    // A whole block tests no vector count at each position (that took a quarter of the time).
    if (vectors == kBlock) {
      block_sums<kBlock, true>(length, vectors, head_weights, values, layout, c, context);
    } else {
      block_sums<kBlock, false>(length, vectors, head_weights, values, layout, c, context);
    }
  }
}

// How a row reads its cache. `prefetch`: request each position's keys two positions ahead and its
// values while scoring, as the hardware prefetchers do not foresee where the next position lies
// (beam search's cache maps scatter positions) or start late on a new row. Measured from memory,
// 64 rows × 24 positions of 4 heads: 30 % faster without a map, 27 % with beam search's
// per-position maps; 15 % slower when the previous row read the same cache row (beam rows of one
// sentence), which is then in cache. `wide_registers`: the CPU has AVX-512's 32 vector registers.
struct RowReads {
  bool prefetch;
  bool wide_registers;
};

// weighted_values blocked for the registers the CPU has. (Not a lambda: GCC compiles a lambda in
// a target_clones function for the default target, and this one ran at half speed that way.)
template <typename T>
[[gnu::always_inline]] inline void value_sums(RowReads reads, int64_t length, int64_t head_dim,
                                              const float* w, const T* values,
                                              const RowLayout& layout, int64_t begin, int64_t end,
                                              float* context) {
  if (reads.wide_registers) {
    weighted_values<kWideBlock>(length, head_dim, w, values, layout, begin, end, context);
  } else {
    weighted_values<kNarrowBlock>(length, head_dim, w, values, layout, begin, end, context);
  }
}

// Positions ahead whose keys are requested while a score is computed.
constexpr int64_t kPrefetchDistance = 2;

// Asks for the cache lines of one position's values (or keys), every head's.
template <typename T>
[[gnu::always_inline]] inline void prefetch_position(const T* position, int64_t values) {
  const auto* bytes = reinterpret_cast<const char*>(position);
  for (int64_t b = 0; b < values * static_cast<int64_t>(sizeof(T)); b += 64) {
    __builtin_prefetch(bytes + b);
  }
}

// The lane sums of sixteen vectors at once: sums[p] = Σ_l acc[p][l], each added in lane_sum's
// order (lane l with l + 8, then with l + 4, then (0 + 2) + (1 + 3)), so that a score has the same
// bits either way. Summed one vector at a time, the shuffles cost more than the products.
[[gnu::always_inline]] inline void lane_sums_of_16(const Vec (&acc)[16], Vec& sums) {
  Vec eights[8];  // lanes 0-7: vector 2k's eight sums; lanes 8-15: vector 2k+1's
  for (int k = 0; k < 8; ++k) {
    eights[k] = __builtin_shufflevector(acc[2 * k], acc[2 * k + 1], 0, 1, 2, 3, 4, 5, 6, 7, 16, 17,
                                        18, 19, 20, 21, 22, 23) +
                __builtin_shufflevector(acc[2 * k], acc[2 * k + 1], 8, 9, 10, 11, 12, 13, 14, 15,
                                        24, 25, 26, 27, 28, 29, 30, 31);
  }
  Vec fours[4];  // four sums each of vectors 4k .. 4k+3, in order
  for (int k = 0; k < 4; ++k) {
    fours[k] = __builtin_shufflevector(eights[2 * k], eights[2 * k + 1], 0, 1, 2, 3, 8, 9, 10, 11,
                                       16, 17, 18, 19, 24, 25, 26, 27) +
               __builtin_shufflevector(eights[2 * k], eights[2 * k + 1], 4, 5, 6, 7, 12, 13, 14, 15,
                                       20, 21, 22, 23, 28, 29, 30, 31);
  }
  Vec pairs[2];  // (four0 + four2, four1 + four3) of vectors 8k .. 8k+7, in order
  for (int k = 0; k < 2; ++k) {
    pairs[k] = __builtin_shufflevector(fours[2 * k], fours[2 * k + 1], 0, 1, 4, 5, 8, 9, 12, 13, 16,
                                       17, 20, 21, 24, 25, 28, 29) +
               __builtin_shufflevector(fours[2 * k], fours[2 * k + 1], 2, 3, 6, 7, 10, 11, 14, 15,
                                       18, 19, 22, 23, 26, 27, 30, 31);
  }
  sums = __builtin_shufflevector(pairs[0], pairs[1], 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24,
                                 26, 28, 30) +
         __builtin_shufflevector(pairs[0], pairs[1], 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25,
                                 27, 29, 31);
}

// Requests position j's keys kPrefetchDistance positions ahead and its values (see RowReads).
template <typename T>
[[gnu::always_inline]] inline void prefetch_for_scores(const T* keys, const T* values,
                                                       const RowLayout& layout, int64_t j,
                                                       int64_t length, int64_t width) {
  if (j + kPrefetchDistance < length) {
    prefetch_position(layout.at(keys, j + kPrefetchDistance), width);
  }
  prefetch_position(layout.at(values, j), width);
}

// w[h · length + j] = q_h·k_{j,h} · scale for every head h and the positions j in [begin, end).
template <typename T>
[[gnu::always_inline]] inline void scores(const CachedAttentionShape& s, float scale,
                                          const float* q, const T* keys, const T* values,
                                          const RowLayout& layout, RowReads reads, int64_t begin,
                                          int64_t end, float* w) {
  const int64_t length = s.length, d = s.head_dim, width = s.heads * s.head_dim;
  for (int64_t j = begin; j < end; ++j) {
    if (reads.prefetch) prefetch_for_scores(keys, values, layout, j, length, width);
    const T* key = layout.at(keys, j);
    for (int64_t h = 0; h < s.heads; ++h) {
      const float* qh = q + h * d;
      const T* kh = key + h * d;
      w[h * length + j] = lane_sum(d, [&](int64_t i) { return qh[i] * widen(kh[i]); }) * scale;
    }
  }
}

// As scores over every position, for a shape known when compiling (kHeads dividing 16, heads of
// whole vectors, as in Transformer-small and base): the query stays in registers, and the
// products of 16 / kHeads positions are summed across their lanes together (the last positions
// short of that many go one by one). Same bits as scores, as long as GCC fuses the products and
// sums of both alike, which it does within one vector target (tests compare them on the host's).
template <int64_t kHeads, int64_t kHeadDim, typename T>
[[gnu::always_inline]] inline void fixed_shape_scores(const CachedAttentionShape& s, float scale,
                                                      const float* q, const T* keys,
                                                      const T* values, const RowLayout& layout,
                                                      RowReads reads, float* w) {
  static_assert(16 % kHeads == 0 && kHeadDim % kWidth == 0);
  constexpr int64_t kPerHead = kHeadDim / kWidth, kPositions = 16 / kHeads;
  const int64_t length = s.length, whole = length / kPositions * kPositions;
  Vec query[kHeads * kPerHead];
#pragma GCC unroll 16
  for (int64_t v = 0; v < kHeads * kPerHead; ++v) load(q + v * kWidth, query[v]);
  for (int64_t first = 0; first < whole; first += kPositions) {
    Vec acc[16];
#pragma GCC unroll 16
    for (int64_t p = 0; p < kPositions; ++p) {
      if (reads.prefetch) {
        prefetch_for_scores(keys, values, layout, first + p, length, kHeads * kHeadDim);
      }
      const T* key = layout.at(keys, first + p);
#pragma GCC unroll 16
      for (int64_t h = 0; h < kHeads; ++h) {
        Vec sum = {};
#pragma GCC unroll 16
        for (int64_t v = h * kPerHead; v < (h + 1) * kPerHead; ++v) {
          Vec k;
          load(key + v * kWidth, k);
          sum += query[v] * k;
        }
        acc[p * kHeads + h] = sum;
      }
    }
    Vec sums;
    lane_sums_of_16(acc, sums);
#pragma GCC unroll 16
    for (int64_t p = 0; p < kPositions; ++p) {
#pragma GCC unroll 16
      for (int64_t h = 0; h < kHeads; ++h) w[h * length + first + p] = sums[p * kHeads + h] * scale;
    }
  }
  scores(s, scale, q, keys, values, layout, reads, whole, length, w);
}

// As value_sums over every column, for a shape known when compiling (heads of whole vectors, all
// of a position's values in kBlock vectors): each head's weight is read once per position.
template <int64_t kHeads, int64_t kHeadDim, typename T>
[[gnu::always_inline]] inline void fixed_shape_value_sums(int64_t length, const float* w,
                                                          const T* values, const RowLayout& layout,
                                                          float* context) {
  constexpr int64_t kPerHead = kHeadDim / kWidth;
  static_assert(kHeadDim % kWidth == 0 && kHeads * kPerHead <= kWideBlock);
  Vec acc[kHeads * kPerHead] = {};
  for (int64_t j = 0; j < length; ++j) {
    const T* value = layout.at(values, j);
#pragma GCC unroll 16
    for (int64_t h = 0; h < kHeads; ++h) {
      const float weight = w[h * length + j];
#pragma GCC unroll 16
      for (int64_t v = h * kPerHead; v < (h + 1) * kPerHead; ++v) {
        Vec x;
        load(value + v * kWidth, x);
        acc[v] += weight * x;
      }
    }
  }
  std::memcpy(context, acc, sizeof acc);
}

// Every head of one row. Positions are read whole, front to back, once for the scores and once
// for the values: one (row, head) at a time read a quarter of each position's values with gaps
// between, which the hardware prefetchers followed poorly (from memory, 64 rows × 24 positions
// of 4 heads took 227 µs that way and 124 µs this way).
template <typename T>
[[gnu::always_inline]] inline void attend(const CachedAttentionShape& s, float scale,
                                          const float* q, const T* keys, const T* values,
                                          const RowLayout& layout, RowReads reads,
                                          const float* keep, float* w, char* kept, float* context) {
  const int64_t length = s.length, d = s.head_dim;
  // Transformer-small's heads (4 × 64) with their shape fixed when compiling: 25-40 % faster.
  // (Only with AVX-512's 32 registers: the query alone takes 16.)
  const bool small_heads = s.heads == 4 && d == 64 && reads.wide_registers;
  if (small_heads) {
    fixed_shape_scores<4, 64>(s, scale, q, keys, values, layout, reads, w);
  } else {
    scores(s, scale, q, keys, values, layout, reads, 0, length, w);
  }
  for (int64_t h = 0; h < s.heads; ++h) {
    float* wh = w + h * length;
    // The mask is tested once, outside the loops (see masked_softmax_row).
    kept[h] = keep != nullptr ? masked_softmax_row(
                                    length, wh, [&](int64_t j) { return keep[j] != 0.0f; }, wh)
                              : masked_softmax_row(
                                    length, wh, [](int64_t) { return true; }, wh);
  }
  if (small_heads) {
    fixed_shape_value_sums<4, 64>(length, w, values, layout, context);
  } else if (d % kWidth == 0) {
    value_sums(reads, length, d, w, values, layout, 0, s.heads * d, context);
  } else {
    const int64_t whole = d / kWidth * kWidth;
    for (int64_t h = 0; h < s.heads; ++h) {
      value_sums(reads, length, d, w, values, layout, h * d, h * d + whole, context);
      for (int64_t i = h * d + whole; i < (h + 1) * d; ++i) {
        float sum = 0;
        for (int64_t j = 0; j < length; ++j)
          sum += w[h * length + j] * widen(layout.at(values, j)[i]);
        context[i] = sum;
      }
    }
  }
  // A head that keeps nothing attends to nothing (not 0 · v, which is NaN for an infinite v).
  for (int64_t h = 0; h < s.heads; ++h) {
    if (kept[h] == 0) std::fill_n(context + h * d, d, 0.0f);
  }
}

// One row; each storage type compiled for each vector target.
HUIYAN_VECTORIZED void attend_row(const CachedAttentionShape& s, float scale, const float* q,
                                  const float* keys, const float* values, RowLayout layout,
                                  RowReads reads, const float* keep, float* w, char* kept,
                                  float* context) {
  attend(s, scale, q, keys, values, layout, reads, keep, w, kept, context);
}

HUIYAN_VECTORIZED void attend_row(const CachedAttentionShape& s, float scale, const float* q,
                                  const uint16_t* keys, const uint16_t* values, RowLayout layout,
                                  RowReads reads, const float* keep, float* w, char* kept,
                                  float* context) {
  attend(s, scale, q, keys, values, layout, reads, keep, w, kept, context);
}

}  // namespace

void cached_attention(const CachedAttentionShape& s, const float* query, CacheValues cache,
                      CacheRows cache_rows, const float* keep, float* weights, float* context) {
  // The test of the clone that target_clones picks for x86-64-v4.
  static const bool wide_registers = __builtin_cpu_supports("x86-64-v4");
  detail::cached_attention(s, query, cache, cache_rows, keep, weights, context, wide_registers);
}

void detail::cached_attention(const CachedAttentionShape& s, const float* query, CacheValues cache,
                              CacheRows cache_rows, const float* keep, float* weights,
                              float* context, bool wide_registers) {
  const float scale = 1.0f / std::sqrt(static_cast<float>(s.head_dim));
  const int64_t width = s.heads * s.head_dim;
  const int64_t grain = std::max<int64_t>(1, 16384 / std::max<int64_t>(s.length * width, 1));
  parallel_chunks(s.rows, grain, [&](int64_t begin, int64_t end) {
    std::vector<char> kept(static_cast<size_t>(s.heads));
    for (int64_t row = begin; row < end; ++row) {
      RowLayout layout{nullptr, row, s.capacity * width, width};
      RowReads reads{true, wide_registers};
      if (cache_rows.rows != nullptr && cache_rows.per_position) {
        layout.map = cache_rows.rows + row * s.capacity;
      } else if (cache_rows.rows != nullptr) {
        layout.row = cache_rows.rows[row];
        reads.prefetch = row == begin || cache_rows.rows[row - 1] != layout.row;
      }
      const float* q = query + row * width;
      const float* row_keep = keep == nullptr ? nullptr : keep + row * s.length;
      float* w = weights + row * s.heads * s.length;
      float* c = context + row * width;
      if (cache.bf16) {
        attend_row(s, scale, q, static_cast<const uint16_t*>(cache.keys),
                   static_cast<const uint16_t*>(cache.values), layout, reads, row_keep, w,
                   kept.data(), c);
      } else {
        attend_row(s, scale, q, static_cast<const float*>(cache.keys),
                   static_cast<const float*>(cache.values), layout, reads, row_keep, w, kept.data(),
                   c);
      }
    }
  });
}

}  // namespace huiyan::nn::kernels
