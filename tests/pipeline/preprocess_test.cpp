#include "pipeline/preprocess.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <fstream>
#include <set>

#include "io/error.h"
#include "io/line_reader.h"
#include "tests/temp_dir.h"

namespace huiyan::pipeline {
namespace {

using huiyan::testing::read_file;
using huiyan::testing::TempDir;

PreprocessOptions parallel(const TempDir& dir, const std::string& src, const std::string& tgt) {
  PreprocessOptions o;
  o.format = CorpusFormat::parallel;
  o.src_path = dir.write("in.src", src);
  o.tgt_path = dir.write("in.tgt", tgt);
  o.out_dir = dir / "out";
  o.split = "train";
  o.progress = false;
  return o;
}

TEST(Preprocess, ParallelFiltersEachReason) {
  TempDir dir;
  auto o =
      parallel(dir, "a b\n\nc d e f g h\none\nsame here\nsame here\nx\xFFy\nlast\n",
               "A B\nempty src\nC D E F G H\none two three four\nsame here\nsame here\nok\nLAST\n");
  o.max_length = 5;
  o.max_length_ratio = 3;
  o.dedup = true;
  o.skip_invalid = true;
  const auto summary = preprocess(o);
  EXPECT_EQ(summary.lines_read, 8u);
  EXPECT_EQ(summary.kept, 3u);
  EXPECT_EQ(summary.dropped.at("empty"), 1u);
  EXPECT_EQ(summary.dropped.at("too_long"), 1u);
  EXPECT_EQ(summary.dropped.at("length_ratio"), 1u);
  EXPECT_EQ(summary.dropped.at("duplicate"), 1u);
  EXPECT_EQ(summary.dropped.at("invalid_utf8"), 1u);
  EXPECT_EQ(read_file(dir / "out/train.src"), "a b\nsame here\nlast\n");
  EXPECT_EQ(read_file(dir / "out/train.tgt"), "A B\nsame here\nLAST\n");

  const auto json = nlohmann::json::parse(read_file(dir / "out/summary.train.json"));
  EXPECT_EQ(json["kept"], 3);
  EXPECT_EQ(json["dropped"]["duplicate"], 1);
  EXPECT_EQ(json["splits"]["train"], 3);
}

TEST(Preprocess, InvalidUtf8StopsWithFileAndLine) {
  TempDir dir;
  auto o = parallel(dir, "fine\nalso fine\nbad \xC3(\n", "a\nb\nc\n");
  try {
    preprocess(o);
    FAIL() << "no error";
  } catch (const io::DataError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(o.src_path + ": line 3: invalid UTF-8 at byte 5"), std::string::npos)
        << message;
  }
  // Nothing half-written is left behind.
  EXPECT_FALSE(std::filesystem::exists(dir / "out/train.src"));
}

// The error leaves no empty --out-dir behind.
TEST(Preprocess, MisalignedParallelFilesAreAnError) {
  TempDir dir;
  auto o = parallel(dir, "a\nb\nc\n", "a\nb\n");
  EXPECT_THROW(preprocess(o), io::DataError);
  EXPECT_FALSE(std::filesystem::exists(o.out_dir));
  o.out_dir = dir / "a/b/c";
  EXPECT_THROW(preprocess(o), io::DataError);
  EXPECT_FALSE(std::filesystem::exists(dir / "a"));
}

TEST(Preprocess, LabeledTsvPicksColumnsAndStripsLineBreakTags) {
  TempDir dir;
  PreprocessOptions o;
  o.format = CorpusFormat::labeled;
  o.input_path = dir.write("reviews.tsv",
                           "1\t9\t0\tGreat film.<br /><br />Loved it\n"
                           "0\t2\t1\tＢａｄ\n"
                           "0\t1\n");
  o.label_column = 1;
  o.text_column = 4;
  o.out_dir = dir / "imdb";
  o.split = "train";
  o.progress = false;
  EXPECT_THROW(preprocess(o), io::DataError);  // line 3 has only two columns
  o.skip_invalid = true;
  const auto summary = preprocess(o);
  EXPECT_EQ(summary.dropped.at("malformed"), 1u);
  EXPECT_EQ(read_file(dir / "imdb/train.txt"), "Great film. Loved it\nBad\n");
  EXPECT_EQ(read_file(dir / "imdb/train.label"), "1\n0\n");
}

TEST(Preprocess, RandomSplitIsDeterministicAndComplete) {
  TempDir dir;
  std::string text;
  for (int i = 0; i < 200; ++i) text += "sentence number " + std::to_string(i) + "\n";
  PreprocessOptions o;
  o.format = CorpusFormat::text;
  o.input_path = dir.write("all.txt", text);
  o.valid_size = 0.1;
  o.test_size = 15;
  o.progress = false;

  const auto run = [&](uint64_t seed, const std::string& out) {
    o.seed = seed;
    o.out_dir = dir / out;
    const auto summary = preprocess(o);
    EXPECT_EQ(summary.split_sizes.at("train"), 165u);
    EXPECT_EQ(summary.split_sizes.at("valid"), 20u);  // 10% of 200
    EXPECT_EQ(summary.split_sizes.at("test"), 15u);
    return read_file(dir / (out + "/valid.txt"));
  };
  const std::string first = run(1, "a");
  EXPECT_TRUE(std::filesystem::exists(dir / "a/test.txt"));
  EXPECT_EQ(run(1, "b"), first);
  EXPECT_NE(run(2, "c"), first);

  // Every line lands in exactly one split.
  std::multiset<std::string> seen;
  for (const char* split : {"train", "valid", "test"}) {
    for (auto& line : io::read_lines(dir / (std::string("a/") + split + ".txt"))) seen.insert(line);
  }
  EXPECT_EQ(seen.size(), 200u);
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 200u);
}

