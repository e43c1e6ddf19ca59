#include "nn/sasrec.h"

#include <gtest/gtest.h>

#include <cmath>

namespace huiyan::nn {
namespace {

SasRecConfig tiny() {
  SasRecConfig c;
  c.items = 30;
  c.dim = 16;
  c.blocks = 2;
  c.heads = 2;
  c.max_length = 8;
  c.dropout = 0;
  return c;
}

std::vector<float> features(SasRec& model, const std::vector<int32_t>& ids, int64_t batch,
                            int64_t len) {
  Graph graph;
  NoGrad no_grad(graph);
  return model.forward(graph.ids({batch, len}, ids)).values();
}

TEST(SasRec, EachPositionSeesOnlyItsPast) {
  SasRec model(tiny(), 3);
  model.train(false);
  const std::vector<int32_t> a = {0, 0, 5, 9, 2, 7};
  std::vector<int32_t> b = a;
  b[5] = 11;  // change the newest item: every earlier position must stay the same
  const auto fa = features(model, a, 1, 6);
  const auto fb = features(model, b, 1, 6);
  for (size_t i = 0; i < 5 * 16; ++i) EXPECT_EQ(fa[i], fb[i]) << i;
  bool newest_changed = false;
  for (size_t i = 5 * 16; i < 6 * 16; ++i) newest_changed |= fa[i] != fb[i];
  EXPECT_TRUE(newest_changed);
}

TEST(SasRec, MorePaddingOnTheLeftChangesNothing) {
  // Positions count from the newest item, and padding is masked: a history padded to a longer
  // batch gives the same user vector.
  SasRec model(tiny(), 4);
  model.train(false);
  Graph graph;
  NoGrad no_grad(graph);
  const std::vector<int32_t> short_ids = {0, 3, 4, 5};
  const std::vector<int32_t> long_ids = {0, 0, 0, 0, 3, 4, 5, 0, 1, 2, 3, 4, 5, 6};
  const auto one = model.user_vectors(graph.ids({1, 4}, short_ids), {-1}).values();
  const auto two = model.user_vectors(graph.ids({2, 7}, long_ids), {-1, -1}).values();
  for (size_t i = 0; i < 16; ++i) EXPECT_NEAR(one[i], two[i], 1e-5f) << i;
}

TEST(SasRec, ScoresAreDotProductsWithTheSharedItemEmbedding) {
  SasRec model(tiny(), 5);
  model.train(false);
  Graph graph;
  NoGrad no_grad(graph);
  const Tensor user = model.user_vectors(graph.ids({1, 3}, std::vector<int32_t>{1, 2, 3}), {-1});
  const auto scores = model.score_all(user).values();
  ASSERT_EQ(scores.size(), 31u);
  const auto u = user.values();
  const float* table = model.item_table().data();
  for (int item : {0, 7, 30}) {
    double dot = 0;
    for (int d = 0; d < 16; ++d) dot += static_cast<double>(u[d]) * table[item * 16 + d];
    EXPECT_NEAR(scores[item], dot, 1e-4) << item;
  }
  EXPECT_EQ(scores[0], 0.0f);  // the padding row is zero
}

TEST(SasRec, RejectsHistoriesLongerThanItReads) {
  SasRec model(tiny(), 6);
  Graph graph;
  EXPECT_THROW(model.forward(graph.ids({1, 9}, std::vector<int32_t>(9, 1))), std::invalid_argument);
}

}  // namespace
}  // namespace huiyan::nn
