#include "pipeline/recommend_eval.h"

#include <algorithm>
#include <numeric>
#include <unordered_set>

#include "io/error.h"
#include "nn/graph.h"
#include "pipeline/recommend_model.h"

namespace huiyan::pipeline {

nlohmann::json RankingMetrics::to_json(int k) const {
  const auto key = [k](std::string_view metric, std::string_view protocol) {
    std::string name(metric);
    name += '@';
    name += std::to_string(k);
    name += '_';
    name += protocol;
    return name;
  };
  nlohmann::json j;
  j["users"] = users;
  j["fewest_negatives"] = fewest_negatives;
  j[key("hr", "sampled")] = hr_sampled;
  j[key("ndcg", "sampled")] = ndcg_sampled;
  j[key("hr", "full")] = hr_full;
  j[key("ndcg", "full")] = ndcg_full;
  return j;
}

int64_t rank_of(float target, std::span<const float> others, nn::Random& rng) {
  int64_t rank = 0;
  for (const float s : others) {
    if (s > target || (s == target && (rng.next() & 1))) ++rank;
  }
  return rank;
}

RankingMetrics evaluate_ranking(const io::DatasetSplit& split, int64_t items, const Scorer& scorer,
                                const RankingOptions& o) {
  if (!split.tgt) throw io::DataError("/" + split.name + ": no held-out items (/tgt)");
  std::vector<size_t> rows(split.src.size());
  std::iota(rows.begin(), rows.end(), 0);
  nn::Random pick(o.seed);
  if (o.max_users > 0 && rows.size() > o.max_users) {
    for (size_t i = 0; i < o.max_users; ++i) {
      std::swap(rows[i], rows[i + pick.below(rows.size() - i)]);
    }
    rows.resize(o.max_users);
    std::sort(rows.begin(), rows.end());
  }
  RankingMetrics m;
  m.fewest_negatives = o.negatives;
  const auto columns = static_cast<size_t>(items + 1);
  std::vector<float> scores;
  std::vector<float> others;
  std::vector<char> seen(columns, 0);
  for (size_t begin = 0; begin < rows.size(); begin += o.batch) {
    const size_t end = std::min(rows.size(), begin + o.batch);
    std::vector<std::span<const int32_t>> histories;
    std::vector<int32_t> users;
    for (size_t r = begin; r < end; ++r) {
      histories.push_back(split.src[rows[r]]);
      users.push_back(split.users ? (*split.users)[rows[r]] : -1);
    }
    scores.assign(histories.size() * columns, 0.0f);
    scorer(histories, users, scores);
    for (size_t b = 0; b < histories.size(); ++b) {
      const size_t row = rows[begin + b];
      const float* s = scores.data() + b * columns;
      const int32_t target = (*split.tgt)[row][0];
      // Each user's candidates and coins come from a stream of its own: results do not depend on
      // the batch size or on which other users are evaluated.
      nn::Random rng(nn::mix64(o.seed ^ (0x51ED2701ULL + row)));
      for (const int32_t i : histories[b]) seen[static_cast<size_t>(i)] = 1;
      seen[0] = 1;
      seen[static_cast<size_t>(target)] = 1;
      const int64_t unseen =
          items + 1 - static_cast<int64_t>(std::count(seen.begin(), seen.end(), char{1}));
      const int64_t want = std::min<int64_t>(o.negatives, unseen);
      m.fewest_negatives = std::min(m.fewest_negatives, want);
      std::unordered_set<int32_t> drawn;
      others.clear();
      while (static_cast<int64_t>(drawn.size()) < want) {
        const auto item = static_cast<int32_t>(1 + rng.below(static_cast<uint64_t>(items)));
        if (seen[static_cast<size_t>(item)] || !drawn.insert(item).second) continue;
        others.push_back(s[item]);
      }
      const int64_t sampled_rank = rank_of(s[target], others, rng);
      m.hr_sampled += sampled_rank < o.k;
      m.ndcg_sampled += ndcg_at(sampled_rank, o.k);
      if (o.full) {
        others.clear();
        for (size_t i = 1; i < columns; ++i) {
          if (!seen[i]) others.push_back(s[i]);
        }
        const int64_t full_rank = rank_of(s[target], others, rng);
        m.hr_full += full_rank < o.k;
        m.ndcg_full += ndcg_at(full_rank, o.k);
      }
      for (const int32_t i : histories[b]) seen[static_cast<size_t>(i)] = 0;
      seen[static_cast<size_t>(target)] = 0;
    }
  }
  m.users = rows.size();
  if (m.users > 0) {
    const auto n = static_cast<double>(m.users);
    m.hr_sampled /= n;
    m.ndcg_sampled /= n;
    m.hr_full /= n;
    m.ndcg_full /= n;
  }
  return m;
}

Scorer model_scorer(nn::Recommender& model) {
  return [&model](const std::vector<std::span<const int32_t>>& histories,
                  const std::vector<int32_t>& users, std::vector<float>& scores) {
    model.train(false);
    nn::Graph graph;
    nn::NoGrad no_grad(graph);
    const nn::IntTensor ids = left_padded(graph, histories, model.max_length());
    const nn::Tensor all =
        nn::matmul(model.user_vectors(ids, users), model.item_table(graph), false, true);
    std::copy_n(all.data(), all.numel(), scores.begin());
  };
}

Scorer popularity_scorer(const io::DatasetSplit& train, int64_t items) {
  auto counts = std::make_shared<std::vector<float>>(static_cast<size_t>(items + 1), 0.0f);
  for (const int32_t i : train.src.values) {
    if (i > 0 && i <= items) (*counts)[static_cast<size_t>(i)] += 1;
  }
  return [counts](const std::vector<std::span<const int32_t>>& histories,
                  const std::vector<int32_t>&, std::vector<float>& scores) {
    for (size_t b = 0; b < histories.size(); ++b) {
      std::copy(counts->begin(), counts->end(), scores.begin() + b * counts->size());
    }
  };
}

}  // namespace huiyan::pipeline