TEST(Preprocess, ASplitOfSizeZeroLeavesAnEarlierSplitAlone) {
  TempDir dir;
  PreprocessOptions o;
  o.format = CorpusFormat::text;
  o.out_dir = dir / "out";
  o.progress = false;
  o.input_path = dir.write("test.txt", "held out\n");
  o.split = "test";
  preprocess(o);
  o.input_path = dir.write("train.txt", "a\nb\nc\nd\n");
  o.split = "";
  o.valid_size = 1;
  o.test_size = 0;
  const auto summary = preprocess(o);
  EXPECT_EQ(summary.split_sizes.count("test"), 0u);
  EXPECT_EQ(read_file(dir / "out/test.txt"), "held out\n");
  EXPECT_TRUE(summary.warnings.empty());
  // A test split of this same corpus, kept from an earlier run, now overlaps train: a warning.
  o.input_path = dir.write("train.txt", "a\nb\nc\nd\nheld out\n");
  const auto leaking = preprocess(o);
  ASSERT_EQ(leaking.warnings.size(), 1u);
  EXPECT_NE(leaking.warnings[0].find((dir / "out/test.txt") + " has 1 of its 1 lines in " +
                                     (dir / "out/train.txt") + " (" + (dir / "out/test.txt") +
                                     " from an earlier run, kept)"),
            std::string::npos)
      << leaking.warnings[0];
  // Either order: a test split written by itself beside a train split that holds its lines.
  o.out_dir = dir / "separate";
  o.valid_size = 0;
  o.split = "train";
  EXPECT_TRUE(preprocess(o).warnings.empty());
  o.input_path = dir.write("test2.txt", "held out\nnew\n");
  o.split = "test";
  const auto separate = preprocess(o);
  ASSERT_EQ(separate.warnings.size(), 1u);
  EXPECT_NE(separate.warnings[0].find((dir / "separate/test.txt") + " has 1 of its 2 lines in " +
                                      (dir / "separate/train.txt") + " (" +
                                      (dir / "separate/train.txt") + " from an earlier run)"),
            std::string::npos)
      << separate.warnings[0];
  // A random split over a test set an earlier --split test run wrote replaces it: said.
  o.input_path = dir.write("all.txt", "a\nb\nc\nd\ne\nf\n");
  o.split = "";
  o.valid_size = 1;
  o.test_size = 1;
  const auto replacing = preprocess(o);
  ASSERT_FALSE(replacing.warnings.empty());
  EXPECT_NE(
      replacing.warnings[0].find("random test split replaces the one an earlier --split test"),
      std::string::npos)
      << replacing.warnings[0];
  // Said once: the earlier run's summary, which no longer describes the split, is gone.
  EXPECT_FALSE(std::filesystem::exists(dir / "separate/summary.test.json"));
  EXPECT_TRUE(preprocess(o).warnings.empty());
}

// An input with nothing to keep (an upstream `zcat` that failed, say) is an error that leaves the
// splits of an earlier run as they were.
TEST(Preprocess, AnEmptyInputReplacesNoSplit) {
  TempDir dir;
  PreprocessOptions o;
  o.format = CorpusFormat::text;
  o.out_dir = dir / "out";
  o.progress = false;
  o.split = "train";
  o.input_path = dir.write("train.txt", "a\nb\n");
  preprocess(o);
  o.input_path = dir.write("empty.txt", "");
  EXPECT_THROW(preprocess(o), io::DataError);
  EXPECT_EQ(read_file(dir / "out/train.txt"), "a\nb\n");
}

TEST(Preprocess, ReadsGzipAndParallelTsv) {
  TempDir dir;
  const std::string sample = read_file(std::string(HUIYAN_TEST_DATA_DIR) + "/multi30k/test.de");
  const std::string gz_path = dir / "test.de.gz";
  gzFile gz = gzopen(gz_path.c_str(), "wb");
  ASSERT_NE(gz, nullptr);
  gzwrite(gz, sample.data(), static_cast<unsigned>(sample.size()));
  gzclose(gz);
  PreprocessOptions o;
  o.format = CorpusFormat::text;
  o.input_path = gz_path;
  o.out_dir = dir / "gz";
  o.split = "test";
  o.progress = false;
  const auto summary = preprocess(o);
  EXPECT_EQ(summary.lines_read, 50u);
  EXPECT_EQ(summary.kept, 50u);
  EXPECT_EQ(read_file(dir / "gz/test.txt"), sample);  // already clean: unchanged

  PreprocessOptions tsv;
  tsv.format = CorpusFormat::parallel;
  tsv.input_path = dir.write("pairs.tsv", "de\ten\tignored\nHallo Welt\tHello world\tx\n");
  tsv.src_column = 2;
  tsv.tgt_column = 1;
  tsv.out_dir = dir / "tsv";
  tsv.split = "train";
  tsv.progress = false;
  preprocess(tsv);
  EXPECT_EQ(read_file(dir / "tsv/train.src"), "en\nHello world\n");
  EXPECT_EQ(read_file(dir / "tsv/train.tgt"), "de\nHallo Welt\n");
}

TEST(Preprocess, InconsistentOptionsAreUsageErrors) {
  TempDir dir;
  PreprocessOptions o;
  o.format = CorpusFormat::parallel;
  o.src_path = dir.write("a", "x\n");
  o.out_dir = dir / "out";
  EXPECT_THROW(preprocess(o), std::invalid_argument);  // --tgt missing
  o.tgt_path = o.src_path;
  o.split = "../escape";
  EXPECT_THROW(preprocess(o), std::invalid_argument);
}

}  // namespace
}  // namespace huiyan::pipeline
