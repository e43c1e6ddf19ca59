#include "io/dataset.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "io/error.h"
#include "io/hdf5_file.h"
#include "tests/temp_dir.h"

namespace huiyan::io {
namespace {

namespace fs = std::filesystem;

class DatasetTest : public ::testing::Test {
 protected:
  std::string path(const std::string& name) const { return temp_ / name; }

  huiyan::testing::TempDir temp_;
  const fs::path& dir_ = temp_.path();
};

Ragged ragged(const std::vector<std::vector<int32_t>>& sequences) {
  Ragged result;
  for (const auto& sequence : sequences) result.append(sequence);
  return result;
}

void expect_same(const Ragged& actual, const Ragged& expected) {
  EXPECT_EQ(actual.values, expected.values);
  EXPECT_EQ(actual.offsets, expected.offsets);
}

void expect_same(const std::optional<Ragged>& actual, const std::optional<Ragged>& expected) {
  ASSERT_EQ(actual.has_value(), expected.has_value());
  if (actual) expect_same(*actual, *expected);
}

void expect_same(const DatasetSplit& actual, const DatasetSplit& expected) {
  SCOPED_TRACE("split " + expected.name);
  EXPECT_EQ(actual.name, expected.name);
  expect_same(actual.src, expected.src);
  expect_same(actual.tgt, expected.tgt);
  expect_same(actual.label_sets, expected.label_sets);
  EXPECT_EQ(actual.doc_offsets, expected.doc_offsets);
  EXPECT_EQ(actual.labels, expected.labels);
  EXPECT_EQ(actual.source_files, expected.source_files);
}

// Splits come back sorted by name, so the expected splits must be given in that order.
void expect_same(const Dataset& actual, const Dataset& expected) {
  EXPECT_EQ(actual.task, expected.task);
  EXPECT_EQ(actual.src_tokenizer, expected.src_tokenizer);
  EXPECT_EQ(actual.tgt_tokenizer, expected.tgt_tokenizer);
  EXPECT_EQ(actual.joint_tokenizer, expected.joint_tokenizer);
  EXPECT_EQ(actual.label_names, expected.label_names);
  EXPECT_EQ(actual.attributes, expected.attributes);
  ASSERT_EQ(actual.splits.size(), expected.splits.size());
  for (size_t i = 0; i < expected.splits.size(); ++i) {
    expect_same(actual.splits[i], expected.splits[i]);
  }
}

template <typename Body>
std::string data_error_message(Body body) {
  try {
    body();
  } catch (const DataError& error) {
    return error.what();
  }
  ADD_FAILURE() << "expected a DataError";
  return "";
}

void expect_contains(const std::string& text, const std::string& part) {
  EXPECT_NE(text.find(part), std::string::npos) << "\"" << part << "\" not in: " << text;
}

DatasetSplit split_named(const std::string& name) {
  DatasetSplit split;
  split.name = name;
  return split;
}

// Model bytes with NULs and bytes that are not UTF-8, like a real serialized protobuf.
std::string binary_model(char seed) {
  std::string bytes = "spm";
  for (int i = 0; i < 300; ++i) bytes.push_back(static_cast<char>(seed + i * 37));
  bytes.push_back('\0');
  return bytes;
}

Dataset translation_dataset() {
  Dataset dataset;
  dataset.task = "translate";
  dataset.src_tokenizer = binary_model(1);
  dataset.attributes = {{"creator", "huiyan 0.1.0"}, {"options", "{\"vocab\": 8000}"}};
  DatasetSplit test = split_named("test");
  test.src = ragged({{1, 2}, {3}});
  test.tgt = ragged({{4}, {5, 6, 7}});
  DatasetSplit train = split_named("train");
  train.src = ragged({{10, 11, 12}, {}, {13}});
  train.tgt = ragged({{}, {20, 21}, {22}});
  train.source_files = {"corpus/train.de", "corpus/train.en"};
  dataset.splits = {test, train};
  return dataset;
}

TEST_F(DatasetTest, TranslationWithJointTokenizerRoundTripsAndStoresTheModelOnce) {
  const std::string file_path = path("joint.h5");
  Dataset dataset = translation_dataset();
  dataset.joint_tokenizer = true;
  write_dataset(file_path, dataset);

  Dataset expected = dataset;
  expected.tgt_tokenizer = dataset.src_tokenizer;
  expect_same(read_dataset(file_path), expected);

  const h5::File file = h5::File::open_read(file_path);
  const h5::Group root = file.root();
  H5O_info_t src_info{};
  H5O_info_t tgt_info{};
  ASSERT_GE(
      H5Oget_info_by_name2(root.id(), "tokenizer/src", &src_info, H5O_INFO_BASIC, H5P_DEFAULT), 0);
  ASSERT_GE(
      H5Oget_info_by_name2(root.id(), "tokenizer/tgt", &tgt_info, H5O_INFO_BASIC, H5P_DEFAULT), 0);
  EXPECT_EQ(src_info.addr, tgt_info.addr);
  EXPECT_EQ(src_info.rc, 2u);
  EXPECT_EQ(root.attr_string("format"), "huiyan-dataset");
  EXPECT_EQ(root.attr_int("format_version"), 1);
  EXPECT_EQ(root.open_group("tokenizer").attr_int("joint"), 1);
  const h5::Group train = root.open_group("train");
  EXPECT_EQ(train.attr_int("num_examples"), 3);
  EXPECT_EQ(train.attr_int("src_tokens"), 4);
  EXPECT_EQ(train.attr_int("tgt_tokens"), 3);
  EXPECT_EQ(train.attr_string("source_files"), "corpus/train.de\ncorpus/train.en");
}

TEST_F(DatasetTest, TranslationWithSeparateTokenizersRoundTrips) {
  const std::string file_path = path("separate.h5");
  Dataset dataset = translation_dataset();
  dataset.tgt_tokenizer = binary_model(2);
  write_dataset(file_path, dataset);
  expect_same(read_dataset(file_path), dataset);
  EXPECT_EQ(list_splits(file_path), (std::vector<std::string>{"test", "train"}));
  expect_same(read_split(file_path, "train"), dataset.splits[1]);
  expect_contains(data_error_message([&] { read_split(file_path, "valid"); }),
                  "separate.h5: /valid: no such split");
}

TEST_F(DatasetTest, ClassificationWithLabelsLabelSetsAndDocumentsRoundTrips) {
  const std::string file_path = path("classify.h5");
  Dataset dataset;
  dataset.task = "classify";
  dataset.src_tokenizer = binary_model(3);
  dataset.label_names = {"negative", "positive", "neutral", "情感"};
  DatasetSplit flat = split_named("flat");
  flat.src = ragged({{1, 2, 3}, {4}, {}});
  flat.labels = std::vector<int32_t>{0, 3, 1};
  flat.label_sets = ragged({{0, 2}, {}, {1, 2, 3}});
  DatasetSplit nested = split_named("nested");
  nested.src = ragged({{1}, {2, 3}, {4}, {5, 6}, {7}});   // five sentences
  nested.doc_offsets = std::vector<int64_t>{0, 2, 2, 5};  // three documents, one of them empty
  nested.labels = std::vector<int32_t>{1, 0, 2};
  nested.source_files = {"reviews.jsonl"};
  dataset.splits = {flat, nested};
  EXPECT_EQ(nested.num_examples(), 3u);
  write_dataset(file_path, dataset);
  expect_same(read_dataset(file_path), dataset);
}

TEST_F(DatasetTest, EmptyTokenizerAndZeroRowSplitRoundTrip) {
  const std::string file_path = path("empty.h5");
  Dataset dataset;
  dataset.task = "text";
  DatasetSplit empty = split_named("empty");
  empty.labels = std::vector<int32_t>{};
  DatasetSplit blank = split_named("train");
  blank.src = ragged({{}, {}, {}});
  dataset.splits = {empty, blank};
  write_dataset(file_path, dataset);
  const Dataset read = read_dataset(file_path);
  expect_same(read, dataset);
  EXPECT_EQ(read.splits[0].num_examples(), 0u);
  EXPECT_EQ(read.splits[1].num_examples(), 3u);
  EXPECT_TRUE(read.splits[1].src[2].empty());
}

TEST_F(DatasetTest, RecommendationWithItemsUsersAndSideInformationRoundTrips) {
  Dataset d;
  d.task = "recommend";
  d.user_names = {"u1", "u2"};
  d.items = ItemCatalogue{};
  d.items->names = {"10", "20", "30"};
  d.items->titles = {"Toy Story (1995)", "Misérables, Les (1995)", "30"};
  d.items->features.append(std::vector<int32_t>{1, 2});
  d.items->features.append(std::vector<int32_t>{2});
  d.items->features.append(std::vector<int32_t>{});
  d.items->feature_names = {"<pad>", "genre:Animation", "year:1995"};
  DatasetSplit train;
  train.name = "train";
  train.src.append(std::vector<int32_t>{1, 2});
  train.src.append(std::vector<int32_t>{3});
  train.users = std::vector<int32_t>{0, 1};
  DatasetSplit test;
  test.name = "test";
  test.src.append(std::vector<int32_t>{1, 2});
  test.tgt = Ragged{};
  test.tgt->append(std::vector<int32_t>{3});
  test.users = std::vector<int32_t>{0};
  d.splits = {train, test};
  write_dataset(path("rec.h5"), d);
  const Dataset back = read_dataset(path("rec.h5"));
  EXPECT_EQ(back.user_names, d.user_names);
  ASSERT_TRUE(back.items);
  EXPECT_EQ(back.items->names, d.items->names);
  EXPECT_EQ(back.items->titles, d.items->titles);
  EXPECT_EQ(back.items->features.values, d.items->features.values);
  EXPECT_EQ(back.items->features.offsets, d.items->features.offsets);
  EXPECT_EQ(back.items->feature_names, d.items->feature_names);
  EXPECT_EQ(list_splits(path("rec.h5")), (std::vector<std::string>{"test", "train"}));
  EXPECT_EQ(*read_split(path("rec.h5"), "train").users, (std::vector<int32_t>{0, 1}));

  // A user outside the user names, or a feature outside the vocabulary, is not written.
  Dataset bad_user = d;
  bad_user.splits[1].users = std::vector<int32_t>{2};
  EXPECT_THROW(write_dataset(path("bad.h5"), bad_user), std::logic_error);
  Dataset bad_feature = d;
  bad_feature.items->features.values[0] = 3;
  EXPECT_THROW(write_dataset(path("bad.h5"), bad_feature), std::logic_error);
  EXPECT_FALSE(fs::exists(path("bad.h5")));
}

TEST_F(DatasetTest, TruncatedFileIsDataErrorNamingTheFile) {
  const std::string file_path = path("truncated.h5");
  Dataset dataset = translation_dataset();
  for (int32_t i = 0; i < 5000; ++i) {
    dataset.splits[1].src.append(std::vector<int32_t>{i, i * 3 + 1, i % 17});
    dataset.splits[1].tgt->append(std::vector<int32_t>{i * 7 % 1000});
  }
  write_dataset(file_path, dataset);
  fs::resize_file(file_path, fs::file_size(file_path) / 2);
  expect_contains(data_error_message([&] { read_dataset(file_path); }), file_path + ": ");
}

TEST_F(DatasetTest, NotADatasetFileIsDataError) {
  const std::string file_path = path("other.h5");
  h5::File file = h5::File::create(file_path);
  file.root().set_attr("format", "something-else");
  file.close();
  expect_contains(data_error_message([&] { read_dataset(file_path); }),
                  "other.h5: /: not a huiyan dataset");
}

TEST_F(DatasetTest, InconsistentDatasetIsNotWrittenAndKeepsTheOldFile) {
  const std::string file_path = path("kept.h5");
  write_dataset(file_path, translation_dataset());
  Dataset broken = translation_dataset();
  broken.splits[1].tgt->append(std::vector<int32_t>{1});
  EXPECT_THROW(write_dataset(file_path, broken), std::logic_error);
  Dataset reserved = translation_dataset();
  reserved.attributes["format"] = "mine";
  EXPECT_THROW(write_dataset(file_path, reserved), std::logic_error);
  expect_same(read_dataset(file_path), translation_dataset());
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), {}), 1);
}

