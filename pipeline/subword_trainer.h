#pragma once
// `huiyan tokenize train`: a SentencePiece model (unigram or BPE) from cleaned text files.
// Joint source/target models come from giving both sides as inputs; separate ones from two runs.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace huiyan::pipeline {

struct SubwordTrainOptions {
  std::vector<std::string> inputs;  // text files (plain or gzip), one sentence or document a line
  std::string output;               // the .model file; a .vocab listing is written beside it
  int vocab_size = 8000;
  std::string model_type = "unigram";  // unigram | bpe
  double character_coverage = 0.9995;
  bool split_sentences = false;       // train on ICU sentences of each line (for documents)
  size_t max_sentences = 2'000'000;   // a seeded uniform sample when the input has more
  size_t max_sentence_bytes = 16384;  // longer training sentences are skipped by SentencePiece
  bool byte_fallback = false;         // unknown characters as UTF-8 bytes instead of <unk>
  uint64_t seed = 1;
  int threads = 1;
  bool verbose = false;                         // SentencePiece's own log
  std::function<void(const std::string&)> log;  // progress messages, when set
};

struct SubwordTrainSummary {
  size_t lines_read = 0;
  size_t sentences_used = 0;
  int vocab_size = 0;
  double seconds = 0;
};

// Throws io::DataError for unreadable or invalid input, std::invalid_argument for bad options.
SubwordTrainSummary train_subword_model(const SubwordTrainOptions& options);

}  // namespace huiyan::pipeline
