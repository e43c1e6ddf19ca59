#pragma once
// Scaled dot-product attention without the T×T matrix: keys and values are visited in blocks
// and the softmax is accumulated online (running max and sum), as in FlashAttention (Dao et al.
// 2022), forward and backward. Memory is O(T·d) instead of O(T²).
//
// Layout: q [BH, Tq, d], k [BH, Tk, d], v [BH, Tk, dv], out [BH, Tq, dv], BH = batch · heads.
// Masks: key_keep [batch, Tk] (null: all keys) and, when causal, key j visible from query i only
// if j <= i. A query that sees no key gets output 0.

#include <cstdint>

namespace huiyan::nn::kernels {

struct FusedAttentionShape {
  int64_t batch = 0;
  int64_t heads = 0;
  int64_t query_len = 0;
  int64_t key_len = 0;
  int64_t dim = 0;        // d, of queries and keys
  int64_t value_dim = 0;  // dv
  bool causal = false;
};

// Also writes the log-sum-exp of each query's scores, lse [BH, Tq], which backward needs.
void fused_attention_forward(const FusedAttentionShape& shape, const float* q, const float* k,
                             const float* v, const float* key_keep, float* out, float* lse);

// Writes (does not add) dq, dk, dv.
void fused_attention_backward(const FusedAttentionShape& shape, const float* q, const float* k,
                              const float* v, const float* key_keep, const float* out,
                              const float* lse, const float* dout, float* dq, float* dk, float* dv);

}  // namespace huiyan::nn::kernels