// ---- files written through the h5 layer that break one rule each ----

struct BrokenSplit {
  std::string description;
  std::function<void(h5::Group& split)> write;
  std::string expected_message;
};

void write_ragged(h5::Group& group, const std::string& name, const std::vector<int32_t>& ids,
                  const std::vector<int64_t>& offsets) {
  group.write_array<int32_t>(name + "/ids", ids);
  group.write_array<int64_t>(name + "/offsets", offsets);
}

// Writes a file whose format attributes and label names are fine; `write` fills /train.
void write_raw_dataset(const std::string& file_path, const BrokenSplit& broken) {
  h5::File file = h5::File::create(file_path);
  {
    h5::Group root = file.root();
    root.set_attr("format", "huiyan-dataset");
    root.set_attr("format_version", 1);
    root.set_attr("task", "classify");
    root.write_strings("label_names", {"a", "b"});
    h5::Group train = root.create_group("train");
    train.set_attr("num_examples", 2);
    train.set_attr("num_sequences", 2);
    broken.write(train);
  }
  file.close();
}

TEST_F(DatasetTest, ReadingRejectsInconsistentFilesNamingThePath) {
  const std::vector<BrokenSplit> cases = {
      {"offsets not starting at 0",
       [](h5::Group& g) {
         write_ragged(g, "src", {1, 2}, {1, 1, 2});
       },
       "/train/src/offsets: offsets must start at 0"},
      {"decreasing offsets",
       [](h5::Group& g) {
         write_ragged(g, "src", {1, 2}, {0, 2, 1});
       },
       "/train/src/offsets: offsets decrease at index 2"},
      {"last offset beyond the ids",
       [](h5::Group& g) {
         write_ragged(g, "src", {1, 2}, {0, 1, 3});
       },
       "/train/src/offsets: last offset 3 does not match the 2 ids"},
      {"missing ids",
       [](h5::Group& g) {
         g.write_array<int64_t>("src/offsets", {{0, 0, 0}});
       },
       "/train/src/ids: missing dataset"},
      {"offsets of the wrong type",
       [](h5::Group& g) {
         g.write_array<int32_t>("src/ids", {{1, 2}});
         g.write_array<int32_t>("src/offsets", {{0, 1, 2}});
       },
       "/train/src/offsets: holds int32, expected int64"},
      {"documents past the sentences",
       [](h5::Group& g) {
         write_ragged(g, "src", {1, 2}, {0, 1, 2});
         g.write_array<int64_t>("doc_offsets", {{0, 1, 3}});
       },
       "/train/doc_offsets: last offset 3 does not match the 2 sentences"},
      {"too few labels",
       [](h5::Group& g) {
         write_ragged(g, "src", {1, 2}, {0, 1, 2});
         g.write_array<int32_t>("labels", {{1}});
       },
       "/train/labels: 1 labels for 2 examples"},
      {"label outside the names",
       [](h5::Group& g) {
         write_ragged(g, "src", {1, 2}, {0, 1, 2});
         g.write_array<int32_t>("labels", {{1, 2}});
       },
       "/train/labels: label 2 at index 1 is outside the 2 label names"},
      {"label set outside the names",
       [](h5::Group& g) {
         write_ragged(g, "src", {1, 2}, {0, 1, 2});
         write_ragged(g, "label_sets", {0, -1}, {0, 2, 2});
       },
       "/train/label_sets/ids: label -1 at index 1"},
      {"fewer targets than sources",
       [](h5::Group& g) {
         write_ragged(g, "src", {1, 2}, {0, 1, 2});
         write_ragged(g, "tgt", {3}, {0, 1});
       },
       "/train/tgt/offsets: 1 target sequences for 2 source sequences"},
      {"wrong example count attribute",
       [](h5::Group& g) {
         write_ragged(g, "src", {1, 2, 3}, {0, 1, 2, 3});
         g.set_attr("num_examples", 3);
       },
       "/train: attribute \"num_sequences\" is 2 but the data holds 3"},
  };
  for (const BrokenSplit& broken : cases) {
    SCOPED_TRACE(broken.description);
    const std::string file_path = path("broken.h5");
    write_raw_dataset(file_path, broken);
    expect_contains(data_error_message([&] { read_dataset(file_path); }),
                    file_path + ": " + broken.expected_message);
    expect_contains(data_error_message([&] { read_split(file_path, "train"); }),
                    file_path + ": " + broken.expected_message);
  }
}

}  // namespace
}  // namespace huiyan::io
