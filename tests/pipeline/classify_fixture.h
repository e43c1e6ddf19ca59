#pragma once
// A small synthetic sentiment corpus, built into a dataset the way the CLI does (SentencePiece
// model, ICU sentences), and a tiny classifier trained on it: shared by the classification tests.
// A document is 1-4 sentences of neutral words; a positive one holds "wonderful" or "great"
// somewhere, a negative one "awful" or "boring". Multi-label adds "long" to documents of more
// than two sentences.

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "nn/random.h"
#include "pipeline/dataset_builder.h"
#include "pipeline/subword_trainer.h"
#include "pipeline/train_classify.h"
#include "tests/temp_dir.h"

namespace huiyan::pipeline::testing {

inline const std::vector<std::string>& neutral_words() {
  static const std::vector<std::string> words = {
      "the", "film", "actor", "story", "plot", "music", "scene", "camera", "we", "saw",
      "it",  "was",  "quite", "a",     "very", "long",  "night", "cinema", "my", "friend"};
  return words;
}

// One document and its label ("pos"/"neg", plus ",long" when multi-label and long).
inline std::pair<std::string, std::string> synthetic_document(nn::Random& rng, bool multi_label) {
  const bool positive = rng.below(2) == 1;
  const int sentences = 1 + static_cast<int>(rng.below(4));
  const int marked = static_cast<int>(rng.below(static_cast<uint64_t>(sentences)));
  std::string text;
  for (int s = 0; s < sentences; ++s) {
    std::string sentence;
    const int words = 3 + static_cast<int>(rng.below(6));
    const int at = s == marked ? static_cast<int>(rng.below(static_cast<uint64_t>(words))) : -1;
    for (int w = 0; w < words; ++w) {
      std::string word = w == at ? (positive ? (rng.below(2) ? "wonderful" : "great")
                                             : (rng.below(2) ? "awful" : "boring"))
                                 : neutral_words()[rng.below(neutral_words().size())];
      if (sentence.empty()) word[0] = static_cast<char>(std::toupper(word[0]));
      sentence += (sentence.empty() ? "" : " ") + word;
    }
    text += (text.empty() ? "" : " ") + sentence + ".";
  }
  std::string label = positive ? "pos" : "neg";
  if (multi_label && sentences > 2) label += ",long";
  return {text, label};
}

inline void write_split(const std::filesystem::path& dir, const std::string& split, int n,
                        uint64_t seed, bool multi_label) {
  nn::Random rng(seed);
  std::ofstream text(dir / (split + ".txt")), labels(dir / (split + ".label"));
  for (int i = 0; i < n; ++i) {
    const auto [t, l] = synthetic_document(rng, multi_label);
    text << t << "\n";
    labels << l << "\n";
  }
}

// `output`: a classification dataset of sentences from the split files in `data_dir`, with the
// SentencePiece model <dir>/sp.model.
inline std::string build_sentiment_dataset(const huiyan::testing::TempDir& dir,
                                           const std::string& data_dir, const std::string& output,
                                           bool multi_label = false) {
  DatasetBuildOptions build;
  build.task = "classify";
  build.data_dir = data_dir;
  build.model = dir / "sp.model";
  build.sentences = true;
  build.multi_label = multi_label;
  build.output = output;
  build_dataset(build);
  return build.output;
}

// <dir>/data.h5 with train (400), valid (60) and test (60) documents, as sentences.
inline std::string sentiment_dataset(const huiyan::testing::TempDir& dir,
                                     bool multi_label = false) {
  const std::filesystem::path data = dir.path() / "data";
  std::filesystem::create_directories(data);
  write_split(data, "train", 400, 1, multi_label);
  write_split(data, "valid", 60, 2, multi_label);
  write_split(data, "test", 60, 3, multi_label);
  SubwordTrainOptions spm;
  spm.inputs = {(data / "train.txt").string()};
  spm.output = dir / "sp.model";
  spm.vocab_size = 60;
  spm.character_coverage = 1.0;
  train_subword_model(spm);
  return build_sentiment_dataset(dir, data.string(), dir / "data.h5", multi_label);
}

inline ClassifyTrainOptions tiny_training(const std::string& data, const std::string& output,
                                          const std::string& arch) {
  ClassifyTrainOptions o;
  o.data = data;
  o.output = output;
  o.model.arch = arch;
  o.model.embedding_dim = 16;
  o.model.hidden = 16;
  o.model.attention_dim = 16;
  o.model.hops = 2;
  o.model.penalty = 0.1f;
  o.model.mlp = 16;
  o.model.layers = 2;
  o.model.heads = 2;
  o.model.ff_dim = 32;
  o.model.dropout = 0.1f;
  o.batch_tokens = 256;
  o.lr = 5e-3f;
  o.max_epochs = 6;
  o.progress = false;
  return o;
}

}  // namespace huiyan::pipeline::testing
