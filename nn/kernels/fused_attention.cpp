#include "nn/kernels/fused_attention.h"

#include <dnnl.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "nn/kernels/fast_exp.h"

namespace huiyan::nn::kernels {

namespace {

constexpr int64_t kQueryBlock = 64;
constexpr int64_t kKeyBlock = 128;

// Row-major C[m, n] = alpha · op(A) op(B) + beta · C, on one thread (we are inside a parallel
// loop already; oneDNN's sgemm then stays on the calling thread).
void sgemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
           int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  dnnl_sgemm(ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

// Whether key j is visible from query i of batch b.
struct Visibility {
  const FusedAttentionShape& s;
  const float* key_keep;
  bool operator()(int64_t b, int64_t i, int64_t j) const {
    if (s.causal && j > i) return false;
    return key_keep == nullptr || key_keep[b * s.key_len + j] != 0.0f;
  }
  // Keys past this one are invisible to every query in [.., last_query] (causal), so blocks can
  // stop early.
  int64_t key_end(int64_t last_query) const {
    return s.causal ? std::min(s.key_len, last_query + 1) : s.key_len;
  }
};

}  // namespace

void fused_attention_forward(const FusedAttentionShape& s, const float* q, const float* k,
                             const float* v, const float* key_keep, float* out, float* lse) {
  const int64_t bh_count = s.batch * s.heads;
  const int64_t query_blocks = (s.query_len + kQueryBlock - 1) / kQueryBlock;
  const float scale = 1.0f / std::sqrt(static_cast<float>(s.dim));
  const Visibility visible{s, key_keep};
#pragma omp parallel
  {
    std::vector<float> scores(kQueryBlock * kKeyBlock);
    std::vector<float> acc(kQueryBlock * s.value_dim);
    std::vector<float> row_max(kQueryBlock);
    std::vector<float> row_sum(kQueryBlock);
#pragma omp for schedule(dynamic, 1)
    for (int64_t job = 0; job < bh_count * query_blocks; ++job) {
      const int64_t bh = job / query_blocks;
      const int64_t b = bh / s.heads;
      const int64_t q0 = (job % query_blocks) * kQueryBlock;
      const int64_t rows = std::min(kQueryBlock, s.query_len - q0);
      const float* qb = q + (bh * s.query_len + q0) * s.dim;
      std::fill_n(acc.begin(), rows * s.value_dim, 0.0f);
      std::fill_n(row_max.begin(), rows, -INFINITY);
      std::fill_n(row_sum.begin(), rows, 0.0f);
      const int64_t key_end = visible.key_end(q0 + rows - 1);
      for (int64_t k0 = 0; k0 < key_end; k0 += kKeyBlock) {
        const int64_t cols = std::min(kKeyBlock, key_end - k0);
        // S = Q Kᵀ / √d for this block.
        sgemm(false, true, rows, cols, s.dim, scale, qb, s.dim, k + (bh * s.key_len + k0) * s.dim,
              s.dim, 0.0f, scores.data(), cols);
        for (int64_t r = 0; r < rows; ++r) {
          float* row = scores.data() + r * cols;
          float block_max = -INFINITY;
          for (int64_t c = 0; c < cols; ++c) {
            if (!visible(b, q0 + r, k0 + c)) row[c] = -INFINITY;
            block_max = std::max(block_max, row[c]);
          }
          const float new_max = std::max(row_max[r], block_max);
          if (new_max == -INFINITY) {  // nothing visible yet
            std::fill_n(row, cols, 0.0f);
            continue;
          }
          // Rescale what was accumulated under the old maximum.
          const float correction = exp_below_88(row_max[r] - new_max);
          float sum = 0;
          for (int64_t c = 0; c < cols; ++c) {
            row[c] = exp_below_88(row[c] - new_max);
            sum += row[c];
          }
          row_sum[r] = row_sum[r] * correction + sum;
          row_max[r] = new_max;
          float* a = acc.data() + r * s.value_dim;
          for (int64_t c = 0; c < s.value_dim; ++c) a[c] *= correction;
        }
        // acc += P V for this block.
        sgemm(false, false, rows, s.value_dim, cols, 1.0f, scores.data(), cols,
              v + (bh * s.key_len + k0) * s.value_dim, s.value_dim, 1.0f, acc.data(), s.value_dim);
      }
      for (int64_t r = 0; r < rows; ++r) {
        float* o = out + (bh * s.query_len + q0 + r) * s.value_dim;
        const float* a = acc.data() + r * s.value_dim;
        const bool any = row_sum[r] > 0;
        for (int64_t c = 0; c < s.value_dim; ++c) o[c] = any ? a[c] / row_sum[r] : 0.0f;
        lse[bh * s.query_len + q0 + r] = any ? row_max[r] + std::log(row_sum[r]) : -INFINITY;
      }
    }
  }
}

void fused_attention_backward(const FusedAttentionShape& s, const float* q, const float* k,
                              const float* v, const float* key_keep, const float* out,
                              const float* lse, const float* dout, float* dq, float* dk,
                              float* dv) {
  const int64_t bh_count = s.batch * s.heads;
  const float scale = 1.0f / std::sqrt(static_cast<float>(s.dim));
  const Visibility visible{s, key_keep};
  // D_i = Σ_c dO[i, c] O[i, c]: the softmax backward's row term.
  std::vector<float> delta(static_cast<size_t>(bh_count * s.query_len));
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < bh_count * s.query_len; ++i) {
    float sum = 0;
    for (int64_t c = 0; c < s.value_dim; ++c)
      sum += dout[i * s.value_dim + c] * out[i * s.value_dim + c];
    delta[static_cast<size_t>(i)] = sum;
  }
  // dS for a (query block, key block): P = exp(S - lse), dS = P ∘ (dO Vᵀ - D), both recomputed.
  const auto block_gradients = [&](int64_t bh, int64_t q0, int64_t rows, int64_t k0, int64_t cols,
                                   std::vector<float>& p, std::vector<float>& ds) {
    const int64_t b = bh / s.heads;
    sgemm(false, true, rows, cols, s.dim, scale, q + (bh * s.query_len + q0) * s.dim, s.dim,
          k + (bh * s.key_len + k0) * s.dim, s.dim, 0.0f, p.data(), cols);
    sgemm(false, true, rows, cols, s.value_dim, 1.0f, dout + (bh * s.query_len + q0) * s.value_dim,
          s.value_dim, v + (bh * s.key_len + k0) * s.value_dim, s.value_dim, 0.0f, ds.data(), cols);
    for (int64_t r = 0; r < rows; ++r) {
      const float l = lse[bh * s.query_len + q0 + r];
      const float d = delta[static_cast<size_t>(bh * s.query_len + q0 + r)];
      for (int64_t c = 0; c < cols; ++c) {
        const bool seen = l != -INFINITY && visible(b, q0 + r, k0 + c);
        const float prob = seen ? exp_below_88(p[r * cols + c] - l) : 0.0f;
        p[r * cols + c] = prob;
        ds[r * cols + c] = prob * (ds[r * cols + c] - d);
      }
    }
  };

