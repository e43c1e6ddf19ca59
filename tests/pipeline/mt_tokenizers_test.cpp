#include "pipeline/mt_tokenizers.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <utility>
#include <vector>

namespace huiyan::pipeline {
namespace {

using Cases = std::vector<std::pair<std::string, std::string>>;

// sacreBLEU ships no tokenizer tests of its own. Each expected output below is what its
// tokenizer_13a.py / tokenizer_intl.py code returns for the input (run with Python's re and
// regex modules); the comments say which rule each case exercises.
TEST(MtTokenizer13a, SplitsPunctuationLikeMteval13a) {
  const Cases cases = {
      {"Hello, world.", "Hello , world ."},
      // Period and comma stay inside numbers; a dash after a digit is split; the apostrophe is
      // not in 13a's class.
      {"It's 3.14, 1,000 and 2-3 years.", "It's 3.14 , 1,000 and 2 - 3 years ."},
      // The padding splits a period after a number at the end of the line.
      {"end 1990.", "end 1990 ."},
      {".5 and 5. and ,a", ". 5 and 5 . and , a"},
      // Matches do not overlap: the second period is split by the "followed by" rule.
      {"x..y", "x . . y"},
      {"Über..café, “quoted”", "Über . . café , “quoted”"},
      {"$5.00/month (approx.)", "$ 5.00 / month ( approx . )"},
      {"e-mail 12-13 {x}|~[y]^_`z@w", "e-mail 12 - 13 { x } | ~ [ y ] ^ _ ` z @ w"},
      {"", ""},
      {"   ", ""},
  };
  for (const auto& [input, expected] : cases) EXPECT_EQ(tokenize_13a(input), expected) << input;
}

TEST(MtTokenizer13a, UnescapesEntitiesInSacrebleusOrder) {
  // &amp;lt; becomes &lt; and then <, because the replacements run one after the other.
  EXPECT_EQ(tokenize_13a("a &amp;lt; b &quot;c&quot; &gt; d &amp; e"), "a < b \" c \" > d & e");
  EXPECT_EQ(tokenize_13a("co-\noperate\nnow <skipped>here"), "cooperate now here");
}

TEST(MtTokenizer13a, SplitsOnPythonWhitespace) {
  // No-break space, ideographic space and em space separate words, as str.split() has it.
  EXPECT_EQ(tokenize_13a("a\u00a0b\u3000c\u2003d"), "a b c d");
}

TEST(MtTokenizerIntl, SplitsUnicodePunctuationAndSymbols) {
  const Cases cases = {
      {"Hello, world.", "Hello , world ."},
      // No padding: a number's final period stays (mteval-v14's own quirk).
      {"in 1990.", "in 1990."},
      {"3.14 and 1,000 and 1,a", "3.14 and 1,000 and 1 , a"},
      {"«Bonjour», dit-il", "« Bonjour » , dit - il"},
      {"price: 5€ (approx.)", "price : 5 € ( approx . )"},
      {"你好，世界。", "你好 ， 世界 。"},
      {"a+b=c", "a + b = c"},
      {"$5", "$ 5"},
      {"don't", "don ' t"},
      // Superscript two and one half are numbers (No) too.
      {"x². x²,y", "x² . x² , y"},
      {"½.x", "½ . x"},
      {"a...b", "a . . . b"},
      // Bengali digits are numbers, so the danda after them stays attached.
      {"১২৩।", "১২৩।"},
  };
  for (const auto& [input, expected] : cases) EXPECT_EQ(tokenize_intl(input), expected) << input;
}

TEST(MtTokenizer, NoneAndNames) {
  EXPECT_EQ(mt_tokenize(MtTokenizer::none, " a,b  c "), " a,b  c ");
  EXPECT_EQ(parse_mt_tokenizer("13a"), MtTokenizer::v13a);
  EXPECT_EQ(parse_mt_tokenizer("intl"), MtTokenizer::intl);
  EXPECT_EQ(parse_mt_tokenizer("none"), MtTokenizer::none);
  EXPECT_THROW(parse_mt_tokenizer("moses"), std::invalid_argument);
  EXPECT_STREQ(mt_tokenizer_name(MtTokenizer::v13a), "13a");
}

TEST(PythonText, WhitespaceIsStrIsspace) {
  // U+001C and U+0085 are whitespace to Python; the zero-width space is not.
  const auto words = split_python(
      "a\x1c"
      "b\u0085c\u200bd e\u2028f");
  const std::vector<std::string_view> expected = {"a", "b", "c\u200bd", "e", "f"};
  EXPECT_EQ(words, expected);
  EXPECT_TRUE(split_python(" \t ").empty());
  EXPECT_EQ(rstrip_python("ab \t\u3000\u0085"), "ab");
  EXPECT_EQ(rstrip_python(" a b "), " a b");
  EXPECT_EQ(remove_python_space(" a b\u00a0c\n"), "abc");
}

TEST(PythonText, LowerIsStrLower) {
  // Full mappings: dotted capital I becomes i + combining dot; sigma is final only after a
  // cased letter at the end of a word.
  EXPECT_EQ(lower_python("İSTANBUL ΟΔΟΣ ΣΑ Σ"), "i\u0307stanbul οδος σα σ");
  EXPECT_EQ(lower_python("ABC def"), "abc def");
}

TEST(PythonText, Utf8RoundTrip) {
  const std::string text = "aé€😀";
  const std::u32string code_points = decode_utf8(text);
  EXPECT_EQ(code_points, U"aé€😀");
  std::string back;
  for (const char32_t c : code_points) append_utf8(back, c);
  EXPECT_EQ(back, text);
  EXPECT_EQ(decode_utf8("a\xff"), U"a\ufffd");
}

}  // namespace
}  // namespace huiyan::pipeline
