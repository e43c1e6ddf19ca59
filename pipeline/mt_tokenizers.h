#pragma once
// The text handling sacreBLEU 2.x applies before it counts n-grams, reproduced exactly, so that
// BLEU and chrF agree with it to the last digit: Python's idea of whitespace (str.split,
// str.rstrip) and of lower case (str.lower), and the BLEU tokenizers `13a` (mteval-v13a, the
// default), `intl` (mteval-v14 --international-tokenization) and `none`.
//
// Text is UTF-8 and should be valid (check it at the edge with io::require_valid_utf8); an
// ill-formed byte is read as U+FFFD.

#include <string>
#include <string_view>
#include <vector>

namespace huiyan::pipeline {

enum class MtTokenizer { none, v13a, intl };

// "none", "13a" or "intl"; throws std::invalid_argument for any other name.
MtTokenizer parse_mt_tokenizer(std::string_view name);
// The name as sacreBLEU's signature spells it.
const char* mt_tokenizer_name(MtTokenizer tokenizer);

// Tokens separated by single spaces, no space at either end (`none` returns `line` unchanged).
std::string mt_tokenize(MtTokenizer tokenizer, std::string_view line);
std::string tokenize_13a(std::string_view line);
std::string tokenize_intl(std::string_view line);

// Python's str.isspace for one code point: general category Zs, or bidi class WS, B or S. This
// is wider than ASCII whitespace (U+0085, U+00A0, U+1C..U+1F, U+3000, ...) and is what
// str.split() splits on.
bool is_python_space(char32_t c);
// str.split() with no argument: the runs of non-whitespace, as views into `text`.
std::vector<std::string_view> split_python(std::string_view text);
// str.rstrip() with no argument.
std::string_view rstrip_python(std::string_view text);
// ''.join(text.split()): every whitespace character removed.
std::string remove_python_space(std::string_view text);
// str.lower(): full Unicode lower-casing without a locale (U+0130 becomes "i\u0307", a capital
// sigma at the end of a word becomes a final sigma).
std::string lower_python(std::string_view text);

// The code points of `text` (an ill-formed byte becomes U+FFFD), and back.
std::u32string decode_utf8(std::string_view text);
void append_utf8(std::string& out, char32_t c);

}  // namespace huiyan::pipeline
