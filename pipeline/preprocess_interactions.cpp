#include "pipeline/preprocess_interactions.h"

#include <chrono>
#include <filesystem>
#include <sstream>

#include "io/atomic_file.h"
#include "io/dataset.h"
#include "io/error.h"
#include "pipeline/interactions.h"
#include "pipeline/item_metadata.h"

namespace huiyan::pipeline {

nlohmann::json InteractionsSummary::to_json() const {
  return {{"input", input},
          {"lines_read", lines_read},
          {"interactions", interactions},
          {"dropped_by_rating", dropped_by_rating},
          {"users", users},
          {"items", items},
          {"users_train_only", users_train_only},
          {"split_items", split_items},
          {"metadata_matched", metadata_matched},
          {"metadata_latin1_lines", metadata_latin1_lines},
          {"features", features},
          {"output", output},
          {"seconds", seconds}};
}

std::string InteractionsSummary::to_text() const {
  std::ostringstream out;
  out << input << ": " << interactions << " interactions of " << users << " users with " << items
      << " items";
  if (dropped_by_rating) out << " (" << dropped_by_rating << " dropped by --min-rating)";
  out << "\nleave-one-out: " << users - users_train_only << " users with valid/test items, "
      << users_train_only << " with fewer than 3 interactions (train only)\n";
  if (metadata_matched) {
    out << "item metadata: " << metadata_matched << " items, " << features << " features";
    if (metadata_latin1_lines) out << ", " << metadata_latin1_lines << " lines read as Latin-1";
    out << "\n";
  }
  out << "wrote " << output << "\n";
  return out.str();
}

InteractionsSummary preprocess_interactions(const InteractionsOptions& o) {
  if (o.input_path.empty()) throw std::invalid_argument("--input is required");
  if (o.out_dir.empty()) throw std::invalid_argument("--out-dir is required");
  const auto start = std::chrono::steady_clock::now();
  const UserSequences sequences = read_interactions(o.input_path, o.min_rating);
  io::Dataset dataset = leave_one_out(sequences);
  InteractionsSummary summary;
  summary.input = o.input_path;
  summary.lines_read = sequences.lines_read;
  summary.interactions = sequences.sequences.values.size();
  summary.dropped_by_rating = sequences.dropped_by_rating;
  summary.users = sequences.user_names.size();
  summary.items = sequences.item_names.size();
  for (const auto& split : dataset.splits) {
    summary.split_items[split.name] = split.src.values.size();
    if (split.name == "test") summary.users_train_only = summary.users - split.src.size();
  }
  if (!o.items_path.empty()) {
    const ItemMetadataSummary metadata =
        add_item_metadata(o.items_path, *dataset.items, o.min_feature_count);
    summary.metadata_matched = metadata.matched;
    summary.metadata_latin1_lines = metadata.latin1_lines;
    summary.features = metadata.features;
  }
  dataset.attributes["creator"] = "huiyan preprocess --format interactions";
  dataset.attributes["source"] = o.input_path;
  std::filesystem::create_directories(o.out_dir);
  summary.output = (std::filesystem::path(o.out_dir) / "data.h5").string();
  io::write_dataset(summary.output, dataset);
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  io::write_file_atomically(
      (std::filesystem::path(o.out_dir) / "summary.json").string(),
      summary.to_json().dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
  return summary;
}

}  // namespace huiyan::pipeline
