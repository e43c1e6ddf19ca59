#include "nn/classifier.h"

#include <gtest/gtest.h>

#include <cmath>

#include "nn/optimizer.h"

namespace huiyan::nn {
namespace {

ClassifierConfig tiny(const std::string& arch) {
  ClassifierConfig c;
  c.arch = arch;
  c.vocab = 20;
  c.labels = 3;
  c.embedding_dim = 16;
  c.hidden = 8;
  c.attention_dim = 8;
  c.hops = 2;
  c.mlp = 12;
  c.layers = 2;
  c.heads = 2;
  c.ff_dim = 24;
  c.dropout = 0;
  return c;
}

// Documents as sentences of ids, batched the way the pipeline does: flat models read the
// sentences joined, HAN one row per sentence.
struct Batch {
  std::vector<int32_t> tokens, lengths, sentences;
  int64_t rows = 0, width = 0, max_sentences = 0;
};

Batch batch_of(const std::vector<std::vector<std::vector<int32_t>>>& docs, bool nested,
               int64_t extra_width = 0, int64_t extra_sentences = 0) {
  Batch b;
  std::vector<std::vector<int32_t>> rows;
  for (const auto& doc : docs) {
    if (nested) {
      b.max_sentences = std::max<int64_t>(b.max_sentences, static_cast<int64_t>(doc.size()));
    } else {
      std::vector<int32_t> flat;
      for (const auto& s : doc) flat.insert(flat.end(), s.begin(), s.end());
      rows.push_back(flat);
    }
  }
  if (nested) {
    b.max_sentences += extra_sentences;
    for (const auto& doc : docs) {
      for (int64_t s = 0; s < b.max_sentences; ++s) {
        rows.push_back(s < static_cast<int64_t>(doc.size()) ? doc[static_cast<size_t>(s)]
                                                            : std::vector<int32_t>{});
      }
      b.sentences.push_back(static_cast<int32_t>(doc.size()));
    }
  }
  for (const auto& r : rows) b.width = std::max<int64_t>(b.width, static_cast<int64_t>(r.size()));
  b.width += extra_width;
  b.rows = static_cast<int64_t>(rows.size());
  for (const auto& r : rows) {
    b.lengths.push_back(static_cast<int32_t>(r.size()));
    for (int64_t t = 0; t < b.width; ++t)
      b.tokens.push_back(t < static_cast<int64_t>(r.size()) ? r[static_cast<size_t>(t)] : 0);
  }
  return b;
}

ClassifierInput input_of(Graph& graph, const Batch& b) {
  ClassifierInput in;
  in.tokens = graph.ids({b.rows, b.width}, b.tokens);
  in.lengths = graph.ids({b.rows}, b.lengths);
  if (!b.sentences.empty())
    in.sentences = graph.ids({static_cast<int64_t>(b.sentences.size())}, b.sentences);
  return in;
}

const std::vector<std::vector<std::vector<int32_t>>> kDocs = {
    {{4, 5, 6}, {7, 8}}, {{9, 10, 11, 12}}, {{13}, {14, 15}, {16, 17, 18}}};

class EveryArch : public testing::TestWithParam<std::string> {};

TEST_P(EveryArch, PaddingChangesNothing) {
  const ClassifierConfig config = tiny(GetParam());
  auto model = make_classifier(config, 5);
  model->train(false);
  const auto logits = [&](int64_t extra_width, int64_t extra_sentences) {
    Graph graph;
    NoGrad no_grad(graph);
    const Batch b = batch_of(kDocs, config.hierarchical(), extra_width, extra_sentences);
    return (*model)(input_of(graph, b)).logits.values();
  };
  const auto tight = logits(0, 0);
  const auto padded = logits(3, config.hierarchical() ? 2 : 0);
  ASSERT_EQ(tight.size(), 9u);
  for (size_t i = 0; i < tight.size(); ++i) EXPECT_NEAR(tight[i], padded[i], 1e-5f) << i;
}

TEST_P(EveryArch, AttentionWeightsSumToOneOverRealTokens) {
  ClassifierConfig config = tiny(GetParam());
  auto model = make_classifier(config, 6);
  model->train(false);
  Graph graph;
  NoGrad no_grad(graph);
  const Batch b = batch_of(kDocs, config.hierarchical(), 2, config.hierarchical() ? 1 : 0);
  const ClassifierOutput out = (*model)(input_of(graph, b));
  ASSERT_TRUE(out.token_weights.defined());
  const Shape& s = out.token_weights.shape();
  ASSERT_EQ(s.rank, 3);
  ASSERT_EQ(s[0], 3);
  const auto w = out.token_weights.values();
  for (int64_t d = 0; d < s[0]; ++d) {
    for (int64_t r = 0; r < s[1]; ++r) {
      const int64_t row = config.hierarchical() ? d * s[1] + r : d;
      const int32_t length = b.lengths[static_cast<size_t>(row)];
      double total = 0;
      for (int64_t t = 0; t < s[2]; ++t) {
        const float v = w[static_cast<size_t>((d * s[1] + r) * s[2] + t)];
        if (t >= length) {
          EXPECT_EQ(v, 0.0f);
        }
        total += v;
      }
      EXPECT_NEAR(total, length > 0 ? 1.0 : 0.0, 1e-5) << d << " " << r;
    }
  }
  if (config.hierarchical()) {
    const auto sw = out.sentence_weights.values();
    for (int64_t d = 0; d < 3; ++d) {
      double total = 0;
      for (int64_t r = 0; r < s[1]; ++r) total += sw[static_cast<size_t>(d * s[1] + r)];
      EXPECT_NEAR(total, 1.0, 1e-5);
    }
  }
}

// Label = which of the marker tokens 1, 2, 3 the document holds, anywhere among noise tokens:
// every architecture must learn it from a few dozen steps.
TEST_P(EveryArch, LearnsWhichMarkerADocumentHolds) {
  ClassifierConfig config = tiny(GetParam());
  auto model = make_classifier(config, 7);
  Adam adam(model->parameters());
  Random rng(11);
  std::vector<std::vector<std::vector<int32_t>>> docs;
  std::vector<int32_t> labels;
  for (int i = 0; i < 48; ++i) {
    std::vector<std::vector<int32_t>> doc;
    const int sentences = 1 + static_cast<int>(rng.below(3));
    for (int s = 0; s < sentences; ++s) {
      std::vector<int32_t> sentence;
      const int words = 1 + static_cast<int>(rng.below(5));
      for (int w = 0; w < words; ++w) sentence.push_back(4 + static_cast<int32_t>(rng.below(16)));
      doc.push_back(sentence);
    }
    const int32_t label = i % 3;
    auto& target = doc[rng.below(doc.size())];
    target.insert(target.begin() + static_cast<int64_t>(rng.below(target.size() + 1)), 1 + label);
    docs.push_back(doc);
    labels.push_back(label);
  }
  const Batch b = batch_of(docs, config.hierarchical());
  model->train(true);
  Graph graph;
  for (int step = 0; step < 150; ++step) {
    const ClassifierOutput out = (*model)(input_of(graph, b));
    Tensor loss = cross_entropy(out.logits, graph.ids({48}, labels));
    if (out.penalty.defined()) loss = add(loss, affine(out.penalty, 0.01f / 48));
    graph.backward(loss);
    graph.reset();
    adam.step(0.01f);
    adam.zero_grad();
  }
  model->train(false);
  NoGrad no_grad(graph);
  const auto logits = (*model)(input_of(graph, b)).logits.values();
  int correct = 0;
  for (int i = 0; i < 48; ++i) {
    int best = 0;
    for (int k = 1; k < 3; ++k) best = logits[i * 3 + k] > logits[i * 3 + best] ? k : best;
    correct += best == labels[static_cast<size_t>(i)];
  }
  EXPECT_GE(correct, 46) << GetParam();
}

INSTANTIATE_TEST_SUITE_P(Classifier, EveryArch, testing::Values("han", "selfattn", "transformer"));

TEST(Classifier, ClassTokenTransformerIgnoresPadding) {
  ClassifierConfig config = tiny("transformer");
  config.pooling = "cls";
  auto model = make_classifier(config, 9);
  model->train(false);
  std::vector<std::vector<float>> results;
  for (int64_t extra : {0, 4}) {
    Graph graph;
    NoGrad no_grad(graph);
    const ClassifierOutput out = (*model)(input_of(graph, batch_of(kDocs, false, extra)));
    EXPECT_FALSE(out.token_weights.defined());
    results.push_back(out.logits.values());
  }
  for (size_t i = 0; i < results[0].size(); ++i) EXPECT_NEAR(results[0][i], results[1][i], 1e-5f);
}

TEST(Classifier, RejectsABadConfiguration) {
  EXPECT_THROW(make_classifier(tiny("cnn"), 1), std::invalid_argument);
  ClassifierConfig c = tiny("transformer");
  c.heads = 3;
  EXPECT_THROW(make_classifier(c, 1), std::invalid_argument);
  c = tiny("selfattn");
  c.cell = "rnn";
  EXPECT_THROW(make_classifier(c, 1), std::invalid_argument);
}

}  // namespace
}  // namespace huiyan::nn
