#include "io/dataset.h"

#include <algorithm>
#include <functional>
#include <span>
#include <stdexcept>

#include "io/atomic_file.h"
#include "io/error.h"
#include "io/hdf5_file.h"

namespace huiyan::io {
namespace {

constexpr std::string_view kFormat = "huiyan-dataset";
constexpr int64_t kFormatVersion = 1;
constexpr std::string_view kTokenizerGroup = "tokenizer";
constexpr std::string_view kLabelNames = "label_names";
constexpr std::string_view kItems = "items";
constexpr std::string_view kUsers = "users";

bool is_reserved_group(std::string_view name) {
  return name == kTokenizerGroup || name == kLabelNames || name == kItems || name == kUsers;
}

bool is_reserved_attribute(std::string_view name) {
  return name == "format" || name == "format_version" || name == "task";
}

// Validation is shared by the writer and the reader; it reports a problem as (HDF5 path of the
// offending object, what is wrong) and leaves the choice of exception to the caller.
using Complaint = std::function<void(const std::string& path, const std::string& what)>;

void check_offsets(std::span<const int64_t> offsets, size_t value_count, const std::string& path,
                   const std::string& counted, const Complaint& complain) {
  if (offsets.empty() || offsets.front() != 0) {
    complain(path, "offsets must start at 0");
    return;
  }
  for (size_t i = 1; i < offsets.size(); ++i) {
    if (offsets[i] < offsets[i - 1]) {
      complain(path, "offsets decrease at index " + std::to_string(i));
      return;
    }
  }
  if (static_cast<uint64_t>(offsets.back()) != value_count) {
    complain(path, "last offset " + std::to_string(offsets.back()) + " does not match the " +
                       std::to_string(value_count) + " " + counted);
  }
}

void check_ragged(const Ragged& ragged, const std::string& path, const Complaint& complain) {
  check_offsets(ragged.offsets, ragged.values.size(), path + "/offsets", "ids in " + path + "/ids",
                complain);
}

void check_label_range(std::span<const int32_t> labels, size_t label_count, const std::string& path,
                       const Complaint& complain) {
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] < 0 || static_cast<size_t>(labels[i]) >= label_count) {
      complain(path, "label " + std::to_string(labels[i]) + " at index " + std::to_string(i) +
                         " is outside the " + std::to_string(label_count) + " label names");
      return;
    }
  }
}

void check_users(const DatasetSplit& split, size_t user_count, const Complaint& complain) {
  if (!split.users) return;
  const std::string path = "/" + split.name + "/users";
  if (split.users->size() != split.src.size()) {
    complain(path, std::to_string(split.users->size()) + " users for " +
                       std::to_string(split.src.size()) + " sequences");
  }
  for (size_t i = 0; i < split.users->size(); ++i) {
    const int32_t user = (*split.users)[i];
    if (user < 0 || static_cast<size_t>(user) >= user_count) {
      complain(path, "user " + std::to_string(user) + " at index " + std::to_string(i) +
                         " is outside the " + std::to_string(user_count) + " user names");
      return;
    }
  }
}

void check_items(const ItemCatalogue& items, const Complaint& complain) {
  if (!items.titles.empty() && items.titles.size() != items.names.size()) {
    complain("/items/titles", std::to_string(items.titles.size()) + " titles for " +
                                  std::to_string(items.names.size()) + " items");
  }
  if (items.features.size() == 0) return;
  check_ragged(items.features, "/items/features", complain);
  if (items.features.size() != items.names.size()) {
    complain("/items/features/offsets", std::to_string(items.features.size()) +
                                            " feature sequences for " +
                                            std::to_string(items.names.size()) + " items");
  }
  for (const int32_t f : items.features.values) {
    if (f <= 0 || static_cast<size_t>(f) >= items.feature_names.size()) {
      complain("/items/features/ids", "feature " + std::to_string(f) + " is outside 1.." +
                                          std::to_string(items.feature_names.size() - 1));
      return;
    }
  }
}

