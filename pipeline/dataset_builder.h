#pragma once
// `huiyan tokenize build`: the split text files of `huiyan preprocess` -> one HDF5 dataset of
// token ids (layout in io/dataset.h), with the SentencePiece model(s) inside.
//
// Files read from `data_dir`, per split:
//   translate: <split>.src + <split>.tgt     classify: <split>.txt + <split>.label     text:
//   <split>.txt

#include <string>
#include <utility>
#include <vector>

namespace huiyan::pipeline {

struct DatasetBuildOptions {
  std::string task;  // translate | classify | text
  std::string data_dir;
  std::string model;      // one (joint) SentencePiece model for every side...
  std::string src_model;  // ...or one per side (translate)
  std::string tgt_model;
  std::vector<std::string> splits;  // empty: every split found in data_dir
  bool sentences = false;           // store each document as ICU sentences (classify, text)
  std::string sentence_locale;      // ICU locale for sentence boundaries; "" = root
  bool multi_label = false;         // a label field holds several labels...
  char label_separator = ',';       // ...separated by this
  std::string output;
};

struct SplitCounts {
  size_t examples = 0;
  size_t sequences = 0;  // sentences when nested
  size_t src_tokens = 0;
  size_t tgt_tokens = 0;
};

struct DatasetBuildSummary {
  std::vector<std::pair<std::string, SplitCounts>> splits;  // in dataset order
  std::vector<std::string> label_names;
  size_t sequences_encoded = 0;
  double encode_seconds = 0;
  double seconds = 0;
  int threads = 1;
  std::vector<std::string> warnings;  // files left out, for stderr
  std::string to_text() const;        // the counts, without the warnings
};

// Throws std::invalid_argument for inconsistent options and io::DataError for bad input.
DatasetBuildSummary build_dataset(const DatasetBuildOptions& options);

}  // namespace huiyan::pipeline
