#pragma once
// The network's operations as free functions that read like the formulas. Each records its
// backward step when a gradient is needed (see graph.h). Shapes are checked; a mismatch is a
// std::invalid_argument naming the op and the shapes.

#include <cstdint>
#include <utility>
#include <vector>

#include "nn/graph.h"
#include "nn/kernels/rnn.h"
#include "nn/random.h"
#include "nn/tensor.h"

namespace huiyan::nn {

// ## Linear algebra
// a [..., M, K] · b [..., K, N] -> [..., M, N]; b may be 2-D and is then shared by every batch.
// transpose_a / transpose_b: use the transposed matrices (stored [..., K, M] / [..., N, K]).
Tensor matmul(const Tensor& a, const Tensor& b, bool transpose_a = false, bool transpose_b = false);
// x [..., in] · weightᵀ + bias, weight [out, in], bias [out] (may be undefined).
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias);
// The same product for inference (no gradient, a weight outside any graph), written into `out`:
// x's rows [rows, in] give rows of weight.shape()[0] values, out_row_stride apart.
void linear_into(const Tensor& x, const Tensor& weight, const Tensor& bias, float* out,
                 int64_t out_row_stride);

// ## Elementwise
// b broadcasts to a's shape (numpy rules, b's dims equal to a's or 1).
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor affine(const Tensor& x, float alpha, float beta = 0);  // alpha * x + beta
Tensor relu(const Tensor& x);
Tensor gelu(const Tensor& x);  // exact (erf) form
Tensor tanh(const Tensor& x);
Tensor sigmoid(const Tensor& x);
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);

// ## Normalization
// Over the last axis.
Tensor softmax(const Tensor& x);
Tensor log_softmax(const Tensor& x);
// (x - mean) / sqrt(var + eps) * gamma + beta over the last axis; gamma, beta [last].
Tensor layer_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, float eps = 1e-5f);

// ## Reductions (the axis is removed)
Tensor sum(const Tensor& x, int axis);
Tensor mean(const Tensor& x, int axis);
Tensor max(const Tensor& x, int axis);
Tensor sum_all(const Tensor& x);  // one element, shape [1]
Tensor mean_all(const Tensor& x);

// ## Shapes
Tensor reshape(const Tensor& x, const Shape& shape);  // same number of elements; -1 not supported
Tensor transpose(const Tensor& x, std::vector<int> order);  // out dim i = x dim order[i]
Tensor concat(const std::vector<Tensor>& parts, int axis);
Tensor slice(const Tensor& x, int axis, int64_t begin, int64_t end);
std::vector<Tensor> split(const Tensor& x, int axis, const std::vector<int64_t>& sizes);

// ## Lookups, losses, masks
// table [vocab, dim], ids [...] -> [..., dim]. Rows of `padding_id` get no gradient.
Tensor embedding(const Tensor& table, const IntTensor& ids, int32_t padding_id = -1);
// x [N, ...] -> [rows.size(), ...]: out[i] = x[rows[i]] (beam search reorders decoder states).
Tensor take_rows(const Tensor& x, const std::vector<int32_t>& rows);
// Mean over rows whose target is not ignore_index of the cross-entropy of softmax(logits [N, V])
// with targets [N] smoothed by label_smoothing (the target keeps 1 - e, every class gets e / V).
Tensor cross_entropy(const Tensor& logits, const IntTensor& targets, float label_smoothing = 0,
                     int32_t ignore_index = -1);
// Σ wᵢ·(softplus(xᵢ) − yᵢ·xᵢ) / Σ wᵢ: binary cross-entropy of sigmoid(logits) against targets in
// [0, 1], weighted (weight 0 leaves an element out); all three the same shape, computed without
// overflow for any logit. The gradient flows to logits only.
Tensor binary_cross_entropy(const Tensor& logits, const Tensor& targets, const Tensor& weights);
// Softmax over the last axis of x restricted to positions where `keep` (broadcast to x's shape)
// is not 0: kept weights sum to 1, the others are exactly 0; a row with nothing kept is all 0.
Tensor masked_softmax(const Tensor& x, const Tensor& keep);
// out[i] = x[i, index[i]] for x [N, K] (x's leading dims flattened), index [N].
Tensor pick(const Tensor& x, const IntTensor& index);
// softmax(QKᵀ/√d + mask) V for q [B, H, Tq, d], k [B, H, Tk, d], v [B, H, Tk, dv] without the
// Tq×Tk matrix (kernels/fused_attention.h): key_keep [B, Tk] (undefined: all keys), causal.
Tensor fused_attention(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& key_keep,
                       bool causal);
// Zeroes each element with probability p and scales the rest by 1 / (1 - p). The mask depends
// only on rng's next number and the element's index, never on the thread count.
Tensor dropout(const Tensor& x, float p, Random& rng);
// x where keep != 0, else `value`; keep broadcasts to x's shape.
Tensor mask_fill(const Tensor& x, const Tensor& keep, float value);
// [batch, max_len]: 1 for positions < length, else 0.
Tensor sequence_mask(Graph& graph, const IntTensor& lengths, int64_t max_len);
// [len, len]: 1 on and below the diagonal (position i may see positions <= i), else 0.
Tensor causal_mask(Graph& graph, int64_t len);

// ## Recurrence
// One left-to-right GRU or LSTM layer (see kernels/rnn.h for the formulas and weight layout) over
// x [batch, time, input] from a zero state: [batch, time, hidden]. Positions past a sequence's end
// hold garbage that later positions never see; mask them (rnn.h's RNN does).
Tensor recurrent_layer(kernels::Cell cell, const Tensor& x, const Tensor& w_layer,
                       const Tensor& w_iter, const Tensor& bias);
// Each sequence of x [batch, time, dim] reversed within its length: out[b, t] = x[b, len_b - 1 - t]
// for t < len_b; positions past the end are copied as they are.
Tensor reverse_sequences(const Tensor& x, const IntTensor& lengths);
// x [batch, time, dim] at each sequence's last position: [batch, dim] (zeros for length 0).
Tensor last_steps(const Tensor& x, const IntTensor& lengths);

// ## No gradient
// Over the last axis, one per row; ties go to the lowest index.
std::vector<int32_t> argmax(const Tensor& x);
// The k largest of each row, largest first: (values, indices), each rows × k.
std::pair<std::vector<float>, std::vector<int32_t>> top_k(const Tensor& x, int64_t k);

}  // namespace huiyan::nn
