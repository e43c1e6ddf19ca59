#include "nn/acf.h"

#include <stdexcept>

namespace huiyan::nn {

Acf::Acf(const AcfConfig& c, uint64_t seed)
    : config_(c),
      rng_(seed),
      user_embed(c.users + 1, c.dim, rng_, /*padding_id=*/0),
      item_embed(c.items + 1, c.dim, rng_, /*padding_id=*/0),
      aux_embed(c.items + 1, c.dim, rng_, /*padding_id=*/0),
      w_user(c.dim, c.attention_dim, rng_, /*bias=*/true),
      w_item(c.dim, c.attention_dim, rng_, /*bias=*/false),
      w_aux(c.dim, c.attention_dim, rng_, /*bias=*/false),
      w_out(c.attention_dim, 1, rng_, /*bias=*/false) {
  if (c.users <= 0 || c.items <= 0 || c.dim <= 0 || c.attention_dim <= 0 || c.max_length <= 0) {
    throw std::invalid_argument("ACF: users, items, dim, attention_dim and max_length must be > 0");
  }
  add_module("user_embed", user_embed);
  add_module("item_embed", item_embed);
  add_module("aux_embed", aux_embed);
  add_module("w_user", w_user);
  add_module("w_item", w_item);
  add_module("w_aux", w_aux);
  add_module("w_out", w_out);
}

Tensor Acf::user_vectors(const IntTensor& histories, const std::vector<int32_t>& users) {
  return user_vectors(histories, users, nullptr);
}

Tensor Acf::user_vectors(const IntTensor& histories, const std::vector<int32_t>& users,
                         Tensor* weights) {
  Graph& graph = *histories.graph;
  const int64_t batch = histories.shape[0], len = histories.shape[1];
  if (static_cast<int64_t>(users.size()) != batch) {
    throw std::invalid_argument("ACF: " + std::to_string(users.size()) + " users for " +
                                std::to_string(batch) + " histories");
  }
  std::vector<int32_t> rows(users.size());
  for (size_t b = 0; b < users.size(); ++b) {
    rows[b] = users[b] >= 0 && users[b] < config_.users ? users[b] + 1 : 0;
  }
  std::vector<float> keep_values(static_cast<size_t>(batch * len));
  for (int64_t i = 0; i < batch * len; ++i) keep_values[i] = histories.data[i] != 0 ? 1.0f : 0.0f;
  const Tensor keep = graph.from({batch, len}, keep_values);

  const Tensor u = user_embed(graph.ids({batch}, rows));  // [B, D]
  const Tensor v = item_embed(histories);                 // [B, T, D]
  const Tensor p = aux_embed(histories);
  const Tensor hidden =
      relu(add(add(w_item(v), w_aux(p)), reshape(w_user(u), {batch, 1, config_.attention_dim})));
  const Tensor alpha = masked_softmax(reshape(w_out(hidden), {batch, len}), keep);
  if (weights != nullptr) *weights = alpha;
  const Tensor context = reshape(matmul(reshape(alpha, {batch, 1, len}), p), {batch, config_.dim});
  return add(u, context);
}

}  // namespace huiyan::nn