void check_split(const DatasetSplit& split, size_t label_count, const Complaint& complain) {
  const std::string base = "/" + split.name;
  check_ragged(split.src, base + "/src", complain);
  if (split.tgt) {
    check_ragged(*split.tgt, base + "/tgt", complain);
    if (split.tgt->size() != split.src.size()) {
      complain(base + "/tgt/offsets", std::to_string(split.tgt->size()) + " target sequences for " +
                                          std::to_string(split.src.size()) + " source sequences");
    }
  }
  if (split.doc_offsets) {
    check_offsets(*split.doc_offsets, split.src.size(), base + "/doc_offsets",
                  "sentences in " + base + "/src", complain);
  }
  const size_t examples = split.num_examples();
  if (split.labels) {
    if (split.labels->size() != examples) {
      complain(base + "/labels", std::to_string(split.labels->size()) + " labels for " +
                                     std::to_string(examples) + " examples");
    }
    check_label_range(*split.labels, label_count, base + "/labels", complain);
  }
  if (split.label_sets) {
    check_ragged(*split.label_sets, base + "/label_sets", complain);
    if (split.label_sets->size() != examples) {
      complain(base + "/label_sets/offsets", std::to_string(split.label_sets->size()) +
                                                 " label sets for " + std::to_string(examples) +
                                                 " examples");
    }
    check_label_range(split.label_sets->values, label_count, base + "/label_sets/ids", complain);
  }
}

[[noreturn]] void reject(const std::string& path, const std::string& what) {
  throw std::logic_error("write_dataset: " + path + ": " + what);
}

void check_for_writing(const Dataset& dataset) {
  const Complaint complain = [](const std::string& path, const std::string& what) {
    reject(path, what);
  };
  for (const auto& [name, value] : dataset.attributes) {
    if (is_reserved_attribute(name)) reject("/", "attribute \"" + name + "\" is reserved");
  }
  if (dataset.joint_tokenizer && !dataset.tgt_tokenizer.empty() &&
      dataset.tgt_tokenizer != dataset.src_tokenizer) {
    reject("/tokenizer", "a joint tokenizer cannot have a separate target model");
  }
  std::vector<std::string> names;
  for (const DatasetSplit& split : dataset.splits) {
    if (split.name.empty() || split.name.find('/') != std::string::npos || split.name == "." ||
        is_reserved_group(split.name)) {
      reject("/" + split.name, "invalid split name");
    }
    if (std::find(names.begin(), names.end(), split.name) != names.end()) {
      reject("/" + split.name, "duplicate split name");
    }
    names.push_back(split.name);
    for (const std::string& file : split.source_files) {
      if (file.empty() || file.find('\n') != std::string::npos) {
        reject("/" + split.name, "source file names must be non-empty and without newlines");
      }
    }
    check_split(split, dataset.label_names.size(), complain);
    check_users(split, dataset.user_names.size(), complain);
  }
  if (dataset.items) check_items(*dataset.items, complain);
}

// ---- writing ----

int64_t signed_size(size_t size) {
  return static_cast<int64_t>(size);
}

void write_ragged(h5::Group& group, const std::string& name, const Ragged& ragged) {
  h5::Group ragged_group = group.create_group(name);
  ragged_group.write_array<int32_t>("ids", ragged.values);
  ragged_group.write_array<int64_t>("offsets", ragged.offsets);
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string joined;
  for (const std::string& line : lines) {
    if (!joined.empty()) joined += '\n';
    joined += line;
  }
  return joined;
}

void write_split(h5::Group& root, const DatasetSplit& split) {
  h5::Group group = root.create_group(split.name);
  write_ragged(group, "src", split.src);
  if (split.tgt) write_ragged(group, "tgt", *split.tgt);
  if (split.doc_offsets) group.write_array<int64_t>("doc_offsets", *split.doc_offsets);
  if (split.labels) group.write_array<int32_t>("labels", *split.labels);
  if (split.label_sets) write_ragged(group, "label_sets", *split.label_sets);
  if (split.users) group.write_array<int32_t>("users", *split.users);
  group.set_attr("num_examples", signed_size(split.num_examples()));
  group.set_attr("num_sequences", signed_size(split.src.size()));
  group.set_attr("src_tokens", signed_size(split.src.values.size()));
  if (split.tgt) group.set_attr("tgt_tokens", signed_size(split.tgt->values.size()));
  group.set_attr("source_files", join_lines(split.source_files));
}

