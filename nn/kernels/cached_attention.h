#pragma once
// Attention of one new query per (row, head) over a key/value cache, as decoding needs it:
// w = softmax(q·Kᵀ / √d) over the kept positions (masked ones get exactly 0; a row keeping
// nothing gets all zeros and a zero context), context = w·V. One loop per row over all its heads
// instead of two batched products of a single row each, which spend their time in call overhead.

#include <cstdint>

namespace huiyan::nn::kernels {

struct CachedAttentionShape {
  int64_t rows = 0;  // batch rows; each has `heads` heads
  int64_t heads = 0;
  int64_t head_dim = 0;
  int64_t length = 0;    // cached positions to attend to
  int64_t capacity = 0;  // positions allocated per (row, head) in the cache
};

// Where a row's keys and values are: the cache row holding position j of row r is
// rows[r · capacity + j] (per_position), rows[r] (every position), or r itself (rows null). Beam
// search reorders hypotheses by rewriting these maps instead of copying caches, and the beam rows
// of one sentence read one copy of its source.
struct CacheRows {
  const int32_t* rows = nullptr;
  bool per_position = false;
};

// Keys and values [cache rows, capacity, heads, head_dim] each (a position's heads together, as
// the key and value projections give them), as f32 or as bf16 (uint16_t).
struct CacheValues {
  const void* keys = nullptr;
  const void* values = nullptr;
  bool bf16 = false;
};

// query [rows, heads, head_dim]; keep [rows, length] or null (keep everything); weights
// [rows, heads, length]; context [rows, heads, head_dim].
void cached_attention(const CachedAttentionShape& shape, const float* query, CacheValues cache,
                      CacheRows cache_rows, const float* keep, float* weights, float* context);

namespace detail {
// As cached_attention, with the value sums blocked for AVX-512's 32 vector registers or for 16
// (cached_attention picks by the CPU): for tests, which check that both give the same bits.
void cached_attention(const CachedAttentionShape& shape, const float* query, CacheValues cache,
                      CacheRows cache_rows, const float* keep, float* weights, float* context,
                      bool wide_registers);
}  // namespace detail

}  // namespace huiyan::nn::kernels
