#pragma once
// Tab-separated fields of one line, as views into it (no quoting: TSV corpora don't use it).

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

namespace huiyan::io {

inline void split_tsv(std::string_view line, std::vector<std::string_view>& fields) {
  fields.clear();
  size_t start = 0;
  while (true) {
    const size_t tab = line.find('\t', start);
    if (tab == std::string_view::npos) {
      fields.push_back(line.substr(start));
      return;
    }
    fields.push_back(line.substr(start, tab - start));
    start = tab + 1;
  }
}

// `text` without leading and trailing spaces and tabs.
inline std::string_view trim_blanks(std::string_view text) {
  const size_t begin = text.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return {};
  const size_t end = text.find_last_not_of(" \t");
  return text.substr(begin, end - begin + 1);
}

// The labels of a multi-label field ("a, b,c" with separator ','): trimmed, empty ones dropped.
inline std::vector<std::string> split_labels(std::string_view field, char separator) {
  std::vector<std::string> labels;
  size_t start = 0;
  while (start <= field.size()) {
    const size_t end = std::min(field.find(separator, start), field.size());
    const std::string_view label = trim_blanks(field.substr(start, end - start));
    if (!label.empty()) labels.emplace_back(label);
    start = end + 1;
  }
  return labels;
}

}  // namespace huiyan::io