std::span<const uint8_t> as_bytes(const std::string& text) {
  return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

void write_tokenizers(h5::Group& root, const Dataset& dataset) {
  h5::Group group = root.create_group(kTokenizerGroup);
  group.set_attr("joint", dataset.joint_tokenizer ? 1 : 0);
  if (!dataset.src_tokenizer.empty())
    group.write_array<uint8_t>("src", as_bytes(dataset.src_tokenizer));
  if (dataset.joint_tokenizer) {
    if (!dataset.src_tokenizer.empty()) group.link("src", "tgt");
  } else if (!dataset.tgt_tokenizer.empty()) {
    group.write_array<uint8_t>("tgt", as_bytes(dataset.tgt_tokenizer));
  }
}

void write_items(h5::Group& root, const ItemCatalogue& items) {
  h5::Group group = root.create_group(kItems);
  group.write_strings("names", items.names);
  if (!items.titles.empty()) group.write_strings("titles", items.titles);
  if (items.features.size() > 0) {
    write_ragged(group, "features", items.features);
    group.write_strings("feature_names", items.feature_names);
  }
}

// ---- reading ----

[[noreturn]] void corrupt(const std::string& file, const std::string& path,
                          const std::string& what) {
  throw DataError(file + ": " + path + ": " + what);
}

Ragged read_ragged(const h5::Group& group, const std::string& name) {
  const h5::Group ragged_group = group.open_group(name);
  Ragged ragged;
  ragged.values = ragged_group.read_array<int32_t>("ids");
  ragged.offsets = ragged_group.read_array<int64_t>("offsets");
  return ragged;
}

std::vector<std::string> split_lines(const std::string& joined) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < joined.size()) {
    const size_t end = std::min(joined.find('\n', start), joined.size());
    lines.push_back(joined.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

void check_count_attr(const h5::Group& group, std::string_view name, size_t expected) {
  const int64_t stored = group.attr_int(name);
  if (stored != signed_size(expected)) {
    corrupt(group.file_path(), group.path(),
            "attribute \"" + std::string(name) + "\" is " + std::to_string(stored) +
                " but the data holds " + std::to_string(expected));
  }
}

DatasetSplit read_split_group(const h5::Group& root, const std::string& name, size_t label_count,
                              size_t user_count) {
  if (!root.has(name) || is_reserved_group(name)) {
    corrupt(root.file_path(), "/" + name, "no such split");
  }
  const h5::Group group = root.open_group(name);
  DatasetSplit split;
  split.name = name;
  split.src = read_ragged(group, "src");
  if (group.has("tgt")) split.tgt = read_ragged(group, "tgt");
  if (group.has("doc_offsets")) split.doc_offsets = group.read_array<int64_t>("doc_offsets");
  if (group.has("labels")) split.labels = group.read_array<int32_t>("labels");
  if (group.has("label_sets")) split.label_sets = read_ragged(group, "label_sets");
  if (group.has("users")) split.users = group.read_array<int32_t>("users");
  if (group.has_attr("source_files")) {
    split.source_files = split_lines(group.attr_string("source_files"));
  }
  const Complaint complain = [&](const std::string& path, const std::string& what) {
    corrupt(root.file_path(), path, what);
  };
  check_split(split, label_count, complain);
  check_users(split, user_count, complain);
  check_count_attr(group, "num_examples", split.num_examples());
  check_count_attr(group, "num_sequences", split.src.size());
  return split;
}

void check_format(const h5::Group& root) {
  if (!root.has_attr("format") || root.attr_string("format") != kFormat) {
    corrupt(root.file_path(), "/", "not a huiyan dataset (attribute \"format\" is missing)");
  }
  const int64_t version = root.attr_int("format_version");
  if (version != kFormatVersion) {
    corrupt(root.file_path(), "/",
            "unsupported format_version " + std::to_string(version) + " (this build reads " +
                std::to_string(kFormatVersion) + ")");
  }
}

std::string read_bytes(const h5::Group& group, std::string_view name) {
  const std::vector<uint8_t> bytes = group.read_array<uint8_t>(name);
  return {bytes.begin(), bytes.end()};
}

void read_tokenizers(const h5::Group& root, Dataset& dataset) {
  if (!root.has(kTokenizerGroup)) return;
  const h5::Group group = root.open_group(kTokenizerGroup);
  dataset.joint_tokenizer = group.has_attr("joint") && group.attr_int("joint") != 0;
  if (group.has("src")) dataset.src_tokenizer = read_bytes(group, "src");
  if (group.has("tgt")) dataset.tgt_tokenizer = read_bytes(group, "tgt");
  if (dataset.joint_tokenizer && dataset.tgt_tokenizer != dataset.src_tokenizer) {
    corrupt(root.file_path(), "/tokenizer/tgt",
            "the tokenizer is marked joint but the target model differs from the source model");
  }
}

std::vector<std::string> split_names(const h5::Group& root) {
  std::vector<std::string> names;
  for (std::string& child : root.children()) {
    if (!is_reserved_group(child)) names.push_back(std::move(child));
  }
  return names;
}

std::vector<std::string> read_label_names(const h5::Group& root) {
  if (!root.has(kLabelNames)) return {};
  return root.read_strings(kLabelNames);
}

std::vector<std::string> read_user_names(const h5::Group& root) {
  if (!root.has(kUsers)) return {};
  return root.open_group(kUsers).read_strings("names");
}

std::optional<ItemCatalogue> read_items(const h5::Group& root) {
  if (!root.has(kItems)) return std::nullopt;
  const h5::Group group = root.open_group(kItems);
  ItemCatalogue items;
  items.names = group.read_strings("names");
  if (group.has("titles")) items.titles = group.read_strings("titles");
  if (group.has("features")) {
    items.features = read_ragged(group, "features");
    items.feature_names = group.read_strings("feature_names");
  }
  check_items(items, [&](const std::string& path, const std::string& what) {
    corrupt(root.file_path(), path, what);
  });
  return items;
}

}  // namespace

size_t DatasetSplit::num_examples() const {
  if (!doc_offsets) return src.size();
  return doc_offsets->empty() ? 0 : doc_offsets->size() - 1;
}

const DatasetSplit* Dataset::split(const std::string& name) const {
  for (const DatasetSplit& s : splits) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

void write_dataset(const std::string& path, const Dataset& dataset) {
  check_for_writing(dataset);
  AtomicFile atomic(path);
  h5::File file = h5::File::create(atomic.seekable_temp_path(), atomic.destination());
  {
    h5::Group root = file.root();
    root.set_attr("format", kFormat);
    root.set_attr("format_version", kFormatVersion);
    root.set_attr("task", dataset.task);
    for (const auto& [name, value] : dataset.attributes) root.set_attr(name, value);
    write_tokenizers(root, dataset);
    if (!dataset.label_names.empty()) root.write_strings(kLabelNames, dataset.label_names);
    if (dataset.items) write_items(root, *dataset.items);
    if (!dataset.user_names.empty()) {
      h5::Group users = root.create_group(kUsers);
      users.write_strings("names", dataset.user_names);
    }
    for (const DatasetSplit& split : dataset.splits) write_split(root, split);
  }
  file.close();
  atomic.commit();
}

Dataset read_dataset(const std::string& path) {
  const h5::File file = h5::File::open_read(path);
  const h5::Group root = file.root();
  check_format(root);
  Dataset dataset;
  dataset.task = root.attr_string("task");
  for (const std::string& name : root.attr_names()) {
    if (!is_reserved_attribute(name)) dataset.attributes[name] = root.attr_string(name);
  }
  read_tokenizers(root, dataset);
  dataset.label_names = read_label_names(root);
  dataset.items = read_items(root);
  dataset.user_names = read_user_names(root);
  for (const std::string& name : split_names(root)) {
    dataset.splits.push_back(
        read_split_group(root, name, dataset.label_names.size(), dataset.user_names.size()));
  }
  return dataset;
}

std::vector<std::string> list_splits(const std::string& path) {
  const h5::File file = h5::File::open_read(path);
  const h5::Group root = file.root();
  check_format(root);
  return split_names(root);
}

DatasetSplit read_split(const std::string& path, const std::string& split) {
  const h5::File file = h5::File::open_read(path);
  const h5::Group root = file.root();
  check_format(root);
  return read_split_group(root, split, read_label_names(root).size(), read_user_names(root).size());
}

}  // namespace huiyan::io
