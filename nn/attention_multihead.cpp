#include "nn/attention_multihead.h"

#include <cmath>
#include <stdexcept>

#include "nn/engine.h"
#include "nn/kernels/cached_attention.h"
#include "nn/kernels/convert.h"
#include "nn/kernels/parallel.h"

namespace huiyan::nn {

MultiHeadResult scaled_dot_product_attention(const Tensor& q, const Tensor& k, const Tensor& v,
                                             const Tensor& keep, float dropout_p, Random* rng) {
  const int64_t d = q.shape()[-1];
  const float scale = 1.0f / std::sqrt(static_cast<float>(d));
  // Scale whichever is smaller: the queries [.., Tq, d] or the scores [.., Tq, Tk].
  const Tensor scores = k.shape()[-2] > d ? matmul(affine(q, scale), k, false, true)
                                          : affine(matmul(q, k, false, true), scale);
  MultiHeadResult result;
  result.weights = keep.defined() ? masked_softmax(scores, keep) : softmax(scores);
  const Tensor used = dropout_p > 0 ? dropout(result.weights, dropout_p, *rng) : result.weights;
  result.output = matmul(used, v);
  return result;
}

Tensor attention_keep(Graph& graph, const Tensor& key_keep, int64_t batch, int64_t query_len,
                      int64_t key_len, bool causal, int64_t query_offset) {
  Tensor keep = graph.empty({batch, 1, query_len, key_len});
  float* out = keep.data();
  const float* keys = key_keep.defined() ? key_keep.data() : nullptr;
  kernels::parallel_rows(batch * query_len, key_len, [&](int64_t row) {
    const int64_t b = row / query_len;
    const int64_t i = row % query_len;
    float* o = out + row * key_len;
    for (int64_t j = 0; j < key_len; ++j) {
      const bool visible = !causal || j <= i + query_offset;
      const bool real = keys == nullptr || keys[b * key_len + j] != 0.0f;
      o[j] = visible && real ? 1.0f : 0.0f;
    }
  });
  return keep;
}

KvCache::KvCache(int64_t batch_, int64_t heads_, int64_t head_dim_, int64_t capacity_)
    : batch(batch_),
      heads(heads_),
      head_dim(head_dim_),
      capacity(capacity_),
      bf16_(Engine::get().precision() == Precision::bf16) {
  reserve_rows(batch_);
}

int64_t KvCache::cache_rows() const {
  const int64_t per_row = heads * capacity * head_dim;
  if (per_row <= 0) return batch;  // rows of nothing: as many as asked for
  const size_t size = bf16_ ? keys_bf16_.size() : keys_.size();
  return static_cast<int64_t>(size) / per_row;
}

void KvCache::reserve_rows(int64_t rows) {
  if (rows <= cache_rows()) return;
  const auto row_size = static_cast<size_t>(capacity * heads * head_dim);
  const auto size = static_cast<size_t>(rows) * row_size;
  const auto used = static_cast<size_t>(length * heads * head_dim);
  if (bf16_) {
    keys_bf16_.grow(size, row_size, used);
    values_bf16_.grow(size, row_size, used);
  } else {
    keys_.grow(size, row_size, used);
    values_.grow(size, row_size, used);
  }
}

void KvCache::store(int64_t at, const float* new_keys, const float* new_values, int64_t count) {
  const int64_t n = count * head_dim;
  if (bf16_) {
    kernels::to_bf16(new_keys, n, keys_bf16_.data() + at);
    kernels::to_bf16(new_values, n, values_bf16_.data() + at);
  } else {
    std::copy_n(new_keys, n, keys_.data() + at);
    std::copy_n(new_values, n, values_.data() + at);
  }
}

kernels::CacheValues KvCache::view() const {
  if (bf16_) return {keys_bf16_.data(), values_bf16_.data(), true};
  return {keys_.data(), values_.data(), false};
}

MultiHeadAttention::MultiHeadAttention(int64_t dim, int64_t heads, Random& rng,
                                       float attention_dropout)
    : q(dim, dim, rng),
      k(dim, dim, rng),
      v(dim, dim, rng),
      out(dim, dim, rng),
      heads_(heads),
      head_dim_(heads > 0 ? dim / heads : 0),
      dropout_(attention_dropout, rng.next()) {
  if (heads <= 0 || dim % heads != 0) {
    throw std::invalid_argument("multi-head attention: dim " + std::to_string(dim) +
                                " is not a multiple of " + std::to_string(heads) + " heads");
  }
  add_module("q", q);
  add_module("k", k);
  add_module("v", v);
  add_module("out", out);
  add_module("dropout", dropout_);
}

Tensor MultiHeadAttention::split_heads(const Tensor& x) const {
  const Shape& s = x.shape();
  return transpose(reshape(x, {s[0], s[1], heads_, head_dim_}), {0, 2, 1, 3});
}

Tensor MultiHeadAttention::merge_heads(const Tensor& x) const {
  const Shape& s = x.shape();
  return reshape(transpose(x, {0, 2, 1, 3}), {s[0], s[2], s[1] * s[3]});
}

MultiHeadResult MultiHeadAttention::operator()(const Tensor& query, const Tensor& key,
                                               const Tensor& value, const Tensor& key_keep,
                                               bool causal) {
  const Shape& qs = query.shape();
  const Shape& ks = key.shape();
  if (qs.rank != 3 || ks.rank != 3 || value.shape() != ks || qs[0] != ks[0] || qs[2] != ks[2]) {
    throw std::invalid_argument("multi-head attention: query " + qs.str() + ", key " + ks.str() +
                                ", value " + value.shape().str());
  }
  Graph& graph = graph_of({&query, &key, &value});
  const float p = training() ? dropout_.p() : 0.0f;
  // Long inputs without weights (or dropout on them): the fused kernel, no T×T matrix. Its causal
  // mask assumes queries and keys are the same positions.
  if (!need_weights && p == 0 && fused_from_ > 0 && ks[1] >= fused_from_ &&
      (!causal || qs[1] == ks[1])) {
    MultiHeadResult fused;
    fused.output = out(merge_heads(fused_attention(split_heads(q(query)), split_heads(k(key)),
                                                   split_heads(v(value)), key_keep, causal)));
    return fused;
  }
  Tensor keep;
  if (key_keep.defined() || causal) {
    keep = attention_keep(graph, key_keep, qs[0], qs[1], ks[1], causal);
  }
  MultiHeadResult heads = scaled_dot_product_attention(
      split_heads(q(query)), split_heads(k(key)), split_heads(v(value)), keep, p, &dropout_.rng());
  heads.output = out(merge_heads(heads.output));
  return heads;
}

MultiHeadResult MultiHeadAttention::attend_cache(const Tensor& query_heads, const KvCache& cache,
                                                 const Tensor& key_keep, kernels::CacheRows rows) {
  Graph& graph = graph_of({&query_heads});
  const int64_t batch = query_heads.shape()[0];
  if (key_keep.defined() && key_keep.shape() != Shape{batch, cache.length}) {
    throw std::invalid_argument("cached attention: key mask " + key_keep.shape().str() +
                                " does not match the cache");
  }
  MultiHeadResult result;
  result.weights = graph.empty({batch, heads_, 1, cache.length});
  Tensor context = graph.empty({batch, heads_, 1, head_dim_});
  kernels::cached_attention(
      {batch, heads_, head_dim_, cache.length, cache.capacity}, query_heads.data(), cache.view(),
      rows, key_keep.defined() ? key_keep.data() : nullptr, result.weights.data(), context.data());
  result.output = out(merge_heads(context));
  return result;
}

MultiHeadResult MultiHeadAttention::step(const Tensor& query, KvCache& cache) {
  if (query.requires_grad() || (query.graph() && query.graph()->recording())) {
    throw std::logic_error("MultiHeadAttention::step is for decoding: use it under NoGrad");
  }
  const Shape& qs = query.shape();
  if (qs.rank != 3 || qs[1] != 1 || qs[0] != cache.batch || cache.heads != heads_ ||
      cache.head_dim != head_dim_ || cache.cache_rows() < cache.batch) {
    throw std::invalid_argument("multi-head attention step: query " + qs.str() +
                                " does not match the cache");
  }
  if (cache.length == cache.capacity) {
    throw std::length_error("key/value cache full at " + std::to_string(cache.capacity) +
                            " positions");
  }
  const int64_t dim = heads_ * head_dim_;  // [B, 1, H · d] is a cache position's layout
  if (!cache.bf16()) {
    // Into the cache as they are computed: row b's new position is a cache row after row b - 1's.
    // Copying them there took 2-4 % of beam search, the positions being out of every cache.
    const int64_t at = cache.length * dim, rows_apart = cache.capacity * dim;
    linear_into(query, k.weight, k.bias, cache.f32_keys() + at, rows_apart);
    linear_into(query, v.weight, v.bias, cache.f32_values() + at, rows_apart);
  } else {
    const Tensor new_keys = k(query);
    const Tensor new_values = v(query);
    for (int64_t b = 0; b < cache.batch; ++b) {
      cache.store((b * cache.capacity + cache.length) * dim, new_keys.data() + b * dim,
                  new_values.data() + b * dim, heads_);
    }
  }
  const bool mapped = !cache.position_rows.empty();
  if (mapped) {
    for (int64_t r = 0; r < cache.batch; ++r) {
      cache.position_rows[static_cast<size_t>(r * cache.capacity + cache.length)] =
          static_cast<int32_t>(r);
    }
  }
  ++cache.length;
  return attend_cache(split_heads(q(query)), cache, Tensor(),
                      {mapped ? cache.position_rows.data() : nullptr, true});
}

KvCache MultiHeadAttention::precompute(const Tensor& memory) {
  const Shape& ms = memory.shape();
  KvCache cache(ms[0], heads_, head_dim_, ms[1]);
  const Tensor keys = k(memory);  // [B, Tk, H · d], packed as the cache is
  const Tensor values = v(memory);
  cache.store(0, keys.data(), values.data(), keys.numel() / head_dim_);
  cache.length = ms[1];
  return cache;
}

MultiHeadResult MultiHeadAttention::attend_cached(const Tensor& query, const KvCache& cache,
                                                  const Tensor& key_keep,
                                                  const std::vector<int32_t>* rows) {
  if (rows != nullptr && static_cast<int64_t>(rows->size()) != query.shape()[0]) {
    throw std::invalid_argument("cached attention: one cache row per query row");
  }
  return attend_cache(split_heads(q(query)), cache, key_keep,
                      {rows != nullptr ? rows->data() : nullptr, false});
}

}  // namespace huiyan::nn
