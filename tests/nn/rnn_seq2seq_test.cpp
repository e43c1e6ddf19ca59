#include "nn/rnn_seq2seq.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "nn/optimizer.h"
#include "tests/nn/seq2seq_checks.h"

namespace huiyan::nn {
namespace {

constexpr int64_t kVocab = 20;

RnnSeq2SeqConfig tiny(RnnAttention attention, kernels::Cell cell = kernels::Cell::gru) {
  RnnSeq2SeqConfig c;
  c.src_vocab = kVocab;
  c.tgt_vocab = kVocab;
  c.cell = cell;
  c.embed_dim = 8;
  c.hidden = 12;
  c.encoder_layers = 2;
  c.decoder_layers = 2;
  c.attention = attention;
  c.dropout = 0.1f;
  c.share_embeddings = true;
  c.window = 2;
  return c;
}

struct Variant {
  RnnAttention attention;
  kernels::Cell cell;
  bool local;
  bool input_feeding;
};

std::string name_of(const ::testing::TestParamInfo<Variant>& info) {
  std::string name = to_string(info.param.attention);
  name += info.param.cell == kernels::Cell::lstm ? "_lstm" : "_gru";
  if (info.param.local) name += "_local";
  if (!info.param.input_feeding) name += "_nofeed";
  for (auto& ch : name)
    if (ch == '-') ch = '_';
  return name;
}

RnnSeq2SeqConfig config_of(const Variant& v) {
  RnnSeq2SeqConfig c = tiny(v.attention, v.cell);
  c.local = v.local;
  c.input_feeding = v.input_feeding;
  return c;
}

class RnnSeq2SeqVariants : public ::testing::TestWithParam<Variant> {};

// Logits at target position t depend on the source and on target positions <= t only, and never
// on what source padding holds.
TEST_P(RnnSeq2SeqVariants, CausalAndPaddingInvariant) {
  RnnSeq2Seq model(config_of(GetParam()), 2);
  model.train(false);
  testing::expect_causal_and_padding_invariant(model);
}

TEST_P(RnnSeq2SeqVariants, StepsEqualTheFullForward) {
  RnnSeq2Seq model(config_of(GetParam()), 3);
  model.train(false);
  testing::expect_steps_equal_full_forward(model, 1e-5, !GetParam().local);
}

TEST_P(RnnSeq2SeqVariants, SelectRowsReordersTheState) {
  RnnSeq2Seq model(config_of(GetParam()), 4);
  model.train(false);
  testing::expect_select_rows_reorders(model, 1e-6);
}

// The gradient of the summed cross-entropy with respect to sampled elements of every parameter
// against central differences of the same loss.
TEST_P(RnnSeq2SeqVariants, ParameterGradientsMatchFiniteDifferences) {
  RnnSeq2SeqConfig c = config_of(GetParam());
  c.dropout = 0;
  RnnSeq2Seq model(c, 5);
  model.train(true);
  Graph graph;
  const std::vector<int32_t> src = {5, 6, 7, 8, 9, 4, 0, 0};
  const std::vector<int32_t> tgt_in = {2, 11, 12, 13, 2, 15, 16, 0};
  const std::vector<int32_t> tgt_out = {11, 12, 13, 3, 15, 16, 3, -1};
  const auto loss = [&](bool backward) {
    graph.reset();
    const IntTensor lengths = graph.ids({2}, std::vector<int32_t>{4, 2});
    const Tensor memory = model.encode(graph.ids({2, 4}, src), lengths);
    const Tensor logits = model.decode(graph.ids({2, 4}, tgt_in), memory, lengths);
    const Tensor l = cross_entropy(reshape(logits, {8, kVocab}), graph.ids({8}, tgt_out));
    const double value = l.item();
    if (backward) graph.backward(l);
    return value;
  };
  auto params = model.parameters();
  loss(true);
  Random pick(11);
  int checked = 0;
  for (auto& [name, tensor] : params) {
    const std::vector<float> analytic = tensor.gradient();
    for (int k = 0; k < 3; ++k) {
      const auto i = static_cast<int64_t>(pick.below(static_cast<uint64_t>(tensor.numel())));
      float& value = tensor.data()[i];
      const float saved = value;
      const float h = 1e-2f;
      value = saved + h;
      const double plus = loss(false);
      value = saved - h;
      const double minus = loss(false);
      value = saved;
      const double numeric = (plus - minus) / (2.0 * h);
      EXPECT_NEAR(analytic[static_cast<size_t>(i)], numeric, 2e-3 + 3e-2 * std::abs(numeric))
          << name << "[" << i << "]";
      ++checked;
    }
  }
  EXPECT_GT(checked, 30);
}

INSTANTIATE_TEST_SUITE_P(
    Attentions, RnnSeq2SeqVariants,
    ::testing::Values(Variant{RnnAttention::bahdanau, kernels::Cell::gru, false, true},
                      Variant{RnnAttention::bahdanau, kernels::Cell::lstm, false, true},
                      Variant{RnnAttention::luong_dot, kernels::Cell::gru, false, true},
                      Variant{RnnAttention::luong_general, kernels::Cell::lstm, false, true},
                      Variant{RnnAttention::luong_general, kernels::Cell::gru, false, false},
                      Variant{RnnAttention::luong_concat, kernels::Cell::gru, false, true},
                      Variant{RnnAttention::luong_general, kernels::Cell::gru, true, true}),
    name_of);

TEST(RnnSeq2Seq, ParameterNamesAndShapes) {
  RnnSeq2Seq model(tiny(RnnAttention::bahdanau), 1);
  std::map<std::string, Shape> shapes;
  for (const auto& p : model.parameters()) shapes[p.name] = p.tensor.shape();
  // GRU: 3 gates; the first decoder layer reads [E y; c] (8 + 12), its W_ih in two parts.
  EXPECT_EQ(shapes.at("decoder.embed_gates.weight"), (Shape{36, 8}));
  EXPECT_EQ(shapes.at("decoder.layers.0.weight_ih"), (Shape{36, 12}));
  EXPECT_EQ(shapes.at("decoder.layers.1.weight_ih"), (Shape{36, 12}));
  EXPECT_EQ(shapes.at("bridge.weight"), (Shape{12, 6}));        // W_s: ←h₁ (6) -> s₀ (12)
  EXPECT_EQ(shapes.at("readout.weight"), (Shape{12, 32}));      // [s; c; E y]
  EXPECT_EQ(shapes.at("output_embed.weight"), (Shape{8, 12}));  // tied output
  EXPECT_EQ(shapes.count("tgt_embed.weight"), 0u);              // shared vocabulary
  EXPECT_THROW(RnnSeq2Seq(
                   [] {
                     auto c = tiny(RnnAttention::bahdanau);
                     c.local = true;
                     return c;
                   }(),
                   1),
               std::invalid_argument);
  EXPECT_THROW(rnn_attention_from("luong-cosine"), std::invalid_argument);
}

// s₀ = tanh(W_s ←h₁): the decoder's first state comes from the backward encoder's first output.
TEST(RnnSeq2Seq, InitialStateIsTheBridgedBackwardAnnotation) {
  RnnSeq2SeqConfig c = tiny(RnnAttention::luong_dot);
  c.decoder_layers = 1;
  RnnSeq2Seq model(c, 6);
  model.train(false);
  Graph graph;
  NoGrad no_grad(graph);
  const IntTensor lengths = graph.ids({1}, std::vector<int32_t>{3});
  const Tensor memory = model.encode(graph.ids({1, 3}, std::vector<int32_t>{5, 6, 7}), lengths);
  const RnnDecoderState state = model.start_decoding(memory, lengths);
  const auto m = memory.values();
  const auto w = model.bridge.weight.values();
  const auto bias = model.bridge.bias.values();
  const auto h = state.layers[0].h.values();
  for (int i = 0; i < 12; ++i) {
    double z = bias[static_cast<size_t>(i)];
    for (int j = 0; j < 6; ++j)
      z += static_cast<double>(w[static_cast<size_t>(i * 6 + j)]) * m[static_cast<size_t>(6 + j)];
    EXPECT_NEAR(h[static_cast<size_t>(i)], std::tanh(z), 1e-6) << i;
  }
}

// Hard attention adds a REINFORCE term whose gradient reaches the attention's parameters.
TEST(RnnSeq2Seq, HardAttentionHasAReinforceTerm) {
  RnnSeq2SeqConfig c = tiny(RnnAttention::bahdanau);
  c.hard_attention = true;
  c.dropout = 0;
  RnnSeq2Seq model(c, 7);
  model.train(true);
  Graph graph;
  const IntTensor lengths = graph.ids({2}, std::vector<int32_t>{4, 2});
  const Tensor memory =
      model.encode(graph.ids({2, 4}, std::vector<int32_t>{5, 6, 7, 8, 9, 4, 0, 0}), lengths);
  const Tensor logits =
      model.decode(graph.ids({2, 3}, std::vector<int32_t>{2, 11, 12, 2, 15, 0}), memory, lengths);
  const IntTensor tgt_out = graph.ids({6}, std::vector<int32_t>{11, 12, 3, 15, 3, -1});
  // The first batch sets the moving-average baseline to the mean reward; the second has
  // R − b ≠ 0 and so a gradient.
  ASSERT_TRUE(model.auxiliary_loss(logits, tgt_out).defined());
  graph.reset();
  const IntTensor lengths2 = graph.ids({2}, std::vector<int32_t>{4, 2});
  const Tensor memory2 =
      model.encode(graph.ids({2, 4}, std::vector<int32_t>{5, 6, 7, 8, 9, 4, 0, 0}), lengths2);
  const Tensor logits2 =
      model.decode(graph.ids({2, 3}, std::vector<int32_t>{2, 13, 12, 2, 17, 0}), memory2, lengths2);
  const Tensor term =
      model.auxiliary_loss(logits2, graph.ids({6}, std::vector<int32_t>{13, 12, 3, 17, 3, -1}));
  ASSERT_TRUE(term.defined());
  graph.backward(term);
  double norm = 0;
  for (const float g : model.additive->v.weight.gradient()) norm += std::abs(g);
  EXPECT_GT(norm, 0.0);
}

// A tiny model of each family learns to reverse sequences of 5 tokens.
class RnnLearning : public ::testing::TestWithParam<RnnAttention> {};

TEST_P(RnnLearning, LearnsToReverse) {
  RnnSeq2SeqConfig c = tiny(GetParam());
  c.embed_dim = 32;
  c.hidden = 64;
  c.encoder_layers = 1;
  c.decoder_layers = 1;
  c.dropout = 0;
  RnnSeq2Seq model(c, 5);
  const auto r = testing::train_to_reverse(model, 600, [](int) { return 0.005f; });
  EXPECT_LT(r.loss, 0.05f) << "after " << r.steps << " steps";
}

INSTANTIATE_TEST_SUITE_P(Attentions, RnnLearning,
                         ::testing::Values(RnnAttention::bahdanau, RnnAttention::luong_general),
                         [](const auto& info) {
                           return info.param == RnnAttention::bahdanau ? "bahdanau"
                                                                       : "luong_general";
                         });

}  // namespace
}  // namespace huiyan::nn
