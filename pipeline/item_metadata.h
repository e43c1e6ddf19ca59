#pragma once
// Item titles and side-information features from a MovieLens metadata file, decoded from
// Latin-1 when a line is not UTF-8 (MovieLens ships Latin-1):
//   u.item      (ml-100k)  id|title|release date|video release date|IMDb URL|19 genre flags
//   movies.dat  (ml-1m)    id::title::Genre|Genre|...
//   a TSV                  id<TAB>title[<TAB>Genre|Genre|...]
// Features are the lower-cased words of the title, the release year ("year:1995") and the genres
// ("genre:Comedy"); a word or year seen on fewer than `min_count` items is dropped, genres are
// always kept.

#include <cstddef>
#include <string>

#include "io/dataset.h"

namespace huiyan::pipeline {

struct ItemMetadataSummary {
  size_t lines = 0;
  size_t matched = 0;       // lines whose id is an item of the catalogue
  size_t latin1_lines = 0;  // lines decoded as Latin-1
  size_t features = 0;      // the feature vocabulary's size, padding excluded
};

// Fills items.titles (items without a line keep their id as the title), items.features and
// items.feature_names. io::DataError "<file>: line <n>: <what>" for a malformed line.
ItemMetadataSummary add_item_metadata(const std::string& path, io::ItemCatalogue& items,
                                      size_t min_count = 2);

// `text` as UTF-8: unchanged when it is valid UTF-8, else each byte read as Latin-1.
std::string utf8_or_latin1(const std::string& text, bool* converted = nullptr);

}  // namespace huiyan::pipeline
