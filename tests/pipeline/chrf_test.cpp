#include "pipeline/chrf.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace huiyan::pipeline {
namespace {

const std::string kVersion = std::string("version:huiyan-") + HUIYAN_VERSION;

struct Case {
  std::vector<std::string> hyps;
  std::vector<std::string> refs;  // one reference stream
  double expected;
};

double chrf(const Case& c, const ChrfOptions& options) {
  return corpus_chrf(c.hyps, {c.refs}, options).score;
}

// sacreBLEU's README example (two reference sets): "chrF2 = 59.73".
TEST(Chrf, ReadmeExample) {
  const std::vector<std::string> hyps = {"The dog bit the man.", "It wasn't surprising.",
                                         "The man had just bitten him."};
  const ReferenceStreams refs = {
      {"The dog bit the man.", "It was not unexpected.", "The man bit him first."},
      {"The dog had bit the man.", "No one was surprised.", "The man had bitten the dog."},
  };
  const auto score = corpus_chrf(hyps, refs);
  EXPECT_EQ(score.text(), "chrF2 = 59.73");
  EXPECT_EQ(score.signature, "nrefs:2|case:mixed|eff:yes|nc:6|nw:0|space:no|" + kVersion);
  // To the bit, as sacreBLEU's code gives it; each line keeps its better reference, so two
  // references score above either alone.
  EXPECT_EQ(score.score, 59.72751782684763);
  EXPECT_EQ(corpus_chrf(hyps, {refs[0]}).score, 50.043063606582294);
  EXPECT_EQ(corpus_chrf(hyps, {refs[1]}).score, 51.70106133373036);
}

// test/test_chrf.py, test_cases: char_order 6, beta 3, eps_smoothing (EPSILON 1e-4 there).
TEST(Chrf, SacrebleuEpsSmoothingCases) {
  const std::vector<Case> cases = {
      {{"abcdefg"}, {"hijklmnop"}, 0.0},
      {{"a"}, {"b"}, 0.0},
      {{""}, {"b"}, 0.0},
      {{""}, {"ref"}, 0.0},
      {{""}, {"reference"}, 0.0},
      {{"aa"}, {"ab"}, 8.3333},
      {{"a", "b"}, {"a", "c"}, 8.3333},
      {{"a"}, {"a"}, 16.6667},
      {{"a b c"}, {"a b c"}, 50.0},
      {{"a b c"}, {"abc"}, 50.0},
      {{" risk assessment must be made of those who are qualified and expertise in the sector - "
        "these are the scientists ."},
       {"risk assessment has to be undertaken by those who are qualified and expert in that area "
        "- that is the scientists ."},
       63.361730},
      {{" Die    Beziehung zwischen  Obama und Netanjahu ist nicht gerade  freundlich. "},
       {"Das Verhältnis zwischen Obama und Netanyahu ist nicht gerade freundschaftlich."},
       64.1302698},
      {{"Niemand hat die Absicht, eine Mauer zu errichten"},
       {"Niemand hat die Absicht, eine Mauer zu errichten"},
       100.0},
  };
  ChrfOptions options;
  options.beta = 3;
  options.eps_smoothing = true;
  for (const auto& c : cases) EXPECT_NEAR(chrf(c, options), c.expected, 1e-4) << c.hyps[0];
}

// test/test_chrf.py, test_cases_effective_order: beta 3, sacreBLEU's default averaging.
TEST(Chrf, SacrebleuEffectiveOrderCases) {
  const std::vector<Case> cases = {
      {{"a"}, {"a"}, 100.0},       {{""}, {"reference"}, 0.0}, {{"a b c"}, {"a b c"}, 100.0},
      {{"a b c"}, {"abc"}, 100.0}, {{""}, {"c"}, 0.0},         {{"a", "b"}, {"a", "c"}, 50.0},
      {{"aa"}, {"ab"}, 25.0},
  };
  ChrfOptions options;
  options.beta = 3;
  for (const auto& c : cases) EXPECT_NEAR(chrf(c, options), c.expected, 1e-4) << c.hyps[0];
}

// test/test_chrf.py, test_cases_keep_whitespace: beta 3, remove_whitespace=False.
TEST(Chrf, SacrebleuKeepWhitespaceCases) {
  const std::vector<Case> cases = {
      {{"Die Beziehung zwischen Obama und Netanjahu ist nicht gerade freundlich."},
       {"Das Verhältnis zwischen Obama und Netanyahu ist nicht gerade freundschaftlich."},
       67.3481606},
      {{"risk assessment must be made of those who are qualified and expertise in the sector - "
        "these are the scientists ."},
       {"risk assessment has to be undertaken by those who are qualified and expert in that area "
        "- that is the scientists ."},
       65.2414427},
  };
  ChrfOptions options;
  options.beta = 3;
  options.whitespace = true;
  for (const auto& c : cases) EXPECT_NEAR(chrf(c, options), c.expected, 1e-4) << c.hyps[0];
}

// test/test_chrf.py, test_chrf_sentence_level: sentence_chrf with eps_smoothing, beta 2.
TEST(Chrf, SacrebleuSentenceLevelCases) {
  const std::vector<Case> cases = {
      {{"Co nás nejvíc trápí, protože lékaři si vybírají, kdo bude žít a kdo zemře."},
       {"Nejvíce smutní jsme z toho, že musíme rozhodovat o tom, kdo bude žít a kdo zemře."},
       39.14078509},
      {{"Nebo prostě nemají vybavení, které by jim pomohlo, uvedli lékaři."},
       {"A někdy nemáme ani potřebný materiál, abychom jim pomohli, popsali lékaři."},
       31.22557079},
      {{"Lapali po dechu, jejich životy skončily dřív, než skutečně začaly."},
       {"Lapali po dechu a pak jejich život skončil - dřív, než skutečně mohl začít, připomněli."},
       57.15704367},
  };
  ChrfOptions options;
  options.eps_smoothing = true;
  for (const auto& c : cases) EXPECT_NEAR(chrf(c, options), c.expected, 1e-4) << c.hyps[0];
}

// The expected values below are what sacreBLEU's code returns for the same input (to the bit).
TEST(Chrf, LowercaseUnicodeWhitespaceAndCodePoints) {
  ChrfOptions lowercase;
  lowercase.lowercase = true;
  EXPECT_EQ(corpus_chrf({"The Cat"}, {{"the cat"}}, lowercase).score, 100.0);
  EXPECT_EQ(corpus_chrf({"The Cat"}, {{"the cat"}}).score, 17.77777777777778);
  // No-break and ideographic spaces are removed like ASCII ones.
  EXPECT_EQ(corpus_chrf({"a\u00a0b\u3000c"}, {{"abc"}}).score, 100.0);
  // N-grams are of code points, not bytes.
  EXPECT_EQ(corpus_chrf({"héllo wörld"}, {{"hello world"}}).score, 31.223544973544975);
  EXPECT_EQ(chrf_signature(lowercase, "1"),
            "nrefs:1|case:lc|eff:yes|nc:6|nw:0|space:no|" + kVersion);
}

TEST(Chrf, EmptyLinesVariableReferencesAndEmptyCorpus) {
  EXPECT_EQ(corpus_chrf({"a b c d e f", ""}, {{"a b c d e f g h", "x y z"}}).score,
            57.2898644080429);
  const auto variable =
      corpus_chrf({"the cat sat", "a b c"}, {{"the dog sat", ""}, {"the cat sits", "abc"}});
  EXPECT_EQ(variable.score, 63.42221379880765);
  EXPECT_EQ(variable.signature, "nrefs:var|case:mixed|eff:yes|nc:6|nw:0|space:no|" + kVersion);
  const auto empty = corpus_chrf({}, {{}});
  EXPECT_EQ(empty.score, 0.0);
  EXPECT_EQ(empty.text(), "chrF2 = 0.00");
}

TEST(Chrf, RefusesWhatSacrebleuRefuses) {
  EXPECT_THROW(corpus_chrf({"a", "b"}, {{"a"}}), std::invalid_argument);
  EXPECT_THROW(corpus_chrf({"a"}, {{""}}), std::invalid_argument);
}

}  // namespace
}  // namespace huiyan::pipeline
