#include "nn/attention_hierarchical.h"

#include <gtest/gtest.h>

#include "tests/nn/attention_test_util.h"
#include "tests/nn/gradcheck.h"

namespace huiyan::nn {
namespace {

HanOptions small() {
  HanOptions o;
  o.embedding_dim = 3;
  o.word_hidden = 4;
  o.sentence_hidden = 3;
  o.attention_dim = 5;
  return o;
}

// 2 documents, up to 3 sentences of up to 4 words: doc 0 has sentences of 4, 2, 3 words; doc 1
// has one sentence of 1 word (and two padding sentences).
const std::vector<int32_t> kWordLengths = {4, 2, 3, 1, 0, 0};
const std::vector<int32_t> kSentenceLengths = {3, 1};

TEST(HierarchicalAttention, PaddingWordsAndSentencesAreMaskedAtBothLevels) {
  Random rng(1);
  HierarchicalAttention han(small(), rng);
  Graph graph;
  auto words = testing::random_input({6, 4, 3}, 2);
  const auto run = [&](const std::vector<float>& values) {
    return han(graph.from({6, 4, 3}, values), graph.ids({6}, kWordLengths),
               graph.ids({2}, kSentenceLengths));
  };
  const HanResult clean = run(words.values);
  // Weights: distributions over real words and real sentences, 0 on padding.
  std::vector<float> word_keep;
  for (const int32_t length : kWordLengths)
    for (int w = 0; w < 4; ++w) word_keep.push_back(w < length ? 1.0f : 0.0f);
  testing::expect_distribution(reshape(clean.word_weights, {6, 4}), word_keep, 4);
  testing::expect_distribution(clean.sentence_weights, {1, 1, 1, 1, 0, 0}, 3);
  ASSERT_EQ(clean.document.shape(), (Shape{2, 6}));

  // Anything written into padding leaves the document vectors unchanged.
  for (size_t s = 0; s < kWordLengths.size(); ++s)
    for (int w = kWordLengths[s]; w < 4; ++w)
      for (int c = 0; c < 3; ++c)
        words.values[(s * 4 + static_cast<size_t>(w)) * 3 + static_cast<size_t>(c)] = 50.0f;
  const HanResult noisy = run(words.values);
  EXPECT_EQ(clean.document.values(), noisy.document.values());
  EXPECT_EQ(clean.sentence_weights.values(), noisy.sentence_weights.values());
}

TEST(HierarchicalAttention, GradientsMatchFiniteDifferences) {
  Random rng(3);
  HierarchicalAttention han(small(), rng);
  testing::expect_gradients(
      {testing::random_input({6, 4, 3}, 4)},
      [&](Graph& graph, const std::vector<Tensor>& in) {
        return han(in[0], graph.ids({6}, kWordLengths), graph.ids({2}, kSentenceLengths)).document;
      },
      1e-2f, 3e-2, 3e-3);
}

}  // namespace
}  // namespace huiyan::nn
