#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>

#include "nn/ops.h"
#include "tests/nn/gradcheck.h"

namespace huiyan::nn {
namespace {

using testing::expect_gradients;
using testing::random_input;

TEST(Embedding, GathersRowsAndScatterAddsGradients) {
  const auto table = random_input({5, 3}, 1);
  Graph graph;
  const std::vector<int32_t> ids = {4, 0, 4, 2, 1, 0};
  const IntTensor id_tensor = graph.ids({2, 3}, ids);
  Tensor params = Tensor::persistent({5, 3}, true);
  std::copy(table.values.begin(), table.values.end(), params.data());
  const Tensor out = embedding(params, id_tensor, /*padding_id=*/0);
  ASSERT_EQ(out.shape(), (Shape{2, 3, 3}));
  const auto y = out.values();
  for (size_t i = 0; i < ids.size(); ++i) {
    for (size_t c = 0; c < 3; ++c)
      EXPECT_EQ(y[i * 3 + c], table.values[static_cast<size_t>(ids[i]) * 3 + c]);
  }
  graph.backward(sum_all(out));
  const auto grad = params.gradient();
  // Row 4 is used twice, rows 1 and 2 once, row 3 never, row 0 is padding.
  const std::vector<float> uses = {0, 1, 1, 0, 2};
  for (size_t row = 0; row < 5; ++row) {
    for (size_t c = 0; c < 3; ++c) EXPECT_EQ(grad[row * 3 + c], uses[row]);
  }
  EXPECT_THROW(embedding(params, graph.ids({1}, std::vector<int32_t>{5})), std::out_of_range);
}

// Cross-entropy in double, straight from the definition.
double naive_cross_entropy(const std::vector<float>& logits, const std::vector<int32_t>& targets,
                           int64_t cols, double e, int32_t ignore) {
  double total = 0;
  int counted = 0;
  for (size_t row = 0; row < targets.size(); ++row) {
    if (targets[row] == ignore) continue;
    const float* z = logits.data() + row * static_cast<size_t>(cols);
    double norm = 0;
    for (int64_t j = 0; j < cols; ++j) norm += std::exp(static_cast<double>(z[j]));
    double loss = 0;
    for (int64_t j = 0; j < cols; ++j) {
      const double q = (j == targets[row] ? 1 - e : 0) + e / static_cast<double>(cols);
      loss -= q * (z[j] - std::log(norm));
    }
    total += loss;
    ++counted;
  }
  return total / counted;
}

TEST(CrossEntropy, MatchesTheDefinitionWithSmoothingAndIgnoredRows) {
  const auto logits = random_input({6, 9}, 2, -3, 3);
  const std::vector<int32_t> targets = {1, 8, -1, 0, 4, -1};
  Graph graph;
  for (const float e : {0.0f, 0.1f}) {
    const Tensor loss =
        cross_entropy(graph.from(logits.shape, logits.values), graph.ids({6}, targets), e, -1);
    EXPECT_NEAR(loss.item(), naive_cross_entropy(logits.values, targets, 9, e, -1), 1e-5);
  }
  EXPECT_THROW(cross_entropy(graph.from(logits.shape, logits.values),
                             graph.ids({6}, std::vector<int32_t>{1, 9, 0, 0, 0, 0})),
               std::out_of_range);
}

TEST(CrossEntropy, GradientsMatchFiniteDifferences) {
  const std::vector<int32_t> targets = {2, -1, 0, 4};
  for (const float e : {0.0f, 0.2f}) {
    expect_gradients({random_input({4, 5}, 3, -2, 2)},
                     [&](Graph& graph, const std::vector<Tensor>& in) {
                       return cross_entropy(in[0], graph.ids({4}, targets), e, -1);
                     });
  }
}

TEST(BinaryCrossEntropy, MatchesTheDefinitionEvenForHugeLogits) {
  Graph graph;
  const std::vector<float> x = {0.5f, -2.0f, 300.0f, -300.0f, 1.0f};
  const std::vector<float> y = {1, 0, 0, 1, 1};
  const std::vector<float> w = {1, 2, 1, 1, 0};
  const Tensor loss =
      binary_cross_entropy(graph.from({5}, x), graph.from({5}, y), graph.from({5}, w));
  // -log σ(x) for y = 1, -log(1 - σ(x)) for y = 0; the huge logits give exactly 300.
  const double expected =
      (std::log1p(std::exp(-0.5)) + 2 * std::log1p(std::exp(-2.0)) + 300.0 + 300.0) / 5.0;
  EXPECT_NEAR(loss.item(), expected, 1e-4);
  EXPECT_TRUE(std::isfinite(loss.item()));
}

TEST(BinaryCrossEntropy, GradientsMatchFiniteDifferences) {
  const auto targets = random_input({3, 4}, 7, 0, 1);
  const auto weights = random_input({3, 4}, 8, 0, 2);
  expect_gradients({random_input({3, 4}, 9, -3, 3)},
                   [&](Graph& graph, const std::vector<Tensor>& in) {
                     return binary_cross_entropy(in[0], graph.from({3, 4}, targets.values),
                                                 graph.from({3, 4}, weights.values));
                   });
}

TEST(Dropout, DropsAboutPAndKeepsTheExpectation) {
  Graph graph;
  const Tensor x = graph.full({100000}, 1.0f);
  Random rng(5);
  const auto y = dropout(x, 0.3f, rng).values();
  int64_t dropped = 0;
  double total = 0;
  for (const float v : y) {
    dropped += v == 0.0f;
    total += v;
    if (v != 0.0f) {
      EXPECT_FLOAT_EQ(v, 1.0f / 0.7f);
    }
  }
  EXPECT_NEAR(static_cast<double>(dropped) / 100000.0, 0.3, 0.01);
  EXPECT_NEAR(total / 100000.0, 1.0, 0.02);
}

TEST(Dropout, SameSeedSameMaskWhateverTheThreadCount) {
  Graph graph;
  const Tensor x = graph.full({50000}, 1.0f);
  const int threads = omp_get_max_threads();
  Random a(11);
  omp_set_num_threads(1);
  const auto one = dropout(x, 0.5f, a).values();
  Random b(11);
  omp_set_num_threads(std::max(2, threads));
  const auto many = dropout(x, 0.5f, b).values();
  omp_set_num_threads(threads);
  EXPECT_EQ(one, many);
}

TEST(Dropout, GradientUsesTheForwardMask) {
  Random rng(3);
  expect_gradients({random_input({5, 7}, 4)}, [&](Graph&, const std::vector<Tensor>& in) {
    Random same(rng.state());  // the same mask at every evaluation
    return dropout(in[0], 0.4f, same);
  });
}

TEST(Masks, SequenceCausalAndFill) {
  Graph graph;
  const Tensor lengths_mask =
      sequence_mask(graph, graph.ids({3}, std::vector<int32_t>{2, 0, 4}), 4);
  EXPECT_EQ(lengths_mask.values(), (std::vector<float>{1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1}));
  EXPECT_EQ(causal_mask(graph, 3).values(), (std::vector<float>{1, 0, 0, 1, 1, 0, 1, 1, 1}));
  // Scores [batch 2, query 2, key 3] masked by key padding [2, 1, 3].
  const Tensor scores =
      graph.from({2, 2, 3}, std::vector<float>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
  const Tensor keep = graph.from({2, 1, 3}, std::vector<float>{1, 1, 0, 1, 0, 0});
  EXPECT_EQ(mask_fill(scores, keep, -1e9f).values(),
            (std::vector<float>{1, 2, -1e9f, 4, 5, -1e9f, 7, -1e9f, -1e9f, 10, -1e9f, -1e9f}));
  // Softmax after the fill: masked weights are exactly 0, the rest sum to 1.
  const auto p = softmax(mask_fill(scores, keep, -INFINITY)).values();
  EXPECT_EQ(p[2], 0.0f);
  EXPECT_EQ(p[7], 0.0f);
  EXPECT_FLOAT_EQ(p[6], 1.0f);
  expect_gradients({random_input({2, 2, 3}, 9)}, [](Graph& graph, const std::vector<Tensor>& in) {
    return mask_fill(in[0], graph.from({2, 1, 3}, std::vector<float>{1, 1, 0, 1, 0, 0}), 0.0f);
  });
}

TEST(Select, ArgmaxAndTopK) {
  Graph graph;
  const Tensor x = graph.from({2, 4}, std::vector<float>{0.1f, 0.7f, 0.7f, -1, 3, 2, 1, 0});
  EXPECT_EQ(argmax(x), (std::vector<int32_t>{1, 0}));
  const auto [values, indices] = top_k(x, 2);
  EXPECT_EQ(indices, (std::vector<int32_t>{1, 2, 0, 1}));
  EXPECT_EQ(values, (std::vector<float>{0.7f, 0.7f, 3, 2}));
}

}  // namespace
}  // namespace huiyan::nn
