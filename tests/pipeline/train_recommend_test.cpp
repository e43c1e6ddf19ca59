#include "pipeline/train_recommend.h"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>

#include "io/dataset.h"
#include "nn/random.h"
#include "pipeline/interactions.h"
#include "pipeline/model_file.h"
#include "pipeline/recommend.h"
#include "pipeline/recommend_model.h"
#include "pipeline/training_state.h"
#include "tests/temp_dir.h"

namespace huiyan::pipeline {
namespace {

using huiyan::testing::TempDir;

// Users walk the 40 items in order from a random start (item i is followed by i + 1, wrapping),
// and the first items are the most frequent starts, so popularity is a real but weak baseline.
std::string walk_dataset(const TempDir& dir, int users) {
  UserSequences s;
  for (int i = 1; i <= 40; ++i) s.item_names.push_back(std::to_string(i));
  nn::Random rng(17);
  for (int u = 0; u < users; ++u) {
    s.user_names.push_back(std::to_string(u));
    const auto start = static_cast<int32_t>(rng.below(rng.below(40) + 1));
    const auto len = static_cast<int32_t>(6 + rng.below(10));
    std::vector<int32_t> items;
    for (int32_t t = 0; t < len; ++t) items.push_back((start + t) % 40 + 1);
    s.sequences.append(items);
  }
  const std::string path = dir / "walk.h5";
  io::write_dataset(path, leave_one_out(s));
  return path;
}

RecommendTrainOptions small(const std::string& data, const std::string& output) {
  RecommendTrainOptions o;
  o.data = data;
  o.output = output;
  o.sasrec.dim = 16;
  o.sasrec.blocks = 1;
  o.sasrec.heads = 1;
  o.sasrec.max_length = 10;
  o.sasrec.dropout = 0.1f;
  o.batch_size = 32;
  o.lr = 5e-3f;
  o.valid_every = 10;
  o.progress = false;
  return o;
}

const io::DatasetSplit& split_named(const io::Dataset& d, const std::string& name) {
  const io::DatasetSplit* split = d.split(name);
  if (split == nullptr) throw std::runtime_error("no split " + name);
  return *split;
}

TEST(TrainRecommend, LearnsWhatComesNextAndBeatsPopularity) {
  TempDir dir;
  const std::string data = walk_dataset(dir, 300);
  RecommendTrainOptions o = small(data, dir / "model.h5");
  o.max_epochs = 30;
  const RecommendTrainSummary summary = train_recommend(o);
  EXPECT_EQ(summary.epochs, 30);
  const io::Dataset dataset = io::read_dataset(data);
  const io::DatasetSplit& test = split_named(dataset, "test");
  RecommenderFile model = load_recommender(o.output);
  RankingOptions ranking;
  const RankingMetrics learned = evaluate_ranking(test, 40, model_scorer(*model.model), ranking);
  const RankingMetrics popular =
      evaluate_ranking(test, 40, popularity_scorer(split_named(dataset, "train"), 40), ranking);
  EXPECT_GT(learned.hr_full, 0.9);  // the next item is one step of the walk
  EXPECT_GT(learned.ndcg_full, popular.ndcg_full + 0.3);
  // The model alone recommends: after 5, 6, 7 comes 8.
  const auto top = recommend_ids(*model.model, {{5, 6, 7}}, 3, true);
  ASSERT_EQ(top[0].items.size(), 3u);
  EXPECT_EQ(model.item_names[top[0].items[0] - 1], "8");
}

TEST(TrainRecommend, SoftmaxLossLearnsToo) {
  TempDir dir;
  const std::string data = walk_dataset(dir, 200);
  RecommendTrainOptions o = small(data, dir / "model.h5");
  o.loss = "softmax";
  o.max_epochs = 20;
  train_recommend(o);
  const io::Dataset dataset = io::read_dataset(data);
  RecommenderFile model = load_recommender(o.output);
  const RankingMetrics m = evaluate_ranking(split_named(dataset, "test"), 40,
                                            model_scorer(*model.model), RankingOptions{});
  EXPECT_GT(m.hr_full, 0.8);
}

TEST(TrainRecommend, AcfLearnsWhichItemsGoTogether) {
  // A user's items are a run of neighbours on the walk: attending over them, ACF should rank
  // the held-out neighbour far above the popular items.
  TempDir dir;
  const std::string data = walk_dataset(dir, 300);
  RecommendTrainOptions o = small(data, dir / "acf.h5");
  o.arch = "acf";
  o.acf.dim = 16;
  o.acf.attention_dim = 16;
  o.acf.max_length = 20;
  o.max_epochs = 60;
  o.lr = 1e-2f;
  train_recommend(o);
  const io::Dataset dataset = io::read_dataset(data);
  const io::DatasetSplit& test = split_named(dataset, "test");
  RecommenderFile model = load_recommender(o.output);
  const RankingMetrics learned =
      evaluate_ranking(test, 40, model_scorer(*model.model), RankingOptions{});
  const RankingMetrics popular = evaluate_ranking(
      test, 40, popularity_scorer(split_named(dataset, "train"), 40), RankingOptions{});
  EXPECT_GT(learned.ndcg_full, popular.ndcg_full + 0.1);
}

TEST(TrainRecommend, SideInformationTrainsAndTheModelFileCarriesIt) {
  TempDir dir;
  const std::string data = walk_dataset(dir, 100);
  io::Dataset dataset = io::read_dataset(data);
  // Feature f + 1 = the item's decade on the walk (items 1-10 -> 1, ...).
  dataset.items->feature_names = {"<pad>", "a", "b", "c", "d"};
  for (int i = 0; i < 40; ++i) dataset.items->features.append(std::vector<int32_t>{1 + i / 10});
  io::write_dataset(data, dataset);
  RecommendTrainOptions o = small(data, dir / "side.h5");
  o.side_info = true;
  o.max_epochs = 4;
  train_recommend(o);
  RecommenderFile model = load_recommender(o.output);
  const auto& sasrec = dynamic_cast<const nn::SasRec&>(*model.model);
  ASSERT_TRUE(sasrec.fusion);
  EXPECT_EQ(recommend_ids(*model.model, {{1, 2}}, 5, true)[0].items.size(), 5u);
  RecommendTrainOptions acf = o;
  acf.arch = "acf";
  EXPECT_THROW(train_recommend(acf), std::invalid_argument);
}

// The two model files hold bit-identical parameters.
void expect_same_params(const std::string& a_path, const std::string& b_path) {
  const auto a = read_params(a_path);
  const auto b = read_params(b_path);
  ASSERT_EQ(a.size(), b.size());
  ASSERT_FALSE(a.empty());
  for (size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(a[i].name, b[i].name);
    EXPECT_EQ(std::memcmp(a[i].tensor.data(), b[i].tensor.data(),
                          static_cast<size_t>(a[i].tensor.numel()) * sizeof(float)),
              0)
        << a[i].name;
  }
}

TEST(TrainRecommend, ResumeContinuesExactly) {
  TempDir dir;
  const std::string data = walk_dataset(dir, 100);
  RecommendTrainOptions straight = small(data, dir / "straight.h5");
  straight.max_epochs = 4;
  straight.valid_every = 2;
  train_recommend(straight);
  RecommendTrainOptions split = small(data, dir / "split.h5");
  split.max_epochs = 2;
  split.valid_every = 2;
  train_recommend(split);
  split.max_epochs = 4;
  split.resume = true;
  train_recommend(split);
  expect_same_params(last_model_path(straight.output), last_model_path(split.output));
}

// Stopped on request (Ctrl-C) in the middle of an epoch, training saves where it stands and a
// resume ends where an uninterrupted run does; resuming a finished run trains nothing.
TEST(TrainRecommend, AStopOnRequestResumesExactly) {
  TempDir dir;
  const std::string data = walk_dataset(dir, 100);
  // One validation, at the end: its mean loss spans the stop.
  RecommendTrainOptions straight = small(data, dir / "straight.h5");
  straight.max_epochs = 2;
  straight.valid_every = 2;
  const RecommendTrainSummary whole = train_recommend(straight);
  RecommendTrainOptions split = small(data, dir / "split.h5");
  split.max_epochs = 2;
  split.valid_every = 2;
  // Asked before training starts, it stops with nothing saved.
  split.stop_requested = [] { return true; };
  const RecommendTrainSummary at_once = train_recommend(split);
  EXPECT_TRUE(at_once.interrupted);
  EXPECT_EQ(at_once.steps, 0);
  EXPECT_FALSE(std::filesystem::exists(last_model_path(split.output)));
  // Asked once before the first step, then after each: the third ask comes after step 2.
  int calls = 0;
  split.stop_requested = [&calls] { return ++calls == 3; };
  const RecommendTrainSummary stopped = train_recommend(split);
  EXPECT_TRUE(stopped.interrupted);
  EXPECT_EQ(stopped.steps, 2);
  split.stop_requested = nullptr;
  split.resume = true;
  const RecommendTrainSummary resumed = train_recommend(split);
  EXPECT_FALSE(resumed.interrupted);
  EXPECT_EQ(resumed.steps, whole.steps);
  EXPECT_EQ(resumed.last_train_loss, whole.last_train_loss);
  expect_same_params(last_model_path(straight.output), last_model_path(split.output));
  const auto written = std::filesystem::last_write_time(last_model_path(split.output));
  EXPECT_EQ(train_recommend(split).steps, whole.steps);
  EXPECT_EQ(std::filesystem::last_write_time(last_model_path(split.output)), written);
}

TEST(TrainRecommend, RejectsADatasetOfAnotherTask) {
  TempDir dir;
  io::Dataset d;
  d.task = "classify";
  io::write_dataset(dir / "c.h5", d);
  RecommendTrainOptions o = small(dir / "c.h5", dir / "m.h5");
  EXPECT_THROW(train_recommend(o), std::runtime_error);
}

}  // namespace
}  // namespace huiyan::pipeline