  // Pass 1, per key block: dV = Pᵀ dO, dK = dSᵀ Q / √d, summed over query blocks.
  const int64_t key_blocks = (s.key_len + kKeyBlock - 1) / kKeyBlock;
#pragma omp parallel
  {
    std::vector<float> p(kQueryBlock * kKeyBlock);
    std::vector<float> ds(kQueryBlock * kKeyBlock);
#pragma omp for schedule(dynamic, 1)
    for (int64_t job = 0; job < bh_count * key_blocks; ++job) {
      const int64_t bh = job / key_blocks;
      const int64_t k0 = (job % key_blocks) * kKeyBlock;
      const int64_t cols = std::min(kKeyBlock, s.key_len - k0);
      float* dkb = dk + (bh * s.key_len + k0) * s.dim;
      float* dvb = dv + (bh * s.key_len + k0) * s.value_dim;
      std::fill_n(dkb, cols * s.dim, 0.0f);
      std::fill_n(dvb, cols * s.value_dim, 0.0f);
      const int64_t first_query = s.causal ? k0 : 0;  // earlier queries see none of these keys
      for (int64_t q0 = first_query - first_query % kQueryBlock; q0 < s.query_len;
           q0 += kQueryBlock) {
        const int64_t rows = std::min(kQueryBlock, s.query_len - q0);
        block_gradients(bh, q0, rows, k0, cols, p, ds);
        sgemm(true, false, cols, s.value_dim, rows, 1.0f, p.data(), cols,
              dout + (bh * s.query_len + q0) * s.value_dim, s.value_dim, 1.0f, dvb, s.value_dim);
        sgemm(true, false, cols, s.dim, rows, scale, ds.data(), cols,
              q + (bh * s.query_len + q0) * s.dim, s.dim, 1.0f, dkb, s.dim);
      }
    }
  }
  // Pass 2, per query block: dQ = dS K / √d, summed over key blocks.
  const int64_t query_blocks = (s.query_len + kQueryBlock - 1) / kQueryBlock;
#pragma omp parallel
  {
    std::vector<float> p(kQueryBlock * kKeyBlock);
    std::vector<float> ds(kQueryBlock * kKeyBlock);
#pragma omp for schedule(dynamic, 1)
    for (int64_t job = 0; job < bh_count * query_blocks; ++job) {
      const int64_t bh = job / query_blocks;
      const int64_t q0 = (job % query_blocks) * kQueryBlock;
      const int64_t rows = std::min(kQueryBlock, s.query_len - q0);
      float* dqb = dq + (bh * s.query_len + q0) * s.dim;
      std::fill_n(dqb, rows * s.dim, 0.0f);
      const int64_t key_end = visible.key_end(q0 + rows - 1);
      for (int64_t k0 = 0; k0 < key_end; k0 += kKeyBlock) {
        const int64_t cols = std::min(kKeyBlock, s.key_len - k0);
        block_gradients(bh, q0, rows, k0, cols, p, ds);
        sgemm(false, false, rows, s.dim, cols, scale, ds.data(), cols,
              k + (bh * s.key_len + k0) * s.dim, s.dim, 1.0f, dqb, s.dim);
      }
    }
  }
}

}  // namespace huiyan::nn::kernels
