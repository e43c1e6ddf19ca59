#pragma once
// UTF-8 validation: every text that enters huiyan is checked once, at the edge; and text made
// one line for every reader.

#include <cstddef>
#include <string>
#include <string_view>

namespace huiyan::io {

inline constexpr size_t kValidUtf8 = static_cast<size_t>(-1);

// Returns the byte offset of the first byte that does not start a well-formed UTF-8 sequence
// (overlong forms, surrogates and code points above U+10FFFF are ill-formed), or kValidUtf8.
size_t find_invalid_utf8(std::string_view text);

inline bool is_valid_utf8(std::string_view text) {
  return find_invalid_utf8(text) == kValidUtf8;
}

// Throws DataError "<source>: line <line>: invalid UTF-8 at byte <k><hint>" unless `text` is
// well-formed.
void require_valid_utf8(std::string_view text, const std::string& source, size_t line,
                        std::string_view hint = {});

// `text` with every character that some reader takes for a line break made a space: LF and CR
// (Unix tools), and VT, FF, the file/group/record separators, NEL, LINE SEPARATOR and PARAGRAPH
// SEPARATOR (Python's splitlines, editors).
std::string one_line(std::string_view text);

// Data quoted in a message: 'text', with what would break the message's one line or reach the
// terminal as a command (controls, line breaks, bytes that are not UTF-8) written as \xNN or
// \u{NNNN}, and text past `max_chars` characters cut with "…".
std::string quoted(std::string_view text, size_t max_chars = 60);

}  // namespace huiyan::io
