#pragma once
// Many variable-length token sequences in two flat arrays, the way they are stored on disk: one
// allocation instead of one per sentence, and sequences are cheap spans.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace huiyan::io {

// n variable-length int32 sequences stored flat: sequence i = values[offsets[i] .. offsets[i+1]).
struct Ragged {
  std::vector<int32_t> values;
  std::vector<int64_t> offsets{0};

  size_t size() const { return offsets.empty() ? 0 : offsets.size() - 1; }  // number of sequences

  void append(std::span<const int32_t> sequence) {
    values.insert(values.end(), sequence.begin(), sequence.end());
    offsets.push_back(static_cast<int64_t>(values.size()));
  }

  std::span<const int32_t> operator[](size_t i) const {
    const auto begin = static_cast<size_t>(offsets[i]);
    const auto end = static_cast<size_t>(offsets[i + 1]);
    return std::span<const int32_t>(values).subspan(begin, end - begin);
  }
};

}  // namespace huiyan::io
