#include "pipeline/sentence_stream.h"

#include <gtest/gtest.h>

#include <sstream>

#include "tests/temp_dir.h"

namespace huiyan::pipeline {
namespace {

using huiyan::testing::TempDir;

std::string split(const std::string& input, bool joined) {
  TempDir dir;
  io::LineReader in(dir.write("docs.txt", input));
  std::ostringstream out;
  split_sentences_stream(in, out, "en", joined);
  return out.str();
}

TEST(SentenceStream, EachSentenceOnALineAndDocumentsApart) {
  EXPECT_EQ(split("It rained. We stayed in.\nGood.\n", false),
            "It rained.\nWe stayed in.\n\nGood.\n\n");
  EXPECT_EQ(split("It rained. We stayed in.\n\nGood.\n", true),
            "It rained.\tWe stayed in.\n\nGood.\n");
}

// Raw text may hold characters some readers break lines at, and tabs: no sentence splits a line
// or passes for two, and none is empty (an empty line ends a document).
TEST(SentenceStream, NoSentenceBreaksALineOrTheDocument) {
  const std::string input =
      "C\u0085D nel. E\fF ff. I\x1C"
      "J. One. Two\tthree.\n\u2028\u0085\n";
  EXPECT_EQ(split(input, true), "C\tD nel.\tE F ff.\tI J.\tOne.\tTwo three.\n\n");
  const std::string lines = split(input, false);
  EXPECT_EQ(lines.find_first_of("\f\x1C\x0B"), std::string::npos) << lines;
  EXPECT_EQ(lines.find("\u0085"), std::string::npos) << lines;
  EXPECT_EQ(lines.find("\u2028"), std::string::npos) << lines;
  EXPECT_EQ(lines.substr(lines.size() - 4), ".\n\n\n") << lines;  // the empty document
}

}  // namespace
}  // namespace huiyan::pipeline
