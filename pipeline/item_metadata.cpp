#include "pipeline/item_metadata.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>

#include "io/error.h"
#include "io/line_reader.h"
#include "io/utf8.h"

namespace huiyan::pipeline {

namespace {

// u.genre's 19 names, in u.item's flag order.
constexpr std::array<const char*, 19> kMovieLens100kGenres = {
    "unknown",     "Action", "Adventure", "Animation", "Children's", "Comedy",  "Crime",
    "Documentary", "Drama",  "Fantasy",   "Film-Noir", "Horror",     "Musical", "Mystery",
    "Romance",     "Sci-Fi", "Thriller",  "War",       "Western"};

std::vector<std::string> split_on(const std::string& text, const std::string& separator) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    const size_t end = text.find(separator, start);
    parts.push_back(text.substr(start, end - start));
    if (end == std::string::npos) return parts;
    start = end + separator.size();
  }
}

// Lower-cased ASCII letter/digit runs; bytes of multi-byte characters count as letters.
std::vector<std::string> title_words(const std::string& title) {
  std::vector<std::string> words;
  std::string word;
  for (const char c : title + " ") {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) || byte >= 0x80) {
      word += static_cast<char>(std::tolower(byte));
    } else if (!word.empty()) {
      words.push_back(std::move(word));
      word.clear();
    }
  }
  return words;
}

struct Parsed {
  std::string id;
  std::string title;
  std::vector<std::string> genres;
};

}  // namespace

std::string utf8_or_latin1(const std::string& text, bool* converted) {
  if (converted) *converted = false;
  if (io::is_valid_utf8(text)) return text;
  if (converted) *converted = true;
  std::string out;
  out.reserve(text.size() * 2);
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x80) {
      out += c;
    } else {
      out += static_cast<char>(0xC0 | (byte >> 6));
      out += static_cast<char>(0x80 | (byte & 0x3F));
    }
  }
  return out;
}

ItemMetadataSummary add_item_metadata(const std::string& path, io::ItemCatalogue& items,
                                      size_t min_count) {
  std::unordered_map<std::string, size_t> index;
  for (size_t i = 0; i < items.names.size(); ++i) index[items.names[i]] = i;
  ItemMetadataSummary summary;
  std::vector<std::optional<Parsed>> parsed(items.size());
  io::LineReader reader(path);
  std::string raw;
  while (reader.next(raw)) {
    ++summary.lines;
    if (raw.empty()) continue;
    bool converted = false;
    const std::string line = utf8_or_latin1(raw, &converted);
    if (converted) ++summary.latin1_lines;
    const auto fail = [&](const std::string& what) {
      throw io::DataError(reader.name() + ": line " + std::to_string(reader.line_number()) + ": " +
                          what);
    };
    Parsed item;
    if (line.find("::") != std::string::npos) {
      const auto fields = split_on(line, "::");
      if (fields.size() < 2) fail("expected 'id::title::genres'");
      item.id = fields[0];
      item.title = fields[1];
      if (fields.size() > 2 && !fields[2].empty()) item.genres = split_on(fields[2], "|");
    } else if (line.find('\t') != std::string::npos) {
      const auto fields = split_on(line, "\t");
      item.id = fields[0];
      item.title = fields[1];
      if (fields.size() > 2 && !fields[2].empty()) item.genres = split_on(fields[2], "|");
    } else {
      const auto fields = split_on(line, "|");
      if (fields.size() != 5 + kMovieLens100kGenres.size()) {
        fail("expected u.item's 24 '|'-separated fields, got " + std::to_string(fields.size()));
      }
      item.id = fields[0];
      item.title = fields[1];
      for (size_t g = 0; g < kMovieLens100kGenres.size(); ++g) {
        const std::string& flag = fields[5 + g];
        if (flag != "0" && flag != "1") fail("genre flag '" + flag + "' is not 0 or 1");
        if (flag == "1") item.genres.emplace_back(kMovieLens100kGenres[g]);
      }
    }
    const auto found = index.find(item.id);
    if (found == index.end()) continue;
    ++summary.matched;
    parsed[found->second] = std::move(item);
  }

  // Feature strings per item, then a vocabulary of those common enough.
  std::vector<std::vector<std::string>> features(items.size());
  std::map<std::string, size_t> item_counts;
  for (size_t i = 0; i < items.size(); ++i) {
    if (!parsed[i]) continue;
    std::set<std::string> mine;
    for (const auto& word : title_words(parsed[i]->title)) {
      // "(1995)" at the end of a MovieLens title is the release year.
      const bool year = word.size() == 4 && std::all_of(word.begin(), word.end(), ::isdigit) &&
                        parsed[i]->title.find("(" + word + ")") != std::string::npos;
      mine.insert(year ? "year:" + word : word);
    }
    for (const auto& genre : parsed[i]->genres) mine.insert("genre:" + genre);
    for (const auto& f : mine) ++item_counts[f];
    features[i].assign(mine.begin(), mine.end());
  }
  items.feature_names = {"<pad>"};
  std::unordered_map<std::string, int32_t> feature_ids;
  for (const auto& [name, count] : item_counts) {
    if (count >= min_count || name.starts_with("genre:")) {
      feature_ids[name] = static_cast<int32_t>(items.feature_names.size());
      items.feature_names.push_back(name);
    }
  }
  items.titles.assign(items.size(), "");
  items.features = io::Ragged{};
  for (size_t i = 0; i < items.size(); ++i) {
    items.titles[i] = parsed[i] ? parsed[i]->title : items.names[i];
    std::vector<int32_t> ids;
    for (const auto& f : features[i]) {
      const auto it = feature_ids.find(f);
      if (it != feature_ids.end()) ids.push_back(it->second);
    }
    items.features.append(ids);
  }
  summary.features = items.feature_names.size() - 1;
  return summary;
}

}  // namespace huiyan::pipeline
