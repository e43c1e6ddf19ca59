#pragma once
// What evaluation and `huiyan recommend` need of a recommendation model: one vector per user
// (from the user's history, and the user's id where the model has user embeddings), one per
// item, and the score of item i for user u is their dot product.

#include <cstdint>
#include <vector>

#include "nn/module.h"
#include "nn/ops.h"

namespace huiyan::nn {

class Recommender : public Module {
 public:
  // histories [B, T] item ids left-padded with 0 (the newest at T - 1), T <= max_length();
  // users [B], -1 for a user the model has not seen: [B, dim].
  virtual Tensor user_vectors(const IntTensor& histories, const std::vector<int32_t>& users) = 0;
  // [items + 1, dim]: row i scores item i (row 0 is padding). Computed in `graph` when the item
  // vectors come from more than a table (side information).
  virtual Tensor item_table(Graph& graph) const = 0;
  virtual int64_t items() const = 0;
  virtual int64_t max_length() const = 0;
};

}  // namespace huiyan::nn
