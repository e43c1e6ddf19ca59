#include "pipeline/normalize.h"

#include <unicode/locid.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include <stdexcept>

namespace huiyan::pipeline {

namespace {

const icu::Normalizer2& nfkc() {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* instance = icu::Normalizer2::getNFKCInstance(status);
  if (U_FAILURE(status)) {
    throw std::runtime_error(std::string("ICU NFKC normalizer unavailable: ") +
                             u_errorName(status));
  }
  return *instance;
}

char ascii_lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c;
}

// Replaces every `<br>`, `<br/>` and `<br />` (any case, any spaces before the slash) by a space.
std::string strip_line_break_tags(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] == '<' && i + 3 < text.size() && ascii_lower(text[i + 1]) == 'b' &&
        ascii_lower(text[i + 2]) == 'r') {
      size_t j = i + 3;
      while (j < text.size() && text[j] == ' ') ++j;
      if (j < text.size() && text[j] == '/') ++j;
      if (j < text.size() && text[j] == '>') {
        out.push_back(' ');
        i = j + 1;
        continue;
      }
    }
    out.push_back(text[i]);
    ++i;
  }
  return out;
}

// Zero-width and byte-order marks carry no text; other format characters (ZWJ, ZWNJ) do.
bool is_invisible(UChar32 c) {
  return c == 0xFEFF || c == 0x200B || c == 0x2060;
}

// Soft hyphen, Arabic letter mark, direction marks, embeddings, overrides and isolates, variation
// selectors.
bool is_invisible_mark(UChar32 c) {
  return c == 0x00AD || c == 0x061C || c == 0x200E || c == 0x200F || (c >= 0x202A && c <= 0x202E) ||
         (c >= 0x2066 && c <= 0x2069) || (c >= 0xFE00 && c <= 0xFE0F) ||
         (c >= 0xE0100 && c <= 0xE01EF);
}

// `text` without invisible marks, before NFKC: dropped after it, a mark between a letter and its
// combining accent would leave the two uncomposed ("e\u00AD\u0301" not "\u00E9").
icu::UnicodeString without_invisible_marks(const icu::UnicodeString& text) {
  icu::UnicodeString kept;
  for (int32_t i = 0; i < text.length();) {
    const UChar32 c = text.char32At(i);
    i += U16_LENGTH(c);
    if (!is_invisible_mark(c)) kept.append(c);
  }
  return kept;
}

bool is_printable_ascii(std::string_view text) {
  for (const char c : text) {
    if (c < 0x20 || c > 0x7E) return false;
  }
  return true;
}

// Printable ASCII is already NFKC and holds no control characters: only spaces and case change.
std::string normalize_printable_ascii(std::string_view text, bool lowercase) {
  std::string out;
  out.reserve(text.size());
  bool pending_space = false;
  for (const char c : text) {
    if (c == ' ') {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) {
      out.push_back(' ');
      pending_space = false;
    }
    out.push_back(lowercase ? ascii_lower(c) : c);
  }
  return out;
}

}  // namespace

TextNormalizer::TextNormalizer(NormalizeOptions options) : options_(options) {}

std::string TextNormalizer::operator()(std::string_view text) const {
  std::string stripped;
  if (options_.strip_line_break_tags && text.find('<') != std::string_view::npos) {
    stripped = strip_line_break_tags(text);
    text = stripped;
  }
  if (is_printable_ascii(text)) return normalize_printable_ascii(text, options_.lowercase);

  UErrorCode status = U_ZERO_ERROR;
  icu::UnicodeString decoded =
      icu::UnicodeString::fromUTF8(icu::StringPiece(text.data(), text.size()));
  if (options_.drop_invisible_marks) decoded = without_invisible_marks(decoded);
  icu::UnicodeString normalized = nfkc().normalize(decoded, status);
  if (U_FAILURE(status)) {
    throw std::runtime_error(std::string("NFKC normalization failed: ") + u_errorName(status));
  }
  if (options_.lowercase) normalized.toLower(icu::Locale::getRoot());

  icu::UnicodeString cleaned;
  bool pending_space = false;
  for (int32_t i = 0; i < normalized.length();) {
    const UChar32 c = normalized.char32At(i);
    i += U16_LENGTH(c);
    // White space includes tab, CR, LF, VT, FF, NEL, NBSP; the file, group, record and unit
    // separators part text as it does (Python's split), so they are not dropped as controls.
    if (u_isUWhiteSpace(c) || (c >= 0x1C && c <= 0x1F)) {
      pending_space = !cleaned.isEmpty();
      continue;
    }
    if (u_charType(c) == U_CONTROL_CHAR || is_invisible(c)) continue;
    if (pending_space) {
      cleaned.append(static_cast<UChar>(' '));
      pending_space = false;
    }
    cleaned.append(c);
  }

  std::string out;
  cleaned.toUTF8String(out);
  return out;
}

std::string normalize_label(std::string_view label) {
  static const TextNormalizer normalize(NormalizeOptions{false, false, true});
  return normalize(label);
}

}  // namespace huiyan::pipeline
