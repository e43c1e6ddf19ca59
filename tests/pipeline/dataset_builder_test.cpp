#include "pipeline/dataset_builder.h"

#include <gtest/gtest.h>

#include "io/dataset.h"
#include "io/error.h"
#include "io/line_reader.h"
#include "pipeline/sentence_splitter.h"
#include "pipeline/subword_model.h"
#include "pipeline/subword_trainer.h"
#include "tests/temp_dir.h"

namespace huiyan::pipeline {
namespace {

using huiyan::testing::read_file;
using huiyan::testing::TempDir;

const std::string kData = HUIYAN_TEST_DATA_DIR;

std::string train_model(const TempDir& dir, const std::vector<std::string>& inputs,
                        const std::string& name, int vocab = 300) {
  SubwordTrainOptions o;
  o.inputs = inputs;
  o.output = dir / (name + ".model");
  o.vocab_size = vocab;
  o.character_coverage = 1.0;
  train_subword_model(o);
  return o.output;
}

const io::DatasetSplit& split_named(const io::Dataset& dataset, const std::string& name) {
  const io::DatasetSplit* split = dataset.split(name);
  if (split == nullptr) throw std::runtime_error("no split " + name);
  return *split;
}

std::vector<int> as_vector(std::span<const int32_t> ids) {
  return {ids.begin(), ids.end()};
}

TEST(DatasetBuilder, TranslateStoresEveryLineEncodedByTheModel) {
  TempDir dir;
  std::filesystem::create_directories(dir / "data");
  std::filesystem::copy_file(kData + "/multi30k/train.de", dir / "data/train.src");
  std::filesystem::copy_file(kData + "/multi30k/train.en", dir / "data/train.tgt");
  std::filesystem::copy_file(kData + "/multi30k/test.de", dir / "data/test.src");
  std::filesystem::copy_file(kData + "/multi30k/test.en", dir / "data/test.tgt");
  dir.write("data/empty.src", "");  // a 0-row split
  dir.write("data/empty.tgt", "");
  const std::string src = train_model(dir, {dir / "data/train.src"}, "de");
  const std::string tgt = train_model(dir, {dir / "data/train.tgt"}, "en");

  DatasetBuildOptions o;
  o.task = "translate";
  o.data_dir = dir / "data";
  o.src_model = src;
  o.tgt_model = tgt;
  o.output = dir / "data.h5";
  const auto summary = build_dataset(o);
  ASSERT_EQ(summary.splits.size(), 3u);
  EXPECT_EQ(summary.splits[0].first, "train");  // train, valid, test first, then by name
  EXPECT_EQ(summary.splits[1].first, "test");
  EXPECT_EQ(summary.splits[2].first, "empty");

  const io::Dataset dataset = io::read_dataset(o.output);
  EXPECT_EQ(dataset.task, "translate");
  EXPECT_FALSE(dataset.joint_tokenizer);
  EXPECT_EQ(dataset.src_tokenizer, read_file(src));
  EXPECT_EQ(dataset.tgt_tokenizer, read_file(tgt));
  const auto de = SubwordModel::load(src);
  const auto en = SubwordModel::load(tgt);
  const auto& train = split_named(dataset, "train");
  const auto de_lines = io::read_lines(kData + "/multi30k/train.de");
  const auto en_lines = io::read_lines(kData + "/multi30k/train.en");
  ASSERT_EQ(train.src.size(), de_lines.size());
  ASSERT_TRUE(train.tgt.has_value());
  for (size_t i = 0; i < de_lines.size(); ++i) {
    ASSERT_EQ(as_vector(train.src[i]), de.encode_ids(de_lines[i])) << i;
    ASSERT_EQ(as_vector((*train.tgt)[i]), en.encode_ids(en_lines[i])) << i;
  }
  const auto& empty = split_named(dataset, "empty");
  EXPECT_EQ(empty.src.size(), 0u);
}

TEST(DatasetBuilder, ClassifyMapsLabelsAndNestsSentences) {
  TempDir dir;
  dir.write("data/train.txt", "Great film. Loved it!\nAwful. Just awful. Avoid.\n\nFine.\n");
  dir.write("data/train.label", "pos\nneg\nneg\n10\n");
  dir.write("data/test.txt", "Not bad at all.\n");
  dir.write("data/test.label", "pos\n");
  const std::string model =
      train_model(dir, {kData + "/multi30k/train.en", dir / "data/train.txt"}, "m", 200);

  DatasetBuildOptions o;
  o.task = "classify";
  o.data_dir = dir / "data";
  o.model = model;
  o.sentences = true;
  o.output = dir / "classify.h5";
  build_dataset(o);

  const io::Dataset dataset = io::read_dataset(o.output);
  EXPECT_EQ(dataset.label_names, (std::vector<std::string>{"10", "neg", "pos"}));
  const auto& train = split_named(dataset, "train");
  ASSERT_TRUE(train.labels && train.doc_offsets);
  EXPECT_EQ(*train.labels, (std::vector<int32_t>{2, 1, 1, 0}));
  // Sentences per document: 2, 3, 0 (an empty document), 1.
  EXPECT_EQ(*train.doc_offsets, (std::vector<int64_t>{0, 2, 5, 5, 6}));
  const auto m = SubwordModel::load(model);
  EXPECT_EQ(as_vector(train.src[3]), m.encode_ids("Just awful."));
  EXPECT_EQ(train.num_examples(), 4u);
}

TEST(DatasetBuilder, MultiLabelAndNumericLabelOrder) {
  TempDir dir;
  dir.write("data/train.txt", "a b\nc d\ne f\n");
  dir.write("data/train.label", "10,2\n2\n1, 10 ,1\n");
  const std::string model = train_model(dir, {kData + "/multi30k/train.en"}, "m", 200);
  DatasetBuildOptions o;
  o.task = "classify";
  o.data_dir = dir / "data";
  o.model = model;
  o.multi_label = true;
  o.output = dir / "multi.h5";
  build_dataset(o);
  const auto dataset = io::read_dataset(o.output);
  EXPECT_EQ(dataset.label_names, (std::vector<std::string>{"1", "2", "10"}));
  const auto& sets = *dataset.splits.at(0).label_sets;
  EXPECT_EQ(as_vector(sets[0]), (std::vector<int>{1, 2}));
  EXPECT_EQ(as_vector(sets[1]), (std::vector<int>{1}));
  EXPECT_EQ(as_vector(sets[2]), (std::vector<int>{0, 2}));
}

TEST(DatasetBuilder, ReportsMismatchedAndMissingFiles) {
  TempDir dir;
  const std::string model = train_model(dir, {kData + "/multi30k/train.en"}, "m", 200);
  dir.write("data/train.txt", "a\nb\n");
  dir.write("data/train.label", "x\n");
  DatasetBuildOptions o;
  o.task = "classify";
  o.data_dir = dir / "data";
  o.model = model;
  o.output = dir / "out.h5";
  try {
    build_dataset(o);
    FAIL() << "no error";
  } catch (const io::DataError& e) {
    EXPECT_NE(std::string(e.what()).find("train.label: has 1 lines but"), std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(o.output));

  o.task = "translate";
  try {
    build_dataset(o);
    FAIL() << "no error";
  } catch (const io::DataError& e) {
    EXPECT_NE(std::string(e.what()).find("no <split>.src files"), std::string::npos) << e.what();
  }
  o.task = "summarize";
  EXPECT_THROW(build_dataset(o), std::invalid_argument);
}

// A split file without its partner is left out with a warning (it was left out silently); the
// output may not be one of the files read.
TEST(DatasetBuilder, WarnsOfAHalfSplitAndRefusesToWriteOverAnInput) {
  TempDir dir;
  const std::string model = train_model(dir, {kData + "/multi30k/train.en"}, "m", 200);
  dir.write("data/train.src", "a dog\nthe cat\n");
  dir.write("data/train.tgt", "ein Hund\ndie Katze\n");
  dir.write("data/valid.src", "a bird\n");
  DatasetBuildOptions o;
  o.task = "translate";
  o.data_dir = dir / "data";
  o.model = model;
  o.output = dir / "out.h5";
  const DatasetBuildSummary summary = build_dataset(o);
  ASSERT_EQ(summary.splits.size(), 1u);
  ASSERT_EQ(summary.warnings.size(), 1u);
  EXPECT_NE(summary.warnings[0].find("valid.src has no valid.tgt beside it"), std::string::npos)
      << summary.warnings[0];
  o.output = dir / "data/train.tgt";
  EXPECT_THROW(build_dataset(o), std::invalid_argument);
  EXPECT_EQ(io::read_lines(dir / "data/train.tgt").size(), 2u);
}

}  // namespace
}  // namespace huiyan::pipeline
