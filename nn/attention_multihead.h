#pragma once
// Vaswani et al. 2017: Attention(Q, K, V) = softmax(QKᵀ/√d_k + mask) V; MultiHead(Q, K, V) =
// Concat(head₁, …, head_h) W^O, headᵢ = Attention(Q Wᵢ^Q, K Wᵢ^K, V Wᵢ^V).
//
// Masks are "keep" tensors (1 = may attend): the additive mask of the paper with -∞ for 0, done
// by a masked softmax, so masked weights are exactly 0 and a row with nothing to attend to is 0.

#include <cstring>
#include <memory>
#include <vector>

#include "nn/kernels/cached_attention.h"
#include "nn/layers.h"

namespace huiyan::nn {

struct MultiHeadResult {
  Tensor output;   // [batch, query_len, dim] (or [batch, heads, query_len, head_dim] for the op)
  Tensor weights;  // [batch, heads, query_len, key_len], before attention dropout
};

// q [B, H, Tq, d], k [B, H, Tk, d], v [B, H, Tk, dv]; keep broadcastable to [B, H, Tq, Tk] or
// undefined; dropout on the weights with probability `dropout` drawn from `rng` (may be null when
// dropout is 0).
MultiHeadResult scaled_dot_product_attention(const Tensor& q, const Tensor& k, const Tensor& v,
                                             const Tensor& keep, float dropout = 0,
                                             Random* rng = nullptr);

// keep [batch, 1, query_len, key_len]: key_keep [batch, key_len] (undefined: all keys) and, when
// causal, key j visible from query i only if j <= i + query_offset.
Tensor attention_keep(Graph& graph, const Tensor& key_keep, int64_t batch, int64_t query_len,
                      int64_t key_len, bool causal, int64_t query_offset = 0);

// A cache's storage, rows of row_size entries, left uninitialized: every entry is written before
// attention reads it (zero-filling a batch's caches took about 2 % of decoding).
template <typename T>
class CacheBuffer {
 public:
  size_t size() const { return size_; }
  T* data() { return data_.get(); }
  const T* data() const { return data_.get(); }
  // Grows to `size` entries, keeping the first `used` entries of each row it had (the positions
  // filled so far: beam search grows its caches after the first step, when one is).
  void grow(size_t size, size_t row_size, size_t used) {
    if (size <= size_) return;
    auto bigger = std::make_unique_for_overwrite<T[]>(size);
    // Bytes, not values: a row that stopped decoding early left some of them unwritten.
    for (size_t at = 0; at + row_size <= size_; at += row_size) {
      std::memcpy(bigger.get() + at, data_.get() + at, used * sizeof(T));
    }
    data_ = std::move(bigger);
    size_ = size;
  }

 private:
  std::unique_ptr<T[]> data_;
  size_t size_ = 0;
};

// Keys and values of one attention layer kept across decoding steps, [cache rows, capacity,
// heads, head_dim] each; positions [0, length) are filled. `batch` rows decode; row r's
// position j is held by cache row position_rows[r · capacity + j] when position_rows is set
// (beam search reorders rows by rewriting it; the newest position is always written to row r
// itself), else by row r. In bf16 precision (Engine::precision when the cache is made) keys and
// values are kept rounded to bf16, as PyTorch's autocast keeps its caches: that halves what each
// decoding step reads, which bounds its attention. (The uncached path rounds them only where its
// score products run in bf16, so the two then differ by that rounding.)
class KvCache {
 public:
  int64_t batch = 0;
  int64_t heads = 0;
  int64_t head_dim = 0;
  int64_t capacity = 0;
  int64_t length = 0;
  std::vector<int32_t> position_rows;

  KvCache() = default;
  KvCache(int64_t batch, int64_t heads, int64_t head_dim, int64_t capacity);

  int64_t cache_rows() const;
  // Room for `rows` cache rows (never fewer than it has).
  void reserve_rows(int64_t rows);
  // Stores `count` consecutive head_dim-sized keys and values from element `at` on.
  void store(int64_t at, const float* new_keys, const float* new_values, int64_t count);
  kernels::CacheValues view() const;
  bool bf16() const { return bf16_; }
  // The f32 storage, for products that write a position of every row in place (null in bf16).
  float* f32_keys() { return bf16_ ? nullptr : keys_.data(); }
  float* f32_values() { return bf16_ ? nullptr : values_.data(); }

 private:
  bool bf16_ = false;
  CacheBuffer<float> keys_;  // f32 storage
  CacheBuffer<float> values_;
  CacheBuffer<uint16_t> keys_bf16_;  // bf16 storage
  CacheBuffer<uint16_t> values_bf16_;
};

class MultiHeadAttention : public Module {
 public:
  MultiHeadAttention(int64_t dim, int64_t heads, Random& rng, float attention_dropout = 0);

  // query [B, Tq, D], key and value [B, Tk, D]; key_keep [B, Tk] or undefined.
  MultiHeadResult operator()(const Tensor& query, const Tensor& key, const Tensor& value,
                             const Tensor& key_keep, bool causal);

  // Incremental self-attention for decoding (no gradient): query [B, 1, D] is the newest position;
  // its key and value join `cache`, and it attends to every cached position.
  MultiHeadResult step(const Tensor& query, KvCache& cache);
  // Cross-attention for decoding: the memory's keys and values projected once...
  KvCache precompute(const Tensor& memory);
  // ...then attended by each new query [B, 1, D] (key_keep [B, Tk] or undefined); query row r
  // reads cache row rows[r] when `rows` is given (beam rows of one sentence share its memory).
  MultiHeadResult attend_cached(const Tensor& query, const KvCache& cache, const Tensor& key_keep,
                                const std::vector<int32_t>* rows = nullptr);

  // From this key length on, attention without weights runs the fused kernel (no T×T matrix);
  // 0 turns it off. Weights are then not returned (MultiHeadResult::weights undefined) unless
  // asked for with need_weights.
  void set_fused_from(int64_t key_len) { fused_from_ = key_len; }
  bool need_weights = true;

  int64_t heads() const { return heads_; }
  int64_t head_dim() const { return head_dim_; }

  Linear q;
  Linear k;
  Linear v;
  Linear out;

 private:
  Tensor split_heads(const Tensor& x) const;  // [B, T, D] -> [B, H, T, d]
  Tensor merge_heads(const Tensor& x) const;  // [B, H, T, d] -> [B, T, D]
  MultiHeadResult attend_cache(const Tensor& query_heads, const KvCache& cache,
                               const Tensor& key_keep, kernels::CacheRows rows);

  int64_t heads_;
  int64_t head_dim_;
  int64_t fused_from_ = 256;
  Dropout dropout_;
};

}  // namespace huiyan::nn
