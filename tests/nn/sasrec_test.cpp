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

TEST(SasRec, UserVectorIsTheNewestRowOfTheFullForwardPass) {
  // user_vectors computes the last block at the newest position only; it must agree.
  SasRec model(tiny(), 8);
  model.train(false);
  const std::vector<int32_t> ids = {0, 0, 5, 9, 2, 7, 1, 2, 3, 4, 5, 6};
  const auto full = features(model, ids, 2, 6);
  Graph graph;
  NoGrad no_grad(graph);
  const auto user = model.user_vectors(graph.ids({2, 6}, ids), {-1, -1}).values();
  for (int b = 0; b < 2; ++b) {
    for (int d = 0; d < 16; ++d) {
      EXPECT_NEAR(user[b * 16 + d], full[(b * 6 + 5) * 16 + d], 1e-5f) << b << " " << d;
    }
  }
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
  const Tensor items = model.item_table(graph);
  const auto scores = matmul(user, items, false, true).values();
  ASSERT_EQ(scores.size(), 31u);
  const auto u = user.values();
  const float* table = items.data();
  for (int item : {0, 7, 30}) {
    double dot = 0;
    for (int d = 0; d < 16; ++d) dot += static_cast<double>(u[d]) * table[item * 16 + d];
    EXPECT_NEAR(scores[item], dot, 1e-4) << item;
  }
  EXPECT_EQ(scores[0], 0.0f);  // the padding row is zero
}

TEST(SasRec, SideInformationFusesIdAndFeaturesByAttention) {
  SasRecConfig c = tiny();
  c.features = 5;
  // Items 1 and 2 share feature 3; the others have none.
  std::vector<std::vector<int32_t>> features(30);
  features[0] = {3, 1};
  features[1] = {3};
  SasRec model(c, 7, features);
  model.train(false);
  Graph graph;
  NoGrad no_grad(graph);
  const auto fused = model.item_table(graph).values();
  const float* ids = model.item_embed.table.data();
  // No features: the item is its id embedding. Padding stays zero.
  for (int d = 0; d < 16; ++d) {
    EXPECT_NEAR(fused[5 * 16 + d], ids[5 * 16 + d], 1e-6f);
    EXPECT_EQ(fused[d], 0.0f);
  }
  // With features, the weights over (id, features) sum to 1 and the vector is their mix.
  const auto beta = model.fusion->weights(graph, model.item_embed.table).values();
  const int64_t width = 1 + 2;
  EXPECT_NEAR(beta[1 * width] + beta[1 * width + 1] + beta[1 * width + 2], 1.0f, 1e-5f);
  EXPECT_EQ(beta[2 * width + 2], 0.0f);  // item 2 has one feature: the third slot is padding
  const float* f = model.fusion->feature_embed.table.data();
  for (int d = 0; d < 16; ++d) {
    const float mix = beta[1 * width] * ids[16 + d] + beta[1 * width + 1] * f[3 * 16 + d] +
                      beta[1 * width + 2] * f[1 * 16 + d];
    EXPECT_NEAR(fused[16 + d], mix, 1e-5f) << d;
  }
  EXPECT_THROW(SasRec(c, 7, {}), std::invalid_argument);
}

TEST(SasRec, RejectsHistoriesLongerThanItReads) {
  SasRec model(tiny(), 6);
  Graph graph;
  EXPECT_THROW(model.forward(graph.ids({1, 9}, std::vector<int32_t>(9, 1))), std::invalid_argument);
}

}  // namespace
}  // namespace huiyan::nn
