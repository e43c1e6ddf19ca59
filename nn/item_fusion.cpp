#include "nn/item_fusion.h"

#include <algorithm>
#include <numeric>
#include <stdexcept>
#include <string>

namespace huiyan::nn {

ItemFusion::ItemFusion(int64_t features, int64_t dim,
                       const std::vector<std::vector<int32_t>>& item_features, Random& rng)
    : feature_embed(features, dim, rng, /*padding_id=*/0),
      pool(dim, dim, rng),
      items_(static_cast<int64_t>(item_features.size())),
      width_(1) {
  add_module("feature_embed", feature_embed);
  add_module("pool", pool);
  for (const auto& f : item_features)
    width_ = std::max<int64_t>(width_, static_cast<int64_t>(f.size()));
  ids_.assign(static_cast<size_t>((items_ + 1) * width_), 0);
  keep_.assign(static_cast<size_t>((items_ + 1) * (1 + width_)), 0.0f);
  for (int64_t item = 0; item <= items_; ++item) {
    keep_[static_cast<size_t>(item * (1 + width_))] = 1.0f;  // the id embedding
    if (item == 0) continue;
    const auto& f = item_features[static_cast<size_t>(item - 1)];
    for (size_t j = 0; j < f.size(); ++j) {
      if (f[j] <= 0 || f[j] >= features) {
        throw std::invalid_argument("item " + std::to_string(item) + ": feature " +
                                    std::to_string(f[j]) + " is outside 1.." +
                                    std::to_string(features - 1));
      }
      ids_[static_cast<size_t>(item * width_) + j] = f[j];
      keep_[static_cast<size_t>(item * (1 + width_) + 1) + j] = 1.0f;
    }
  }
}

AttentionResult ItemFusion::fuse(Graph& graph, const Tensor& id_table) const {
  if (id_table.shape()[0] != items_ + 1) {
    throw std::invalid_argument("item fusion: a table of " + std::to_string(id_table.shape()[0]) +
                                " rows for " + std::to_string(items_) + " items");
  }
  const int64_t rows = items_ + 1;
  const Tensor features = feature_embed(graph.ids({rows, width_}, ids_));  // [I, W, D]
  // Each row of the table as a [1, dim] part (a gather, which also works for a parameter table).
  std::vector<int32_t> every(static_cast<size_t>(rows));
  std::iota(every.begin(), every.end(), 0);
  const Tensor parts = concat({embedding(id_table, graph.ids({rows, 1}, every)), features}, 1);
  return pool(parts, graph.from({rows, 1 + width_}, keep_));
}

Tensor ItemFusion::operator()(Graph& graph, const Tensor& id_table) const {
  return fuse(graph, id_table).context;
}

Tensor ItemFusion::weights(Graph& graph, const Tensor& id_table) const {
  return fuse(graph, id_table).weights;
}

}  // namespace huiyan::nn
