// huiyan eval --task recommend: ranks each held-out item of a leave-one-out split with a model
// (or the most-popular baseline) and prints HR@10 / NDCG@10 in both protocols.

#include "cli/eval_recommend.h"

#include <iomanip>
#include <iostream>

#include "io/dataset.h"
#include "io/descriptor_output.h"
#include "io/error.h"
#include "pipeline/recommend_model.h"

namespace huiyan::cli {

int run_recommend_eval(const RecommendEvalArgs& a) {
  if (a.data.empty()) throw UsageError("--task recommend needs --data DATA.h5");
  if (a.model.empty() == a.baseline.empty()) {
    throw UsageError("--task recommend needs -m MODEL or --baseline popular (one of them)");
  }
  if (!a.baseline.empty() && a.baseline != "popular") {
    throw UsageError("--baseline: popular, got '" + a.baseline + "'");
  }
  // Train holds no held-out items: each user's last is test, the one before it valid.
  if (a.split != "test" && a.split != "valid") {
    throw UsageError("--split: test or valid, got '" + a.split + "'");
  }
  const io::Dataset dataset = io::read_dataset(a.data);
  if (dataset.task != "recommend" || !dataset.items) {
    throw io::DataError(a.data + ": not a recommendation dataset");
  }
  const io::DatasetSplit* split = dataset.split(a.split);
  const io::DatasetSplit* train = dataset.split("train");
  if (split == nullptr) throw io::DataError(a.data + ": /" + a.split + ": no such split");
  const auto items = static_cast<int64_t>(dataset.items->size());

  pipeline::RecommenderFile model;
  pipeline::Scorer scorer;
  if (!a.model.empty()) {
    model = pipeline::load_recommender(a.model);
    if (model.item_names != dataset.items->names) {
      throw io::DataError(a.model + ": its items are not " + a.data + "'s (trained on other data)");
    }
    scorer = pipeline::model_scorer(*model.model);
  } else {
    if (train == nullptr) throw io::DataError(a.data + ": /train: not found");
    scorer = pipeline::popularity_scorer(*train, items);
  }
  const pipeline::RankingMetrics m = pipeline::evaluate_ranking(*split, items, scorer, a.ranking);
  // Zeros over no users would read as scores.
  if (m.users == 0) {
    throw io::DataError(a.data + ": /" + a.split + ": no user has a held-out item to rank");
  }
  const int k = a.ranking.k;
  if (a.json) {
    nlohmann::json j = m.to_json(k);
    j["split"] = a.split;
    j["system"] = a.model.empty() ? "popular" : a.model;
    j["negatives"] = a.ranking.negatives;
    j["items"] = items;
    j["seed"] = a.ranking.seed;
    std::cout << j.dump() << "\n" << std::flush;
  } else {
    std::cout << std::fixed << std::setprecision(4) << (a.model.empty() ? "popular" : a.model)
              << " on " << a.data << " /" << a.split << ", " << m.users << " users, seed "
              << a.ranking.seed << "\n"
              << "  HR@" << k << " " << m.hr_sampled << "  NDCG@" << k << " " << m.ndcg_sampled
              << "  (vs " << a.ranking.negatives << " sampled negatives"
              << (m.fewest_negatives < a.ranking.negatives
                      ? ", or every unseen item where fewer: down to " +
                            std::to_string(m.fewest_negatives)
                      : std::string())
              << ")\n"
              << "  HR@" << k << " " << m.hr_full << "  NDCG@" << k << " " << m.ndcg_full
              << "  (vs the full catalogue of " << items << " items, seen items excluded)\n"
              << std::flush;
  }
  io::check_stdout_written();
  return 0;
}

}  // namespace huiyan::cli
