#include "pipeline/sentence_splitter.h"

#include <gtest/gtest.h>

namespace huiyan::pipeline {
namespace {

TEST(SentenceSplitter, SplitsAtSentenceBoundaries) {
  SentenceSplitter splitter("en");
  EXPECT_EQ(splitter.split("This film is great. I loved it! Would I watch it again? Yes."),
            (std::vector<std::string>{"This film is great.", "I loved it!",
                                      "Would I watch it again?", "Yes."}));
}

TEST(SentenceSplitter, KeepsDecimalsAndTrimsSpaces) {
  SentenceSplitter splitter;
  EXPECT_EQ(splitter.split("  It cost 3.50 dollars.   Cheap.  "),
            (std::vector<std::string>{"It cost 3.50 dollars.", "Cheap."}));
  EXPECT_TRUE(splitter.split("").empty());
  EXPECT_TRUE(splitter.split("   ").empty());
  EXPECT_EQ(splitter.split("no final stop"), (std::vector<std::string>{"no final stop"}));
}

TEST(SentenceSplitter, HandlesNonLatinScripts) {
  SentenceSplitter splitter;
  EXPECT_EQ(splitter.split("我很喜欢。你呢？"), (std::vector<std::string>{"我很喜欢。", "你呢？"}));
}

TEST(SentenceSplitter, CopiesAreIndependent) {
  SentenceSplitter a;
  SentenceSplitter b(a);
  EXPECT_EQ(a.split("One. Two."), b.split("One. Two."));
}

}  // namespace
}  // namespace huiyan::pipeline
