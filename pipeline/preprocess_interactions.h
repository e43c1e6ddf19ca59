#pragma once
// `huiyan preprocess --format interactions`: an interactions file (and optionally item metadata)
// -> <out_dir>/data.h5 (the leave-one-out dataset, see interactions.h) and <out_dir>/summary.json.

#include <cstddef>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

namespace huiyan::pipeline {

struct InteractionsOptions {
  std::string input_path;  // "-" = stdin
  std::string items_path;  // optional: u.item, movies.dat or a TSV (item_metadata.h)
  std::string out_dir;
  double min_rating = 0;         // drop interactions rated below this (4-column input only)
  size_t min_feature_count = 2;  // side information: drop words seen on fewer items
};

struct InteractionsSummary {
  std::string input;
  size_t lines_read = 0;
  size_t interactions = 0;
  size_t dropped_by_rating = 0;
  size_t users = 0;
  size_t items = 0;
  size_t users_train_only = 0;                // fewer than 3 interactions: no valid/test item
  std::map<std::string, size_t> split_items;  // split -> items in its src sequences
  size_t metadata_matched = 0;
  size_t metadata_latin1_lines = 0;
  size_t features = 0;
  std::string output;
  double seconds = 0;

  nlohmann::json to_json() const;
  std::string to_text() const;
};

InteractionsSummary preprocess_interactions(const InteractionsOptions& options);

}  // namespace huiyan::pipeline
