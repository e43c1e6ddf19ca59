#pragma once
// Token vectors pre-trained on unlabelled text (in-domain reviews, say) to start a classifier's
// embedding from: skip-gram with negative sampling (Mikolov et al. 2013, word2vec): for each
// token w_t and each w_c within a window drawn from 1..window around it, maximise
// log σ(v'_c · v_t) + Σ_k log σ(−v'_k · v_t) over `negatives` tokens k drawn from the unigram
// distribution raised to 3/4; frequent tokens are subsampled (kept with probability
// (√(f/t) + 1)·t/f), and the rate falls linearly to 0. The input vectors v are the result.
//
// Threads update the shared vectors without locks (Hogwild, as word2vec does): with more than
// one thread two runs differ slightly; one thread and the same seed give the same vectors.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "io/ragged.h"

namespace huiyan::pipeline {

struct WordVectorOptions {
  int64_t dim = 128;
  int window = 5;
  int negatives = 5;
  double subsample = 1e-4;
  int epochs = 5;
  float lr = 0.025f;
  uint64_t seed = 1;
  bool progress = true;
  std::function<void(const std::string&)> log;  // one line per epoch
};

struct WordVectorSummary {
  int64_t tokens = 0;  // in the corpora, per epoch
  double seconds = 0;
};

// Vectors for ids 0..vocab-1 ([vocab × dim], row-major) from sequences of token ids; ids below
// `first_real` (padding and the other special ids) are neither trained nor drawn, and keep
// their initial values (padding id 0: zeros).
std::vector<float> train_word_vectors(const std::vector<const io::Ragged*>& corpora, int64_t vocab,
                                      int32_t first_real, const WordVectorOptions& options,
                                      WordVectorSummary* summary = nullptr);

}  // namespace huiyan::pipeline

namespace huiyan::pipeline {

// `huiyan train --task embeddings`: the token sequences of the train split of each dataset
// (never valid or test text; the datasets must share one SentencePiece model) -> a model file with
// config {"task": "embeddings", "dim", "vocab"}, the tokenizer at /tokenizer/src and the vectors at
// /params/embedding.
struct EmbeddingTrainOptions {
  std::vector<std::string> data;
  std::string output;
  WordVectorOptions vectors;
};
WordVectorSummary train_embeddings(const EmbeddingTrainOptions& options);

// The vectors of such a file, checked against the tokenizer they will be used with: an
// io::DataError naming the file when it was trained with another tokenizer or another size.
std::vector<float> load_embeddings(const std::string& path, const std::string& tokenizer,
                                   int64_t vocab, int64_t dim);

}  // namespace huiyan::pipeline
