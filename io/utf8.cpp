#include "io/utf8.h"

#include <cstdint>
#include <cstdio>
#include <cstring>

#include "io/error.h"

namespace huiyan::io {

namespace {

bool is_continuation(unsigned char c) {
  return (c & 0xC0) == 0x80;
}

// Length of the well-formed sequence starting at text[i], or 0 if it is ill-formed.
// Ranges follow the Unicode Standard, table 3-7.
size_t sequence_length(std::string_view text, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[i + k]); };
  const size_t left = text.size() - i;
  const unsigned char lead = byte(0);
  if (lead >= 0xC2 && lead <= 0xDF) {
    return left >= 2 && is_continuation(byte(1)) ? 2 : 0;
  }
  if (lead >= 0xE0 && lead <= 0xEF) {
    if (left < 3) return 0;
    const unsigned char second = byte(1);
    const unsigned char low = lead == 0xE0 ? 0xA0 : 0x80;   // no overlong forms
    const unsigned char high = lead == 0xED ? 0x9F : 0xBF;  // no surrogates
    return second >= low && second <= high && is_continuation(byte(2)) ? 3 : 0;
  }
  if (lead >= 0xF0 && lead <= 0xF4) {
    if (left < 4) return 0;
    const unsigned char second = byte(1);
    const unsigned char low = lead == 0xF0 ? 0x90 : 0x80;   // no overlong forms
    const unsigned char high = lead == 0xF4 ? 0x8F : 0xBF;  // nothing above U+10FFFF
    return second >= low && second <= high && is_continuation(byte(2)) && is_continuation(byte(3))
               ? 4
               : 0;
  }
  return 0;
}

}  // namespace

size_t find_invalid_utf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    // Most text is ASCII: skip it eight bytes at a time.
    if (i + 8 <= text.size()) {
      uint64_t word;
      std::memcpy(&word, text.data() + i, 8);
      if ((word & 0x8080808080808080ULL) == 0) {
        i += 8;
        continue;
      }
    }
    if (static_cast<unsigned char>(text[i]) < 0x80) {
      ++i;
      continue;
    }
    const size_t length = sequence_length(text, i);
    if (length == 0) return i;
    i += length;
  }
  return kValidUtf8;
}

void require_valid_utf8(std::string_view text, const std::string& source, size_t line,
                        std::string_view hint) {
  const size_t bad = find_invalid_utf8(text);
  if (bad == kValidUtf8) return;
  throw DataError(source + ": line " + std::to_string(line) + ": invalid UTF-8 at byte " +
                  std::to_string(bad + 1) + std::string(hint));
}

std::string one_line(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n' || c == '\r' || c == '\v' || c == '\f' || (c >= 0x1C && c <= 0x1E)) {
      out += ' ';
    } else if (c == 0xC2 && i + 1 < text.size() &&
               static_cast<unsigned char>(text[i + 1]) == 0x85) {
      out += ' ';
      i += 1;
    } else if (c == 0xE2 && i + 2 < text.size() &&
               static_cast<unsigned char>(text[i + 1]) == 0x80 &&
               (static_cast<unsigned char>(text[i + 2]) == 0xA8 ||
                static_cast<unsigned char>(text[i + 2]) == 0xA9)) {
      out += ' ';
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

namespace {

// The code point of one well-formed UTF-8 sequence.
unsigned code_point(std::string_view sequence) {
  const auto byte = [&](size_t k) {
    return static_cast<unsigned>(static_cast<unsigned char>(sequence[k]));
  };
  switch (sequence.size()) {
    case 2:
      return (byte(0) & 0x1Fu) << 6 | (byte(1) & 0x3Fu);
    case 3:
      return (byte(0) & 0x0Fu) << 12 | (byte(1) & 0x3Fu) << 6 | (byte(2) & 0x3Fu);
    default:
      return (byte(0) & 0x07u) << 18 | (byte(1) & 0x3Fu) << 12 | (byte(2) & 0x3Fu) << 6 |
             (byte(3) & 0x3Fu);
  }
}

}  // namespace

std::string quoted(std::string_view text, size_t max_chars) {
  std::string out = "'";
  size_t chars = 0;
  for (size_t i = 0; i < text.size();) {
    if (chars == max_chars) {
      out += "\u2026";
      break;
    }
    ++chars;
    const auto byte = static_cast<unsigned char>(text[i]);
    const size_t length = byte < 0x80 ? 1 : sequence_length(text, i);
    char escaped[16];
    if (length == 0) {  // not UTF-8
      std::snprintf(escaped, sizeof escaped, "\\x%02X", byte);
      out += escaped;
      ++i;
      continue;
    }
    if (length == 1) {
      if (byte < 0x20 || byte == 0x7F) {
        std::snprintf(escaped, sizeof escaped, "\\x%02X", byte);
        out += escaped;
      } else {
        out += static_cast<char>(byte);
      }
      ++i;
      continue;
    }
    const std::string_view sequence = text.substr(i, length);
    const unsigned code = code_point(sequence);
    // C1 controls (NEL among them), the line and paragraph separators, and the invisible ones
    // that hide or reorder what a terminal shows: soft hyphen, zero-width and direction marks,
    // bidi embeddings and isolates, the byte order mark.
    if ((code >= 0x80 && code < 0xA0) || code == 0xAD || (code >= 0x200B && code <= 0x200F) ||
        (code >= 0x2028 && code <= 0x202E) || (code >= 0x2060 && code <= 0x2069) ||
        code == 0xFEFF) {
      std::snprintf(escaped, sizeof escaped, "\\u{%04X}", code);
      out += escaped;
    } else {
      out += sequence;
    }
    i += length;
  }
  return out + "'";
}

}  // namespace huiyan::io
