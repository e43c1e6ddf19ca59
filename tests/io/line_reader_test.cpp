#include "io/line_reader.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include "io/error.h"
#include "tests/temp_dir.h"

namespace huiyan::io {
namespace {

using huiyan::testing::TempDir;

std::vector<std::string> all_lines(LineReader& reader) {
  std::vector<std::string> lines;
  std::string line;
  while (reader.next(line)) lines.push_back(line);
  return lines;
}

TEST(LineReader, SplitsLinesAndStripsCarriageReturns) {
  TempDir dir;
  const auto path = dir.write("a.txt", "first\r\n\nthird\nlast without newline");
  LineReader reader(path);
  EXPECT_EQ(all_lines(reader),
            (std::vector<std::string>{"first", "", "third", "last without newline"}));
  EXPECT_EQ(reader.line_number(), 4u);
  EXPECT_EQ(reader.name(), path);
}

TEST(LineReader, ReadsGzipTransparently) {
  TempDir dir;
  const std::string path = dir / "a.gz";
  gzFile gz = gzopen(path.c_str(), "wb");
  ASSERT_NE(gz, nullptr);
  std::string expected;
  for (int i = 0; i < 100000; ++i) expected += "line " + std::to_string(i) + "\n";
  gzwrite(gz, expected.data(), static_cast<unsigned>(expected.size()));
  gzclose(gz);

  LineReader reader(path);
  const auto lines = all_lines(reader);
  ASSERT_EQ(lines.size(), 100000u);
  EXPECT_EQ(lines.front(), "line 0");
  EXPECT_EQ(lines.back(), "line 99999");
}

TEST(LineReader, TruncatedGzipIsAnErrorNotAShortFile) {
  TempDir dir;
  const std::string path = dir / "cut.gz";
  gzFile gz = gzopen(path.c_str(), "wb");
  ASSERT_NE(gz, nullptr);
  std::string text;
  for (int i = 0; i < 200000; ++i) text += "line " + std::to_string(i) + "\n";
  gzwrite(gz, text.data(), static_cast<unsigned>(text.size()));
  gzclose(gz);
  const std::string whole = huiyan::testing::read_file(path);
  dir.write("cut.gz", whole.substr(0, whole.size() / 2));
  LineReader reader(path);
  try {
    all_lines(reader);
    FAIL() << "no error";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("cut.gz: line "), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("truncated or corrupt"), std::string::npos) << e.what();
  }
}

TEST(LineReader, HandlesLinesLongerThanItsBuffer) {
  TempDir dir;
  const std::string long_line(3'000'000, 'x');
  const auto path = dir.write("long.txt", "a\n" + long_line + "\nb\n");
  LineReader reader(path);
  const auto lines = all_lines(reader);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[1], long_line);
  EXPECT_EQ(lines[2], "b");
}

TEST(LineReader, EmptyFileHasNoLines) {
  TempDir dir;
  LineReader reader(dir.write("empty.txt", ""));
  EXPECT_TRUE(all_lines(reader).empty());
}

TEST(LineReader, MissingFileIsADataErrorNamingIt) {
  try {
    LineReader reader("/nonexistent/corpus.txt");
    FAIL() << "no error";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/corpus.txt"), std::string::npos);
  }
}

}  // namespace
}  // namespace huiyan::io
