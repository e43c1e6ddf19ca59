#include "nn/transformer.h"

#include <gtest/gtest.h>

#include "nn/engine.h"
#include "nn/optimizer.h"
#include "tests/nn/seq2seq_checks.h"

namespace huiyan::nn {
namespace {

TransformerConfig tiny(bool pre_norm = false, bool learned = false) {
  TransformerConfig c;
  c.src_vocab = 20;
  c.tgt_vocab = 20;
  c.dim = 16;
  c.heads = 2;
  c.encoder_layers = 2;
  c.decoder_layers = 2;
  c.ff_dim = 32;
  c.dropout = 0.1f;
  c.pre_norm = pre_norm;
  c.learned_positions = learned;
  c.max_positions = 32;
  c.share_embeddings = true;
  return c;
}

TEST(Transformer, PresetsAndParameterNames) {
  const auto small = TransformerConfig::preset("small");
  EXPECT_EQ(small.dim, 256);
  EXPECT_EQ(small.encoder_layers, 3);
  EXPECT_EQ(TransformerConfig::preset("base").ff_dim, 2048);
  EXPECT_THROW(TransformerConfig::preset("huge"), std::invalid_argument);
  Transformer model(tiny(), 1);
  const auto params = model.parameters();
  EXPECT_EQ(params.front().name, "src_embed.weight");
  bool found = false;
  for (const auto& p : params) found = found || p.name == "decoder.layers.1.cross_attn.q.weight";
  EXPECT_TRUE(found);
}

// Logits at target position t depend on the source and on target positions <= t only, and never
// on what padding holds.
TEST(Transformer, CausalAndPaddingInvariant) {
  Transformer model(tiny(), 2);
  model.train(false);
  testing::expect_causal_and_padding_invariant(model);
}

class TransformerDecoding : public ::testing::TestWithParam<std::tuple<bool, bool>> {};

// Step-by-step decoding with key/value caches gives the full forward pass's log-probabilities;
// the exported attention (last layer, mean over heads) is a distribution over the real source.
TEST_P(TransformerDecoding, CachedStepsEqualTheFullForward) {
  const auto [pre_norm, learned] = GetParam();
  Transformer model(tiny(pre_norm, learned), 3);
  model.train(false);
  testing::expect_steps_equal_full_forward(model, 1e-4, true);
}

INSTANTIATE_TEST_SUITE_P(Norms, TransformerDecoding,
                         ::testing::Combine(::testing::Bool(), ::testing::Bool()));

TEST(Transformer, SelectRowsReordersEveryCache) {
  Transformer model(tiny(), 4);
  model.train(false);
  testing::expect_select_rows_reorders(model, 1e-5);
}

// Batches whose outputs may run to 17 or to 31 steps share the products that write keys and
// values into the caches (built for the caches' row stride): a long input of batches of many
// lengths builds few, not some for every batch.
TEST(Transformer, DecodingBatchesOfNearbyLengthsShareTheirProducts) {
  TransformerConfig config = tiny();
  config.max_positions = 64;
  Transformer model(config, 5);
  model.train(false);
  Graph graph;
  NoGrad no_grad(graph);
  const IntTensor lengths = graph.ids({2}, std::vector<int32_t>{3, 2});
  const Tensor memory =
      model.encode(graph.ids({2, 3}, std::vector<int32_t>{5, 6, 7, 8, 9, 0}), lengths);
  size_t after_first = 0;
  for (const int64_t steps : {17, 31, 20, 26}) {
    const auto decoder = model.step_decoder(memory, lengths, steps);
    decoder->step({2, 2});
    decoder->step({10, 11});
    if (after_first == 0) after_first = Engine::get().cached_primitives();
    EXPECT_EQ(Engine::get().cached_primitives(), after_first) << steps << " steps";
  }
}

// A tiny Transformer learns to reverse sequences of 5 tokens.
TEST(Learning, TransformerLearnsToReverse) {
  TransformerConfig c = tiny();
  c.dim = 32;
  c.ff_dim = 64;
  c.dropout = 0;
  Transformer model(c, 5);
  const auto r = testing::train_to_reverse(
      model, 400, [](int step) { return step < 50 ? 0.001f * (step + 1) / 50 : 0.001f; });
  EXPECT_LT(r.loss, 0.05f) << "after " << r.steps << " steps";
}

}  // namespace
}  // namespace huiyan::nn
