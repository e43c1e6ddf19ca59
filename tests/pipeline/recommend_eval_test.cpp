#include "pipeline/recommend_eval.h"

#include <gtest/gtest.h>

#include <cmath>

namespace huiyan::pipeline {
namespace {

// One user per row: history, held-out item.
io::DatasetSplit split_of(const std::vector<std::pair<std::vector<int32_t>, int32_t>>& rows) {
  io::DatasetSplit split;
  split.name = "test";
  split.tgt.emplace();
  for (const auto& [history, target] : rows) {
    split.src.append(history);
    split.tgt->append(std::vector<int32_t>{target});
  }
  return split;
}

// Scores item i by i: a higher id ranks higher.
void by_id(const std::vector<std::span<const int32_t>>& histories, const std::vector<int32_t>&,
           std::vector<float>& scores) {
  const size_t columns = scores.size() / histories.size();
  for (size_t b = 0; b < histories.size(); ++b) {
    for (size_t i = 0; i < columns; ++i) scores[b * columns + i] = static_cast<float>(i);
  }
}

TEST(RankingMetrics, HandComputedCaseWithEveryUnseenItemSampled) {
  // 20 items, more negatives than unseen items: both protocols rank against all unseen items.
  // User 1 (history 19, 20) holds out 17: unseen items above it are 18 only -> rank 1.
  // User 2 (history 1) holds out 5: 15 unseen items (6..20) above it -> rank 15.
  const io::DatasetSplit split = split_of({{{19, 20}, 17}, {{1}, 5}});
  RankingOptions o;
  o.negatives = 100;
  const RankingMetrics m = evaluate_ranking(split, 20, by_id, o);
  EXPECT_EQ(m.users, 2u);
  EXPECT_DOUBLE_EQ(m.hr_sampled, 0.5);
  EXPECT_DOUBLE_EQ(m.ndcg_sampled, (1.0 / std::log2(3.0) + 0.0) / 2);
  EXPECT_DOUBLE_EQ(m.hr_full, 0.5);
  EXPECT_DOUBLE_EQ(m.ndcg_full, m.ndcg_sampled);
}

TEST(RankingMetrics, SampledNegativesAreNeverFromTheHistory) {
  // The history holds the 50 best-scored items; were any of them drawn, the target would drop.
  std::vector<int32_t> history;
  for (int32_t i = 151; i <= 200; ++i) history.push_back(i);
  const io::DatasetSplit split = split_of({{history, 150}});
  RankingOptions o;
  o.negatives = 100;
  const RankingMetrics m = evaluate_ranking(split, 200, by_id, o);
  EXPECT_DOUBLE_EQ(m.hr_sampled, 1.0);
  EXPECT_DOUBLE_EQ(m.ndcg_sampled, 1.0);  // rank 0: 1 / log2(2)
}

TEST(RankingMetrics, TiesAreBrokenByACoinNotInTheTargetsFavour) {
  // A constant scorer: every candidate ties with the target; the expected rank is the middle.
  io::DatasetSplit split;
  split.name = "test";
  split.tgt.emplace();
  for (int u = 0; u < 400; ++u) {
    split.src.append(std::vector<int32_t>{1});
    split.tgt->append(std::vector<int32_t>{2});
  }
  const Scorer constant = [](const std::vector<std::span<const int32_t>>&,
                             const std::vector<int32_t>&, std::vector<float>& scores) {
    std::fill(scores.begin(), scores.end(), 1.0f);
  };
  RankingOptions o;
  o.negatives = 19;  // 20 candidates: P(rank < 10) = P(Binomial(19, 1/2) < 10) = 1/2
  o.full = false;
  const RankingMetrics m = evaluate_ranking(split, 1000, constant, o);
  EXPECT_NEAR(m.hr_sampled, 0.5, 0.08);
}

TEST(RankingMetrics, SameNumbersWhateverTheBatchSizeAndUserCap) {
  io::DatasetSplit split;
  split.name = "test";
  split.tgt.emplace();
  for (int32_t u = 0; u < 50; ++u) {
    split.src.append(std::vector<int32_t>{u + 1, u + 2});
    split.tgt->append(std::vector<int32_t>{(u * 7) % 300 + 3});
  }
  RankingOptions a, b;
  a.batch = 7;
  b.batch = 256;
  const RankingMetrics x = evaluate_ranking(split, 400, by_id, a);
  const RankingMetrics y = evaluate_ranking(split, 400, by_id, b);
  EXPECT_EQ(x.hr_sampled, y.hr_sampled);
  EXPECT_EQ(x.ndcg_sampled, y.ndcg_sampled);
  EXPECT_EQ(x.ndcg_full, y.ndcg_full);
  RankingOptions capped;
  capped.max_users = 10;
  EXPECT_EQ(evaluate_ranking(split, 400, by_id, capped).users, 10u);
}

TEST(RankingMetrics, PopularityScoresAreTrainingCounts) {
  io::DatasetSplit train;
  train.src.append(std::vector<int32_t>{1, 2, 2});
  train.src.append(std::vector<int32_t>{2, 3});
  const Scorer popular = popularity_scorer(train, 4);
  std::vector<float> scores(5);
  const std::vector<int32_t> history{1};
  popular({std::span<const int32_t>(history)}, {-1}, scores);
  EXPECT_EQ(scores, (std::vector<float>{0, 1, 3, 1, 0}));
}

TEST(RankingMetrics, RankCountsHigherScores) {
  nn::Random rng(1);
  const std::vector<float> others = {0.5f, 2.0f, 3.0f, -1.0f};
  EXPECT_EQ(rank_of(1.0f, others, rng), 2);
  EXPECT_EQ(rank_of(5.0f, others, rng), 0);
  EXPECT_DOUBLE_EQ(ndcg_at(0, 10), 1.0);
  EXPECT_DOUBLE_EQ(ndcg_at(10, 10), 0.0);
}

}  // namespace
}  // namespace huiyan::pipeline
