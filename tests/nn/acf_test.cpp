#include "nn/acf.h"

#include <gtest/gtest.h>

#include <cmath>

namespace huiyan::nn {
namespace {

AcfConfig tiny() {
  AcfConfig c;
  c.users = 4;
  c.items = 12;
  c.dim = 8;
  c.attention_dim = 6;
  c.max_length = 5;
  return c;
}

TEST(Acf, UserIsTheirVectorPlusAttentionOverTheirItems) {
  Acf model(tiny(), 2);
  Graph graph;
  NoGrad no_grad(graph);
  const std::vector<int32_t> history = {0, 0, 4, 9, 2};  // left-padded
  Tensor weights;
  const auto user = model.user_vectors(graph.ids({1, 5}, history), {1}, &weights).values();
  const auto alpha = weights.values();
  EXPECT_EQ(alpha[0], 0.0f);
  EXPECT_EQ(alpha[1], 0.0f);
  EXPECT_NEAR(alpha[2] + alpha[3] + alpha[4], 1.0f, 1e-6f);

  // The formula, computed here in double from the parameters.
  const auto row = [](const Tensor& t, int64_t i) { return t.data() + i * t.shape()[1]; };
  const float* u = row(model.user_embed.table, 2);  // user 1 is row 2
  std::vector<double> scores;
  for (const int32_t l : {4, 9, 2}) {
    const float* v = row(model.item_embed.table, l);
    const float* p = row(model.aux_embed.table, l);
    double a = 0;
    for (int h = 0; h < 6; ++h) {
      double z = model.w_user.bias.data()[h];
      for (int d = 0; d < 8; ++d) {
        z += model.w_user.weight.data()[h * 8 + d] * u[d] +
             model.w_item.weight.data()[h * 8 + d] * v[d] +
             model.w_aux.weight.data()[h * 8 + d] * p[d];
      }
      a += model.w_out.weight.data()[h] * std::max(z, 0.0);
    }
    scores.push_back(a);
  }
  double total = 0;
  for (const double s : scores) total += std::exp(s);
  for (int d = 0; d < 8; ++d) {
    double expected = u[d];
    int k = 0;
    for (const int32_t l : {4, 9, 2}) {
      expected += std::exp(scores[k++]) / total * row(model.aux_embed.table, l)[d];
    }
    EXPECT_NEAR(user[d], expected, 1e-5) << d;
  }
}

TEST(Acf, AnUnknownUserIsTheirItemsAlone) {
  Acf model(tiny(), 3);
  Graph graph;
  NoGrad no_grad(graph);
  const std::vector<int32_t> history = {3, 5};
  Tensor weights;
  const auto user = model.user_vectors(graph.ids({1, 2}, history), {-1}, &weights).values();
  const auto alpha = weights.values();
  const float* p = model.aux_embed.table.data();
  for (int d = 0; d < 8; ++d) {
    EXPECT_NEAR(user[d], alpha[0] * p[3 * 8 + d] + alpha[1] * p[5 * 8 + d], 1e-6f);
  }
}

}  // namespace
}  // namespace huiyan::nn
