#pragma once
// `huiyan preprocess`: raw corpora -> normalized, filtered, split text files plus a summary.
//
// Output files in `out_dir`, one example per line, line i of paired files belonging together:
//   parallel: <split>.src, <split>.tgt      labeled: <split>.txt, <split>.label      text:
//   <split>.txt
// and summary.json (summary.<split>.json when the whole input is one named split).

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "pipeline/normalize.h"

namespace huiyan::pipeline {

enum class CorpusFormat { parallel, labeled, text };

struct PreprocessOptions {
  CorpusFormat format = CorpusFormat::text;
  std::string src_path;  // parallel text as two aligned files...
  std::string tgt_path;
  std::string input_path;  // ...or everything in one file (TSV for parallel/labeled); "-" = stdin
  int src_column = 1;      // 1-based TSV columns
  int tgt_column = 2;
  int label_column = 1;
  int text_column = 2;
  std::string out_dir;

  NormalizeOptions normalize;
  bool keep_empty = false;
  size_t max_length = 0;        // words per side; 0 = no limit
  double max_length_ratio = 0;  // longer/shorter side in words; 0 = no limit
  bool dedup = false;
  bool skip_invalid = false;  // skip and count lines with invalid UTF-8 or too few columns

  std::string split;         // non-empty: the whole input is this split, nothing is drawn
  double valid_size = 0.05;  // below 1 a fraction, otherwise a count
  double test_size = 0.05;
  uint64_t seed = 1;
  bool progress = true;
};

struct PreprocessSummary {
  std::vector<std::string> inputs;
  size_t lines_read = 0;
  size_t kept = 0;
  std::map<std::string, size_t> dropped;      // reason -> lines
  std::map<std::string, size_t> split_sizes;  // split -> examples written
  std::vector<std::string> outputs;
  std::vector<std::string> warnings;  // for stderr, whatever --quiet says
  double seconds = 0;
  bool lowercase = false;  // the text was lower-cased: a model trained on it must see new text so

  nlohmann::json to_json() const;
  // Human-readable, several lines.
  std::string to_text() const;
};

// Throws std::invalid_argument for inconsistent options and io::DataError for bad input.
PreprocessSummary preprocess(const PreprocessOptions& options);

}  // namespace huiyan::pipeline
