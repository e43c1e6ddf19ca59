#include "nn/layers.h"

#include <gtest/gtest.h>

#include <cmath>

#include "tests/nn/gradcheck.h"

namespace huiyan::nn {
namespace {

// A small block exercising names at two levels.
class Block : public Module {
 public:
  explicit Block(Random& rng) : proj(4, 3, rng), norm(3, rng), ffn(3, 8, rng, 0.1f) {
    add_module("proj", proj);
    add_module("norm", norm);
    add_module("ffn", ffn);
  }
  Linear proj;
  LayerNorm norm;
  FeedForward ffn;
};

TEST(Module, ParametersCarryDottedNamesInRegistrationOrder) {
  Random rng(1);
  Block block(rng);
  std::vector<std::string> names;
  for (const auto& p : block.parameters()) names.push_back(p.name);
  EXPECT_EQ(names, (std::vector<std::string>{"proj.weight", "proj.bias", "norm.weight", "norm.bias",
                                             "ffn.in.weight", "ffn.in.bias", "ffn.out.weight",
                                             "ffn.out.bias"}));
  EXPECT_EQ(block.parameter_count(), 4 * 3 + 3 + 3 + 3 + 3 * 8 + 8 + 8 * 3 + 3);
}

TEST(Module, SameSeedSameInitialValues) {
  Random a(42);
  Random b(42);
  Block first(a);
  Block second(b);
  const auto p = first.parameters();
  const auto q = second.parameters();
  for (size_t i = 0; i < p.size(); ++i) EXPECT_EQ(p[i].tensor.values(), q[i].tensor.values());
}

TEST(Init, XavierUniformStaysWithinItsBound) {
  Random rng(3);
  Linear layer(300, 200, rng);
  const float bound = std::sqrt(6.0f / 500.0f);
  double sum_squares = 0;
  for (const float v : layer.weight.values()) {
    EXPECT_LE(std::abs(v), bound);
    sum_squares += static_cast<double>(v) * v;
  }
  // Uniform(-a, a) has variance a^2 / 3.
  EXPECT_NEAR(sum_squares / (300 * 200), bound * bound / 3, 0.05 * bound * bound / 3);
  EXPECT_EQ(layer.bias.values(), std::vector<float>(200, 0.0f));
}

TEST(Layers, DropoutOnlyWhileTraining) {
  Random rng(5);
  Block block(rng);
  Graph graph;
  const Tensor x = graph.full({64, 3}, 1.0f);
  block.train(false);
  EXPECT_EQ(block.ffn(x).values(), block.ffn(x).values());
  block.train(true);
  EXPECT_NE(block.ffn(x).values(), block.ffn(x).values());
}

TEST(Layers, EmbeddingPaddingRowStartsAtZero) {
  Random rng(6);
  Embedding embedding(10, 4, rng, /*padding_id=*/0);
  const auto table = embedding.table.values();
  for (int c = 0; c < 4; ++c) EXPECT_EQ(table[static_cast<size_t>(c)], 0.0f);
  EXPECT_NE(table[4], 0.0f);
}

TEST(Layers, SinusoidalPositionsFollowTheFormula) {
  Graph graph;
  const auto pe = sinusoidal_positions(graph, 5, 6, 2).values();
  for (int pos = 0; pos < 5; ++pos) {
    for (int i = 0; i < 6; i += 2) {
      const double angle = (pos + 2) / std::pow(10000.0, i / 6.0);
      EXPECT_NEAR(pe[static_cast<size_t>(pos * 6 + i)], std::sin(angle), 1e-6);
      EXPECT_NEAR(pe[static_cast<size_t>(pos * 6 + i + 1)], std::cos(angle), 1e-6);
    }
  }
}

TEST(Layers, LearnedPositionsReadTheirRows) {
  Random rng(7);
  LearnedPositions positions(8, 3, rng);
  Graph graph;
  const auto rows = positions(graph, 2, 5).values();
  const auto table = positions.table.values();
  EXPECT_EQ(std::vector<float>(rows.begin(), rows.end()),
            std::vector<float>(table.begin() + 15, table.begin() + 21));
  EXPECT_THROW(positions(graph, 4, 5), std::invalid_argument);
}

TEST(Layers, GradientsFlowToEveryParameter) {
  Random rng(8);
  Block block(rng);
  block.train(false);
  Graph graph;
  const Tensor x = graph.from({2, 4}, std::vector<float>{1, -2, 0.5f, 3, 0, 1, -1, 2});
  const Tensor y = block.ffn(block.norm(block.proj(x)));
  graph.backward(sum_all(mul(y, y)));
  for (const auto& p : block.parameters()) EXPECT_TRUE(p.tensor.has_grad()) << p.name;
}

}  // namespace
}  // namespace huiyan::nn
