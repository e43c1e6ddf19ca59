#include "pipeline/item_metadata.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "io/error.h"
#include "io/utf8.h"
#include "tests/temp_dir.h"

namespace huiyan::pipeline {
namespace {

using huiyan::testing::TempDir;

std::vector<std::string> features_of(const io::ItemCatalogue& items, size_t i) {
  std::vector<std::string> names;
  for (const int32_t f : items.features[i]) names.push_back(items.feature_names[f]);
  std::sort(names.begin(), names.end());
  return names;
}

std::string u_item_line(const std::string& id, const std::string& title, int genre) {
  std::string line = id + "|" + title + "|01-Jan-1995||http://x";
  for (int g = 0; g < 19; ++g) line += g == genre ? "|1" : "|0";
  return line + "\n";
}

TEST(ItemMetadata, ReadsLatin1UItemWithGenresAndYears) {
  TempDir dir;
  // Line 2 is Latin-1, as in MovieLens's u.item ("Misérables" with é = 0xE9).
  const std::string path =
      dir.write("u.item", u_item_line("1", "Toy Story (1995)", 3) +
                              u_item_line("2", "Mis\xe9rables, Les (1995)", 8) +
                              u_item_line("9", "Unused (1990)", 1));
  io::ItemCatalogue items;
  items.names = {"1", "2", "3"};  // item 3 has no line; 9 is not in the catalogue
  const ItemMetadataSummary summary = add_item_metadata(path, items, 2);
  EXPECT_EQ(summary.lines, 3u);
  EXPECT_EQ(summary.matched, 2u);
  EXPECT_EQ(summary.latin1_lines, 1u);
  EXPECT_EQ(items.titles[1], "Mis\xc3\xa9rables, Les (1995)");
  EXPECT_TRUE(io::is_valid_utf8(items.titles[1]));
  EXPECT_EQ(items.titles[2], "3");
  // "year:1995" is on two items and stays; title words on one item are dropped; genres stay.
  EXPECT_EQ(features_of(items, 0), (std::vector<std::string>{"genre:Animation", "year:1995"}));
  EXPECT_EQ(features_of(items, 1), (std::vector<std::string>{"genre:Drama", "year:1995"}));
  EXPECT_TRUE(features_of(items, 2).empty());
}

TEST(ItemMetadata, ReadsMoviesDatAndKeepsCommonTitleWords) {
  TempDir dir;
  const std::string path =
      dir.write("movies.dat", "1::Star Wars (1977)::Action|Sci-Fi\n2::Star Trek (1979)::Sci-Fi\n");
  io::ItemCatalogue items;
  items.names = {"1", "2"};
  add_item_metadata(path, items, 2);
  EXPECT_EQ(features_of(items, 0),
            (std::vector<std::string>{"genre:Action", "genre:Sci-Fi", "star"}));
  EXPECT_EQ(features_of(items, 1), (std::vector<std::string>{"genre:Sci-Fi", "star"}));
}

TEST(ItemMetadata, MalformedLineNamesTheFileAndLine) {
  TempDir dir;
  io::ItemCatalogue items;
  items.names = {"1"};
  try {
    add_item_metadata(dir.write("u.item", "1|Short|line\n"), items);
    FAIL() << "no error";
  } catch (const io::DataError& e) {
    EXPECT_NE(std::string(e.what()).find("u.item: line 1: expected u.item's 24"),
              std::string::npos);
  }
}

}  // namespace
}  // namespace huiyan::pipeline
