#include "pipeline/normalize.h"

#include <gtest/gtest.h>

namespace huiyan::pipeline {
namespace {

TEST(Normalize, NfkcFoldsCompatibilityForms) {
  const TextNormalizer normalize;
  EXPECT_EQ(normalize("Ｈｅｌｌｏ　ｗｏｒｌｄ！"), "Hello world!");  // full-width letters and space
  EXPECT_EQ(normalize("ﬁne ①"), "fine 1");                           // ligature, circled digit
  EXPECT_EQ(normalize("ｶﾀｶﾅ"), "カタカナ");                          // half-width katakana
}

TEST(Normalize, ComposesCombiningMarks) {
  const TextNormalizer normalize;
  EXPECT_EQ(normalize("Cafe\u0301"), "Caf\u00e9");  // e + combining acute -> é
  EXPECT_EQ(normalize("Mu\u0308ller"), "M\u00fcller");
}

TEST(Normalize, RemovesControlCharactersAndSqueezesWhitespace) {
  const TextNormalizer normalize;
  EXPECT_EQ(normalize("  a\tb\x01\x7F c \u00A0 d\u200B e\uFEFF  "), "a b c d e");
  EXPECT_EQ(normalize("line\u2028break\u0085here"), "line break here");
  EXPECT_EQ(normalize("\x02\x03"), "");
  EXPECT_EQ(normalize("many     spaces"), "many spaces");
}

// The separators U+001C..U+001F part words as white space does (Python's split); they are not
// dropped like other controls, which would merge the words around them.
TEST(Normalize, InformationSeparatorsPartWords) {
  const TextNormalizer normalize;
  EXPECT_EQ(normalize("six\x1C"
                      "seven\x1D"
                      "eight\x1E"
                      "nine\x1F"
                      "a\u00e9"),
            "six seven eight nine a\u00e9");
}

// A label keeps its case and text, loses what would split a line or make two spellings of it.
TEST(Normalize, LabelsAreCleanedButKeepTheirCase) {
  EXPECT_EQ(normalize_label(" POS\u00A0"), "POS");
  EXPECT_EQ(normalize_label("pos\u2028x"), "pos x");
  EXPECT_EQ(normalize_label("neg\u0085"), "neg");
  EXPECT_EQ(normalize_label("\uFF30\uFF2F\uFF33"), "POS");
  EXPECT_EQ(normalize_label("a<br />b"), "a<br />b");
  EXPECT_EQ(normalize_label("Sci-Fi,Drama"), "Sci-Fi,Drama");
  // Invisible marks a copy from other text brings along: soft hyphen, direction marks and
  // isolates, a variation selector. The joiners stay: they change what an emoji or a word is.
  EXPECT_EQ(normalize_label("PO\u00ADS"), "POS");
  EXPECT_EQ(normalize_label("\u200EPOS\u200F"), "POS");
  EXPECT_EQ(normalize_label("\u2067POS\u2069"), "POS");
  EXPECT_EQ(normalize_label("\u2764\uFE0F"), "\u2764");
  EXPECT_EQ(normalize_label("\U0001F468\u200D\U0001F469"), "\U0001F468\u200D\U0001F469");
  EXPECT_EQ(normalize_label("a\u200Cb"), "a\u200Cb");
  // Dropped before NFKC composes: a mark between a letter and its accent does not keep them apart.
  EXPECT_EQ(normalize_label("POSe\u00AD\u0301"), "POS\u00E9");
  EXPECT_EQ(normalize_label("e\u200E\u0301"), "\u00E9");
  // Emoji tag sequences (the flag of England) keep their tags.
  const std::string england =
      "\U0001F3F4\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067\U000E007F";
  EXPECT_EQ(normalize_label(england), england);
}

TEST(Normalize, LowercasesWhenAsked) {
  const TextNormalizer keep;
  const TextNormalizer lower({.lowercase = true});
  EXPECT_EQ(keep("Ein Mann ÜBER"), "Ein Mann ÜBER");
  EXPECT_EQ(lower("Ein Mann ÜBER"), "ein mann über");
  EXPECT_EQ(lower("ASCII ONLY"), "ascii only");
}

TEST(Normalize, StripsHtmlLineBreaksOnly) {
  const TextNormalizer normalize;
  EXPECT_EQ(normalize("Great.<br /><br />Really<BR>good<br/>!"), "Great. Really good !");
  EXPECT_EQ(normalize("I <3 it, a<b and <bread>"), "I <3 it, a<b and <bread>");
  const TextNormalizer keep({.strip_line_break_tags = false});
  EXPECT_EQ(keep("a<br />b"), "a<br />b");
}

TEST(Normalize, AsciiFastPathAgreesWithIcuPath) {
  const TextNormalizer normalize({.lowercase = true});
  // The same words with and without a non-ASCII character force both paths.
  EXPECT_EQ(normalize(" Two  Dogs "), "two dogs");
  EXPECT_EQ(normalize(" Two  Dogs é"), "two dogs é");
}

}  // namespace
}  // namespace huiyan::pipeline
