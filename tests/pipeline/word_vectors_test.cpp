#include "pipeline/word_vectors.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>

#include "io/dataset.h"
#include "io/error.h"
#include "nn/random.h"
#include "tests/pipeline/classify_fixture.h"

namespace huiyan::pipeline {
namespace {

using huiyan::testing::TempDir;

// Sequences from two disjoint groups of tokens (4..13 and 14..23): tokens that share contexts
// must end up closer than tokens that never meet.
io::Ragged two_topics() {
  nn::Random rng(3);
  io::Ragged r;
  for (int i = 0; i < 600; ++i) {
    const int32_t base = i % 2 == 0 ? 4 : 14;
    std::vector<int32_t> s;
    for (int t = 0; t < 12; ++t) s.push_back(base + static_cast<int32_t>(rng.below(10)));
    r.append(s);
  }
  return r;
}

double cosine(const std::vector<float>& v, int64_t dim, int32_t a, int32_t b) {
  double dot = 0, na = 0, nb = 0;
  for (int64_t d = 0; d < dim; ++d) {
    const double x = v[static_cast<size_t>(a * dim + d)], y = v[static_cast<size_t>(b * dim + d)];
    dot += x * y, na += x * x, nb += y * y;
  }
  return dot / std::sqrt(na * nb);
}

struct OneThread {
  OneThread() : previous(omp_get_max_threads()) { omp_set_num_threads(1); }
  ~OneThread() { omp_set_num_threads(previous); }
  int previous;
};

WordVectorOptions small() {
  WordVectorOptions o;
  o.dim = 16;
  o.epochs = 5;
  o.subsample = 0;
  o.progress = false;
  return o;
}

TEST(WordVectors, TokensSharingContextsEndUpCloser) {
  OneThread one;
  const io::Ragged corpus = two_topics();
  const auto v = train_word_vectors({&corpus}, 24, 4, small());
  double within = 0, across = 0;
  int n_within = 0, n_across = 0;
  for (int32_t a = 4; a < 24; ++a) {
    for (int32_t b = a + 1; b < 24; ++b) {
      const bool same = (a < 14) == (b < 14);
      (same ? within : across) += cosine(v, 16, a, b);
      ++(same ? n_within : n_across);
    }
  }
  EXPECT_GT(within / n_within, across / n_across + 0.3);
  for (int64_t d = 0; d < 16; ++d) EXPECT_EQ(v[static_cast<size_t>(d)], 0.0f);  // padding row
}

TEST(WordVectors, OneThreadRepeatsExactly) {
  OneThread one;
  const io::Ragged corpus = two_topics();
  EXPECT_EQ(train_word_vectors({&corpus}, 24, 4, small()),
            train_word_vectors({&corpus}, 24, 4, small()));
}

TEST(WordVectors, RejectsIdsOutsideTheVocabulary) {
  io::Ragged r;
  r.append(std::vector<int32_t>{4, 30});
  EXPECT_THROW(train_word_vectors({&r}, 24, 4, small()), std::invalid_argument);
}

TEST(WordVectors, ADivergingRateIsAnErrorNotAFileOfNaN) {
  OneThread one;
  const io::Ragged corpus = two_topics();
  WordVectorOptions o = small();
  o.lr = 1e30f;
  try {
    train_word_vectors({&corpus}, 24, 4, o);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("diverged; lower --lr"), std::string::npos) << e.what();
  }
}

TEST(WordVectors, FileRoundTripAndTokenizerCheck) {
  TempDir dir;
  const std::string data = testing::sentiment_dataset(dir);
  EmbeddingTrainOptions o;
  o.data = {data};
  o.output = dir / "vectors.h5";
  o.vectors = small();
  o.vectors.epochs = 1;
  const WordVectorSummary s = train_embeddings(o);
  EXPECT_GT(s.tokens, 1000);
  const io::Dataset d = io::read_dataset(data);
  const auto v = load_embeddings(o.output, d.src_tokenizer, 60, 16);
  EXPECT_EQ(v.size(), 60u * 16u);
  EXPECT_THROW(load_embeddings(o.output, d.src_tokenizer, 60, 32), io::DataError);
  EXPECT_THROW(load_embeddings(o.output, "another tokenizer", 60, 16), io::DataError);
}

}  // namespace
}  // namespace huiyan::pipeline
