#pragma once
// Ranking metrics for leave-one-out recommendation, in both protocols papers use:
//   sampled  the held-out item ranked against 100 items drawn uniformly from those the user never
//            interacted with (SASRec's protocol; fixed seed; at most 10,000 users, drawn with the
//            same seed when there are more)
//   full     the held-out item ranked against every item the user never interacted with
// HR@k = share of users whose item ranks in the top k; NDCG@k = mean of 1 / log2(rank + 2) over
// those users (rank 0 = first). Ties with the held-out item are broken by a seeded coin, so a
// constant scorer lands in the middle, not at the top.

#include <cmath>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "io/dataset.h"
#include "nn/random.h"
#include "nn/recommender.h"

namespace huiyan::pipeline {

struct RankingOptions {
  int negatives = 100;
  size_t max_users = 10000;  // 0: all
  uint64_t seed = 42;
  int k = 10;
  bool full = true;  // also rank against the whole catalogue
  size_t batch = 256;
};

struct RankingMetrics {
  size_t users = 0;
  double hr_sampled = 0;
  double ndcg_sampled = 0;
  double hr_full = 0;  // when options.full
  double ndcg_full = 0;
  // The fewest negatives a user got: fewer than asked when the catalogue has fewer items the user
  // has not seen.
  int64_t fewest_negatives = 0;

  // {"hr@10_sampled", "ndcg@10_sampled", "hr@10_full", "ndcg@10_full", "users",
  // "fewest_negatives"} for k = 10.
  nlohmann::json to_json(int k) const;
};

// Fills scores [histories.size() × (items + 1)] (column 0, padding, is ignored).
using Scorer = std::function<void(const std::vector<std::span<const int32_t>>& histories,
                                  const std::vector<int32_t>& users, std::vector<float>& scores)>;

// Ranks each row's target (split.tgt) given its history (split.src) and user (split.users).
RankingMetrics evaluate_ranking(const io::DatasetSplit& split, int64_t items, const Scorer& scorer,
                                const RankingOptions& options);

// Scores by the model (no gradient; the model is put in evaluation mode).
Scorer model_scorer(nn::Recommender& model);
// Scores by how often each item occurs in `train` (the most-popular baseline).
Scorer popularity_scorer(const io::DatasetSplit& train, int64_t items);

// The target's 0-based rank among `others` scores: those strictly higher, plus each tie that a
// coin drawn from `rng` puts ahead.
int64_t rank_of(float target, std::span<const float> others, nn::Random& rng);
inline double ndcg_at(int64_t rank, int k) {
  return rank < k ? 1.0 / std::log2(static_cast<double>(rank) + 2.0) : 0.0;
}

}  // namespace huiyan::pipeline
