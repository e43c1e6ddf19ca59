#include "pipeline/mt_tokenizers.h"

#include <unicode/locid.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

#include <cstdint>
#include <stdexcept>

namespace huiyan::pipeline {

namespace {

// Calls f(code_point, begin, end) for each code point of `text`, with its byte range.
template <typename F>
void for_each_code_point(std::string_view text, F f) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(text.data());
  const size_t size = text.size();
  size_t i = 0;
  while (i < size) {
    const size_t begin = i;
    UChar32 c;
    U8_NEXT_OR_FFFD(bytes, i, size, c);
    f(static_cast<char32_t>(c), begin, i);
  }
}

// Python's str.replace: every non-overlapping occurrence, left to right.
std::string replace_all(std::string_view text, std::string_view from, std::string_view to) {
  std::string out;
  out.reserve(text.size());
  size_t start = 0;
  for (size_t found = text.find(from); found != std::string_view::npos;
       found = text.find(from, start)) {
    out.append(text.substr(start, found - start)).append(to);
    start = found + from.size();
  }
  out.append(text.substr(start));
  return out;
}

// How re.sub writes a two-character match back: r'\1 \2 ' or r' \1 \2'.
enum class Spacing { between_and_after, before_and_between };

// re.sub with a pattern of two one-character groups: matches are tried left to right and do not
// overlap, so after a match the scan resumes behind its second character.
template <typename String, typename Match>
String substitute_pairs(const String& text, Match match, Spacing spacing) {
  String out;
  out.reserve(text.size() + text.size() / 2);
  size_t i = 0;
  while (i < text.size()) {
    if (i + 1 < text.size() && match(text[i], text[i + 1])) {
      if (spacing == Spacing::before_and_between) out.push_back(' ');
      out.push_back(text[i]);
      out.push_back(' ');
      out.push_back(text[i + 1]);
      if (spacing == Spacing::between_and_after) out.push_back(' ');
      i += 2;
    } else {
      out.push_back(text[i]);
      ++i;
    }
  }
  return out;
}

// re.sub(r'(X)', r' \1 ', text) for a one-character class X.
template <typename String, typename Match>
String surround_with_spaces(const String& text, Match match) {
  String out;
  out.reserve(text.size() * 2);
  for (const auto c : text) {
    if (match(c)) {
      out.push_back(' ');
      out.push_back(c);
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// ' '.join(text.split())
std::string join_words(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const auto word : split_python(text)) {
    if (!out.empty()) out.push_back(' ');
    out.append(word);
  }
  return out;
}

// mteval-v13a's class [\{-\~\[-\` -\&\(-\+\:-\@\/]: ASCII punctuation and symbols except the
// apostrophe, comma, hyphen and period (handled next to digits), and the space itself.
bool is_13a_split_char(char c) {
  return (c >= ' ' && c <= '&') || (c >= '(' && c <= '+') || c == '/' || (c >= ':' && c <= '@') ||
         (c >= '[' && c <= '`') || (c >= '{' && c <= '~');
}

bool is_ascii_digit(char c) {
  return c >= '0' && c <= '9';
}

bool is_period_or_comma(char c) {
  return c == '.' || c == ',';
}

uint32_t category_mask(char32_t c) {
  return U_GET_GC_MASK(static_cast<UChar32>(c));
}

// \p{N}, \p{P} and \p{S} of Python's `regex` module: the general category groups.
bool is_number(char32_t c) {
  return (category_mask(c) & U_GC_N_MASK) != 0;
}

bool is_punctuation(char32_t c) {
  return (category_mask(c) & U_GC_P_MASK) != 0;
}

bool is_symbol(char32_t c) {
  return (category_mask(c) & U_GC_S_MASK) != 0;
}

}  // namespace

MtTokenizer parse_mt_tokenizer(std::string_view name) {
  if (name == "13a") return MtTokenizer::v13a;
  if (name == "intl") return MtTokenizer::intl;
  if (name == "none") return MtTokenizer::none;
  throw std::invalid_argument("unknown tokenizer '" + std::string(name) + "' (13a, intl or none)");
}

const char* mt_tokenizer_name(MtTokenizer tokenizer) {
  switch (tokenizer) {
    case MtTokenizer::none:
      return "none";
    case MtTokenizer::v13a:
      return "13a";
    case MtTokenizer::intl:
      return "intl";
  }
  return "?";
}

std::string mt_tokenize(MtTokenizer tokenizer, std::string_view line) {
  switch (tokenizer) {
    case MtTokenizer::v13a:
      return tokenize_13a(line);
    case MtTokenizer::intl:
      return tokenize_intl(line);
    case MtTokenizer::none:
      break;
  }
  return std::string(line);
}

std::string tokenize_13a(std::string_view line) {
  // The language-independent part. The entities are replaced one after the other, so
  // "&amp;lt;" ends up as "<", as in sacreBLEU.
  std::string text = replace_all(line, "<skipped>", "");
  text = replace_all(text, "-\n", "");
  text = replace_all(text, "\n", " ");
  if (text.find('&') != std::string::npos) {
    text = replace_all(text, "&quot;", "\"");
    text = replace_all(text, "&amp;", "&");
    text = replace_all(text, "&lt;", "<");
    text = replace_all(text, "&gt;", ">");
  }
  // The padding lets a period or comma at either end be split off by the rules below.
  text = " " + text + " ";
  // Every pattern is ASCII, and [^0-9] matches any byte, so the rules can run on bytes: a
  // multi-byte character is never split and matches where its code point would.
  text = surround_with_spaces(text, is_13a_split_char);
  // A period or comma, unless preceded by a digit ...
  text = substitute_pairs(
      text, [](char a, char b) { return !is_ascii_digit(a) && is_period_or_comma(b); },
      Spacing::between_and_after);
  // ... or unless followed by one.
  text = substitute_pairs(
      text, [](char a, char b) { return is_period_or_comma(a) && !is_ascii_digit(b); },
      Spacing::before_and_between);
  // A dash after a digit.
  text = substitute_pairs(
      text, [](char a, char b) { return is_ascii_digit(a) && b == '-'; },
      Spacing::between_and_after);
  return join_words(text);
}

std::string tokenize_intl(std::string_view line) {
  std::u32string text = decode_utf8(line);
  // Punctuation is split off unless it sits between two numbers (3.14, 1,000); unlike 13a there
  // is no padding, so a number's final period stays attached ("1990."), as in mteval-v14.
  text = substitute_pairs(
      text, [](char32_t a, char32_t b) { return !is_number(a) && is_punctuation(b); },
      Spacing::between_and_after);
  text = substitute_pairs(
      text, [](char32_t a, char32_t b) { return is_punctuation(a) && !is_number(b); },
      Spacing::before_and_between);
  text = surround_with_spaces(text, is_symbol);
  std::string out;
  out.reserve(line.size() * 2);
  for (const char32_t c : text) append_utf8(out, c);
  return join_words(out);
}

bool is_python_space(char32_t c) {
  if (c < 0x80) return c == ' ' || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F);
  const auto code_point = static_cast<UChar32>(c);
  if (u_charType(code_point) == U_SPACE_SEPARATOR) return true;
  const UCharDirection direction = u_charDirection(code_point);
  return direction == U_WHITE_SPACE_NEUTRAL || direction == U_BLOCK_SEPARATOR ||
         direction == U_SEGMENT_SEPARATOR;
}

std::vector<std::string_view> split_python(std::string_view text) {
  std::vector<std::string_view> words;
  size_t word_begin = std::string_view::npos;
  for_each_code_point(text, [&](char32_t c, size_t begin, size_t) {
    if (is_python_space(c)) {
      if (word_begin != std::string_view::npos) {
        words.push_back(text.substr(word_begin, begin - word_begin));
        word_begin = std::string_view::npos;
      }
    } else if (word_begin == std::string_view::npos) {
      word_begin = begin;
    }
  });
  if (word_begin != std::string_view::npos) words.push_back(text.substr(word_begin));
  return words;
}

std::string_view rstrip_python(std::string_view text) {
  size_t kept = 0;
  for_each_code_point(text, [&](char32_t c, size_t, size_t end) {
    if (!is_python_space(c)) kept = end;
  });
  return text.substr(0, kept);
}

std::string remove_python_space(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for_each_code_point(text, [&](char32_t c, size_t begin, size_t end) {
    if (!is_python_space(c)) out.append(text.substr(begin, end - begin));
  });
  return out;
}

std::string lower_python(std::string_view text) {
  bool ascii = true;
  for (const char c : text) ascii = ascii && static_cast<unsigned char>(c) < 0x80;
  if (ascii) {
    std::string out(text);
    for (char& c : out) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
  }
  // ICU's root-locale mapping is Python's: SpecialCasing's unconditional entries plus the
  // Final_Sigma context, and no language-specific rules.
  icu::UnicodeString unicode = icu::UnicodeString::fromUTF8(
      icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
  unicode.toLower(icu::Locale::getRoot());
  std::string out;
  unicode.toUTF8String(out);
  return out;
}

std::u32string decode_utf8(std::string_view text) {
  std::u32string out;
  out.reserve(text.size());
  for_each_code_point(text, [&](char32_t c, size_t, size_t) { out.push_back(c); });
  return out;
}

void append_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (c >> 18)));
    out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

}  // namespace huiyan::pipeline
