#pragma once
// The dataset file: tokenized splits, tokenizer models and label names in one HDF5 file.
//
// Layout (format "huiyan-dataset", format_version 1):
//   /                      attrs format, format_version, task, and every Dataset::attributes entry
//   /tokenizer             attr joint (0/1)
//   /tokenizer/src         uint8 model bytes (absent when empty)
//   /tokenizer/tgt         uint8 model bytes, or a hard link to /tokenizer/src when joint
//   /label_names           variable-length UTF-8 strings (absent when empty)
//   /<split>/src/ids, /<split>/src/offsets                int32, int64 (n + 1 offsets)
//   /<split>/tgt/ids, /<split>/tgt/offsets                when translating
//   /<split>/doc_offsets                                  int64, when sentences form documents
//   /<split>/labels                                       int32, single-label classification
//   /<split>/label_sets/ids, /<split>/label_sets/offsets  multi-label classification
//   /<split>/users                                        int32, recommendation: row -> user
//   /items/names, /items/titles                           strings, recommendation: item k >= 1 is
//                                                         names[k - 1] (0 is padding)
//   /items/features/ids, /items/features/offsets          side information per item (token ids)
//   /items/feature_names                                  strings, the feature vocabulary
//   /users/names                                          strings, recommendation
//   /<split>                attrs num_examples, num_sequences, src_tokens, tgt_tokens (when tgt),
//                           source_files (the file names joined by "\n")

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "io/ragged.h"

namespace huiyan::io {

struct DatasetSplit {
  std::string name;           // "train", "valid", "test", or any name
  Ragged src;                 // input token ids (sentences when doc_offsets is set)
  std::optional<Ragged> tgt;  // translation targets, one per src sequence
  // Documents of sentences: document i = src sequences [doc_offsets[i], doc_offsets[i+1]).
  std::optional<std::vector<int64_t>> doc_offsets;
  std::optional<std::vector<int32_t>> labels;  // single-label: index into Dataset::label_names
  std::optional<Ragged> label_sets;            // multi-label: indices into Dataset::label_names
  std::optional<std::vector<int32_t>> users;   // recommendation: index into Dataset::user_names
  std::vector<std::string> source_files;

  size_t num_examples() const;  // documents when nested, else sequences
};

// The items of a recommendation dataset. Item k >= 1 is names[k - 1]; id 0 is padding.
struct ItemCatalogue {
  std::vector<std::string> names;   // the ids as the input file spelled them
  std::vector<std::string> titles;  // empty, or one per item
  // Side information: empty, or one sequence of feature ids per item (0 is padding, never used);
  // feature f is feature_names[f].
  Ragged features;
  std::vector<std::string> feature_names;

  size_t size() const { return names.size(); }
};

struct Dataset {
  std::string task;           // "translate", "classify", "text", "recommend"
  std::string src_tokenizer;  // serialized SentencePiece model (bytes); may be empty
  // Empty when there is none. When joint, it is the src model: written as "" or equal to
  // src_tokenizer, and read back as a copy of src_tokenizer.
  std::string tgt_tokenizer;
  bool joint_tokenizer = false;  // tgt uses the src model (stored once, hard-linked)
  std::vector<std::string> label_names;
  std::map<std::string, std::string> attributes;  // free-form root attributes (creator, options)
  std::optional<ItemCatalogue> items;             // recommendation
  std::vector<std::string> user_names;            // recommendation
  std::vector<DatasetSplit> splits;

  // The split called `name`, or null.
  const DatasetSplit* split(const std::string& name) const;
};

// Writes the whole file atomically. An inconsistent Dataset (a split the reader would reject, a
// reserved attribute or split name) is a std::logic_error and leaves any existing file untouched.
void write_dataset(const std::string& path, const Dataset& dataset);

// Reading validates the structure; any inconsistency is a DataError naming the file and path.
Dataset read_dataset(const std::string& path);
std::vector<std::string> list_splits(const std::string& path);  // sorted
DatasetSplit read_split(const std::string& path, const std::string& split);

}  // namespace huiyan::io
