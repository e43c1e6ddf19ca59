#pragma once
// "1 line", "3 lines": a count with its noun, for messages.

#include <cstdint>
#include <string>
#include <string_view>

namespace huiyan::io {

// `singular` takes an "s" for every count but 1 (the nouns of huiyan's messages all do).
inline std::string counted(int64_t n, std::string_view singular) {
  return std::to_string(n) + " " + std::string(singular) + (n == 1 ? "" : "s");
}

}  // namespace huiyan::io
