#pragma once
// Tab-separated fields of one line, as views into it (no quoting: TSV corpora don't use it).

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

}  // namespace huiyan::io
