// The ops against PyTorch on the same numbers (tests/data/nn/torch_fixtures.json, made by
// scripts/make_nn_fixtures.py): forward values and the gradients of sum(w * output).

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "nn/attention_additive.h"
#include "nn/attention_luong.h"
#include "nn/attention_multihead.h"
#include "nn/attention_pooling.h"
#include "nn/ops.h"
#include "nn/rnn.h"

namespace huiyan::nn {
namespace {

const nlohmann::json& fixtures() {
  static const nlohmann::json data = [] {
    std::ifstream in(std::string(HUIYAN_TEST_DATA_DIR) + "/nn/torch_fixtures.json");
    return nlohmann::json::parse(in);
  }();
  return data;
}

Shape shape_of(const nlohmann::json& t) {
  const auto dims = t["shape"].get<std::vector<int64_t>>();
  return Shape::of(dims);
}
std::vector<float> values_of(const nlohmann::json& t) {
  return t["values"].get<std::vector<float>>();
}

// A graph leaf holding fixture tensor `t`, needing a gradient.
Tensor leaf(Graph& graph, const nlohmann::json& t) {
  return graph.variable(shape_of(t), values_of(t));
}

void expect_close(const std::vector<float>& got, const nlohmann::json& expected, double tolerance,
                  const std::string& what) {
  const auto want = values_of(expected);
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_NEAR(got[i], want[i], tolerance * (1 + std::abs(want[i]))) << what << " [" << i << "]";
  }
}

// Backpropagates sum(w * out) with the fixture's w.
void backward_weighted(Graph& graph, const Tensor& out, const nlohmann::json& f) {
  graph.backward(sum_all(mul(out, graph.from(shape_of(f["w"]), values_of(f["w"])))));
}

TEST(TorchFixtures, Linear) {
  const auto& f = fixtures()["linear"];
  Graph graph;
  const Tensor x = leaf(graph, f["x"]), w = leaf(graph, f["weight"]), b = leaf(graph, f["bias"]);
  const Tensor y = linear(x, w, b);
  expect_close(y.values(), f["out"], 1e-5, "out");
  backward_weighted(graph, y, f);
  expect_close(x.gradient(), f["dx"], 1e-5, "dx");
  expect_close(w.gradient(), f["dweight"], 1e-5, "dweight");
  expect_close(b.gradient(), f["dbias"], 1e-5, "dbias");
}

TEST(TorchFixtures, SoftmaxLogSoftmaxGelu) {
  for (const char* name : {"softmax", "log_softmax", "gelu"}) {
    const auto& f = fixtures()[name];
    Graph graph;
    const Tensor x = leaf(graph, f["x"]);
    const std::string op = name;
    const Tensor y = op == "softmax" ? softmax(x) : op == "log_softmax" ? log_softmax(x) : gelu(x);
    expect_close(y.values(), f["out"], 1e-5, op + " out");
    backward_weighted(graph, y, f);
    expect_close(x.gradient(), f["dx"], 1e-5, op + " dx");
  }
}

TEST(TorchFixtures, LayerNorm) {
  const auto& f = fixtures()["layer_norm"];
  Graph graph;
  const Tensor x = leaf(graph, f["x"]), g = leaf(graph, f["gamma"]), b = leaf(graph, f["beta"]);
  const Tensor y = layer_norm(x, g, b, 1e-5f);
  expect_close(y.values(), f["out"], 1e-5, "out");
  backward_weighted(graph, y, f);
  expect_close(x.gradient(), f["dx"], 1e-4, "dx");
  expect_close(g.gradient(), f["dgamma"], 1e-5, "dgamma");
  expect_close(b.gradient(), f["dbeta"], 1e-5, "dbeta");
}

TEST(TorchFixtures, CrossEntropyWithSmoothingAndIgnoredRows) {
  const auto& f = fixtures()["cross_entropy"];
  Graph graph;
  const Tensor logits = leaf(graph, f["logits"]);
  const auto targets = f["targets"].get<std::vector<int32_t>>();
  const Tensor loss =
      cross_entropy(logits, graph.ids({static_cast<int64_t>(targets.size())}, targets), 0.1f, -1);
  EXPECT_NEAR(loss.item(), f["loss"].get<double>(), 1e-5);
  graph.backward(loss);
  expect_close(logits.gradient(), f["dlogits"], 1e-5, "dlogits");
}

TEST(TorchFixtures, GruAndLstmLayers) {
  for (const auto& [name, cell] :
       {std::pair{"gru", kernels::Cell::gru}, std::pair{"lstm", kernels::Cell::lstm}}) {
    const auto& f = fixtures()[name];
    Graph graph;
    const Tensor x = leaf(graph, f["x"]);
    const Tensor y = recurrent_layer(cell, x, leaf(graph, f["w_layer"]), leaf(graph, f["w_iter"]),
                                     leaf(graph, f["bias"]));
    expect_close(y.values(), f["out"], 1e-5, std::string(name) + " out");
    backward_weighted(graph, y, f);
    expect_close(x.gradient(), f["dx"], 1e-5, std::string(name) + " dx");
  }
}

// Padded batch against PyTorch's packed sequences: outputs and final states of every layer and
// direction (h_n is [layers·2, batch, hidden]).
TEST(TorchFixtures, BidirectionalGruOverPaddedBatch) {
  const auto& f = fixtures()["bigru_padded"];
  Random rng(1);
  RnnOptions options;
  options.input = 3;
  options.hidden = 4;
  options.layers = 2;
  options.bidirectional = true;
  RNN rnn(options, rng);
  for (auto& [name, tensor] : rnn.parameters()) {
    const auto values = values_of(f["params"][name]);
    ASSERT_EQ(static_cast<int64_t>(values.size()), tensor.numel()) << name;
    std::copy(values.begin(), values.end(), tensor.data());
  }
  Graph graph;
  const auto lengths = f["lengths"].get<std::vector<int32_t>>();
  const RNN::Output out =
      rnn(graph.from(shape_of(f["x"]), values_of(f["x"])), graph.ids({3}, lengths));
  expect_close(out.outputs.values(), f["out"], 1e-5, "outputs");
  std::vector<float> h_n;
  for (const auto& state : out.final_states) {
    const auto v = state.values();
    h_n.insert(h_n.end(), v.begin(), v.end());
  }
  expect_close(h_n, f["h_n"], 1e-5, "h_n");
}

// Copies the fixture's parameters into `module` by name; every parameter must be there.
void load(Module& module, const nlohmann::json& params) {
  for (auto& [name, tensor] : module.parameters()) {
    ASSERT_TRUE(params.contains(name)) << name;
    const auto values = values_of(params[name]);
    ASSERT_EQ(static_cast<int64_t>(values.size()), tensor.numel()) << name;
    std::copy(values.begin(), values.end(), tensor.data());
  }
}

Tensor constant(Graph& graph, const nlohmann::json& t) {
  return graph.from(shape_of(t), values_of(t));
}

TEST(TorchFixtures, AdditiveAttentionIsTheSeedLayer) {
  const auto& f = fixtures()["additive_attention"];
  Random rng(1);
  AdditiveAttention attention(3, 4, 5, rng);
  load(attention, f["params"]);
  Graph graph;
  const auto r = attention(constant(graph, f["query"]), constant(graph, f["values"]),
                           constant(graph, f["keep"]));
  expect_close(r.weights.values(), f["weights"], 1e-5, "weights");
  expect_close(r.context.values(), f["context"], 1e-5, "context");
}

TEST(TorchFixtures, MultiHeadAttentionWithPaddingAndCausalMasks) {
  const auto& f = fixtures()["multihead_attention"];
  Random rng(1);
  MultiHeadAttention attention(8, 2, rng);
  load(attention, f["params"]);
  Graph graph;
  const Tensor x = constant(graph, f["x"]);
  const auto r = attention(x, x, x, constant(graph, f["key_keep"]), true);
  expect_close(r.output.values(), f["output"], 1e-5, "output");
  expect_close(r.weights.values(), f["weights"], 1e-5, "weights");
}

TEST(TorchFixtures, SelfAttentionPoolingIsTheSeedLayer) {
  const auto& f = fixtures()["self_attention_pooling"];
  Random rng(1);
  SelfAttentionPooling pool(3, 5, rng);
  load(pool, f["params"]);
  Graph graph;
  const auto r = pool(constant(graph, f["x"]), Tensor());
  expect_close(r.weights.values(), f["weights"], 1e-5, "weights");
  expect_close(r.context.values(), f["context"], 1e-5, "context");
}

TEST(TorchFixtures, LuongGeneralGlobalAttention) {
  const auto& f = fixtures()["luong_general"];
  Random rng(1);
  LuongOptions options;
  options.score = LuongScore::general;
  options.hidden = 4;
  LuongAttention attention(options, rng);
  load(attention, f["params"]);
  Graph graph;
  const auto r = attention(constant(graph, f["state"]), constant(graph, f["source"]), Tensor(),
                           graph.ids({2}, std::vector<int32_t>{5, 5}));
  expect_close(r.weights.values(), f["weights"], 1e-5, "weights");
  expect_close(r.context.values(), f["context"], 1e-5, "context");
  expect_close(r.attentional.values(), f["attentional"], 1e-5, "attentional");
}

}  // namespace
}  // namespace huiyan::nn
