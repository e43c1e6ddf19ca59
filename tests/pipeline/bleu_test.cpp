#include "pipeline/bleu.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <stdexcept>

namespace huiyan::pipeline {
namespace {

// sacreBLEU's README example (also _hyps/_refs in its test/test_bleu.py): two reference sets.
const std::vector<std::string> kHyps = {"The dog bit the man.", "It wasn't surprising.",
                                        "The man had just bitten him."};
const ReferenceStreams kRefs = {
    {"The dog bit the man.", "It was not unexpected.", "The man bit him first."},
    {"The dog had bit the man.", "No one was surprised.", "The man had bitten the dog."},
};

const std::string kVersion = std::string("version:huiyan-") + HUIYAN_VERSION;

BleuOptions with_tokenizer(MtTokenizer tokenizer) {
  BleuOptions options;
  options.tokenizer = tokenizer;
  return options;
}

// sacreBLEU's raw_corpus_bleu: no tokenization, floor smoothing, effective order.
BleuScore raw_corpus_bleu(const std::vector<std::string>& hyps, const ReferenceStreams& refs,
                          double floor) {
  BleuOptions options;
  options.tokenizer = MtTokenizer::none;
  options.smoothing = BleuSmoothing::floor;
  options.smooth_value = floor;
  options.effective_order = true;
  return corpus_bleu(hyps, refs, options);
}

// README, "Using SacreBLEU from Python": the printed line and signature.
TEST(Bleu, ReadmeExampleLineAndSignature) {
  const auto bleu = corpus_bleu(kHyps, kRefs);
  EXPECT_EQ(
      bleu.text(),
      "BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)");
  EXPECT_EQ(bleu.signature, "nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp|" + kVersion);
  EXPECT_EQ(bleu.counts, (std::vector<int64_t>{14, 7, 5, 3}));
  EXPECT_EQ(bleu.totals, (std::vector<int64_t>{17, 14, 11, 8}));
}

// README, "Variable Number of References": an empty reference is no reference.
TEST(Bleu, ReadmeVariableNumberOfReferences) {
  ReferenceStreams refs = kRefs;
  refs[0][0] = "";
  const auto bleu = corpus_bleu(kHyps, refs);
  EXPECT_EQ(
      bleu.text(),
      "BLEU = 29.44 82.4/42.9/27.3/12.5 (BP = 0.889 ratio = 0.895 hyp_len = 17 ref_len = 19)");
  EXPECT_EQ(bleu.signature, "nrefs:var|case:mixed|eff:no|tok:13a|smooth:exp|" + kVersion);
}

// test/test_bleu.py, test_corpus_bleu_cases (EPSILON 1e-8 there).
TEST(Bleu, SacrebleuCorpusBleuCases) {
  EXPECT_NEAR(corpus_bleu(kHyps, kRefs).score, 48.530827, 1e-8);
  EXPECT_EQ(corpus_bleu({"", "", ""}, kRefs).score, 0.0);
  EXPECT_NEAR(corpus_bleu(kHyps, kRefs, with_tokenizer(MtTokenizer::none)).score, 49.1919566, 1e-8);
  EXPECT_NEAR(corpus_bleu(kHyps, kRefs, with_tokenizer(MtTokenizer::v13a)).score, 48.530827, 1e-8);
  EXPECT_NEAR(corpus_bleu(kHyps, kRefs, with_tokenizer(MtTokenizer::intl)).score, 43.91623493,
              1e-8);
  BleuOptions no_smoothing;
  no_smoothing.smoothing = BleuSmoothing::none;
  EXPECT_NEAR(corpus_bleu(kHyps, kRefs, no_smoothing).score, 48.530827, 1e-8);
  // The same scores to the last bit, as sacreBLEU's code gives them in CPython on glibc.
  EXPECT_EQ(corpus_bleu(kHyps, kRefs).score, 48.530827009929865);
  EXPECT_EQ(corpus_bleu(kHyps, kRefs, with_tokenizer(MtTokenizer::none)).score, 49.19195660047277);
  EXPECT_EQ(corpus_bleu(kHyps, kRefs, with_tokenizer(MtTokenizer::intl)).score, 43.91623493336995);
}

// test/test_bleu.py, test_raw_bleu_cases, test_effective_order and test_offset.
TEST(Bleu, SacrebleuRawBleuCases) {
  EXPECT_EQ(raw_corpus_bleu({"this is a test", "another test"}, {{"ref1", "ref2"}}, .01).score,
            0.0);  // no match at all is 0 whatever the smoothing (#141)
  EXPECT_NEAR(raw_corpus_bleu({"this is a test"}, {{"this is a test"}}, .01).score / 100, 1.0,
              1e-8);
  EXPECT_NEAR(raw_corpus_bleu({"this is a fest"}, {{"this is a test"}}, .01).score / 100,
              0.223606797749979, 1e-8);
  EXPECT_NEAR(raw_corpus_bleu({"test"}, {{"a test"}}, .01).score / 100, 0.3678794411714425, 1e-8);
  EXPECT_NEAR(raw_corpus_bleu({"a test"}, {{"a test"}}, .01).score / 100, 1.0, 1e-8);
  EXPECT_NEAR(raw_corpus_bleu({"a little test"}, {{"a test"}}, .01).score / 100,
              0.03218297948685433, 1e-8);
  const std::vector<std::string> hyp = {"am I am a character sequence"};
  const ReferenceStreams ref = {{"I am a symbol string sequence a a"}};
  EXPECT_NEAR(raw_corpus_bleu(hyp, ref, 0.0).score / 100, 0.0, 1e-8);
  EXPECT_NEAR(raw_corpus_bleu(hyp, ref, 0.1).score / 100, 0.1555722182, 1e-8);
}

// test/test_bleu.py, test_statistics.
TEST(Bleu, SacrebleuStatistics) {
  const auto bleu = raw_corpus_bleu({"am I am a character sequence"},
                                    {{"I am a symbol string sequence a a"}}, .01);
  EXPECT_EQ(bleu.counts, (std::vector<int64_t>{4, 2, 1, 0}));
  EXPECT_EQ(bleu.totals, (std::vector<int64_t>{6, 5, 4, 3}));
}

BleuStats stats(std::vector<int64_t> correct, std::vector<int64_t> total, int64_t hyp_len,
                int64_t ref_len) {
  BleuStats s;
  s.correct = std::move(correct);
  s.total = std::move(total);
  s.hyp_len = hyp_len;
  s.ref_len = ref_len;
  return s;
}

// test/test_bleu.py, test_scoring (compute_bleu's own default: no smoothing) and
// test_degenerate_statistics (floor smoothing; the score must be exactly 0).
TEST(Bleu, SacrebleuScoringFromStatistics) {
  BleuOptions none;
  none.smoothing = BleuSmoothing::none;
  EXPECT_NEAR(bleu_from_stats(stats({9, 7, 5, 3}, {10, 8, 6, 4}, 11, 11), none).score / 100,
              0.8375922397, 1e-8);

  struct Degenerate {
    BleuStats stats;
    double floor;
  };
  const std::vector<Degenerate> cases = {
      {stats({0, 0, 0, 0}, {4, 4, 2, 1}, 0, 1), 0.0},
      {stats({0, 0, 0, 0}, {10, 11, 12, 0}, 14, 10), 0.0},
      {stats({0, 0, 0, 0}, {0, 0, 0, 0}, 0, 0), 0.0},
      {stats({6, 5, 4, 0}, {6, 5, 4, 3}, 6, 6), 0.0},
      {stats({0, 0, 0, 0}, {0, 0, 0, 0}, 0, 0), 0.1},
      {stats({0, 0, 0, 0}, {0, 0, 0, 0}, 1, 5), 0.01},
  };
  for (const auto& c : cases) {
    BleuOptions floor;
    floor.smoothing = BleuSmoothing::floor;
    floor.smooth_value = c.floor;
    EXPECT_EQ(bleu_from_stats(c.stats, floor).score, 0.0);
  }
}

// test/test_bleu.py, test_max_ngram_order (compared as printed with 2 decimals).
TEST(Bleu, SacrebleuMaxNgramOrder) {
  const std::vector<std::string> expected = {"77.65", "60.50", "53.93", "48.53", "46.14", "43.28"};
  for (int order = 1; order <= 6; ++order) {
    BleuOptions options;
    options.max_order = order;
    const auto bleu = corpus_bleu(kHyps, kRefs, options);
    char printed[32];
    std::snprintf(printed, sizeof printed, "%.2f", bleu.score);
    EXPECT_EQ(printed, expected[order - 1]) << order;
    EXPECT_EQ(bleu.precisions.size(), static_cast<size_t>(order));
  }
}

// test/test_sentence_bleu.py (example from sacreBLEU issue #98): sentence BLEU is corpus BLEU of
// one line with effective order; EPSILON 1e-3 there.
TEST(Bleu, SacrebleuSentenceBleuSmoothingAndTokenizers) {
  const std::vector<std::string> sys = {
      "Producția de zahăr primă va fi exprimată în ceea ce privește zahărul alb;"};
  const ReferenceStreams ref = {{"producţia de zahăr brut se exprimă în zahăr alb;"}};
  struct Case {
    BleuSmoothing smoothing;
    std::optional<double> value;
    MtTokenizer tokenizer;
    double expected;
  };
  const std::vector<Case> cases = {
      {BleuSmoothing::exp, std::nullopt, MtTokenizer::v13a, 8.493},
      {BleuSmoothing::none, std::nullopt, MtTokenizer::v13a, 0.0},
      {BleuSmoothing::floor, std::nullopt, MtTokenizer::v13a, 4.51688},
      {BleuSmoothing::floor, 0.1, MtTokenizer::v13a, 4.51688},
      {BleuSmoothing::floor, 0.5, MtTokenizer::v13a, 10.10},
      {BleuSmoothing::add_k, std::nullopt, MtTokenizer::v13a, 14.882},
      {BleuSmoothing::add_k, 1, MtTokenizer::v13a, 14.882},
      {BleuSmoothing::add_k, 2, MtTokenizer::v13a, 21.389},
      {BleuSmoothing::exp, std::nullopt, MtTokenizer::none, 7.347},
      {BleuSmoothing::exp, std::nullopt, MtTokenizer::intl, 8.493},
  };
  for (const auto& c : cases) {
    BleuOptions options;
    options.smoothing = c.smoothing;
    options.smooth_value = c.value;
    options.tokenizer = c.tokenizer;
    options.effective_order = true;
    EXPECT_NEAR(corpus_bleu(sys, ref, options).score, c.expected, 1e-3)
        << static_cast<int>(c.smoothing) << " " << mt_tokenizer_name(c.tokenizer);
  }
  // test_api_sentence_bleu_zero (issue #141): no match is 0 with any smoothing.
  for (const auto smoothing :
       {BleuSmoothing::exp, BleuSmoothing::none, BleuSmoothing::floor, BleuSmoothing::add_k}) {
    BleuOptions options;
    options.smoothing = smoothing;
    options.effective_order = true;
    EXPECT_EQ(corpus_bleu({"this is a cat"}, {{"okay thanks"}}, options).score, 0.0);
  }
}

TEST(Bleu, SignatureNamesEveryOption) {
  BleuOptions options;
  options.lowercase = true;
  options.tokenizer = MtTokenizer::intl;
  options.smoothing = BleuSmoothing::floor;
  options.effective_order = true;
  EXPECT_EQ(bleu_signature(options, "1"),
            "nrefs:1|case:lc|eff:yes|tok:intl|smooth:floor[0.10]|" + kVersion);
  options.smoothing = BleuSmoothing::add_k;
  options.smooth_value = 2;
  EXPECT_EQ(bleu_signature(options, "3"),
            "nrefs:3|case:lc|eff:yes|tok:intl|smooth:add-k[2.00]|" + kVersion);
}

// The expected values below are what sacreBLEU's code returns for the same input (to the bit).
TEST(Bleu, ExpSmoothingHalvesEachZeroPrecision) {
  // Two unigram matches and none of higher order.
  const auto bleu = corpus_bleu({"the cat sat on the mat"}, {{"the dog lay on a rug"}});
  EXPECT_EQ(bleu.counts, (std::vector<int64_t>{2, 0, 0, 0}));
  EXPECT_EQ(bleu.precisions,
            (std::vector<double>{100. * 2 / 6, 100. / (2 * 5), 100. / (4 * 4), 100. / (8 * 3)}));
  EXPECT_EQ(bleu.score, 9.652434877402245);
}

TEST(Bleu, LowercaseAndCase) {
  const std::vector<std::string> hyp = {"The Cat Sat On The Mat today"};
  const ReferenceStreams ref = {{"the cat sat on the mat today"}};
  BleuOptions lowercase;
  lowercase.lowercase = true;
  EXPECT_EQ(corpus_bleu(hyp, ref, lowercase).score, 100.00000000000004);
  EXPECT_EQ(corpus_bleu(hyp, ref).score, 6.567274736060395);
}

TEST(Bleu, ClosestReferenceLengthTiesGoToTheShorter) {
  // 3 words against 2 and 4: both 1 away, the shorter counts. No 4-grams: BLEU is exactly 0.
  const auto tie = corpus_bleu({"a b c"}, {{"a b"}, {"a b c d"}});
  EXPECT_EQ(tie.ref_len, 2);
  EXPECT_EQ(tie.score, 0.0);
  const auto multi =
      corpus_bleu({"a b c d e f", "x y"}, {{"a b c d e f g h", "x y z"}, {"a b c", "x"}});
  EXPECT_EQ(multi.hyp_len, 8);
  EXPECT_EQ(multi.ref_len, 9);  // 8 (closer than 3) + 1 (tied with 3)
  EXPECT_EQ(multi.score, 88.24969025845958);
}

TEST(Bleu, EmptyLinesAndEmptyCorpus) {
  const auto bleu = corpus_bleu({"a b c d e f", ""}, {{"a b c d e f g h", "x y z"}});
  EXPECT_EQ(bleu.hyp_len, 6);
  EXPECT_EQ(bleu.ref_len, 11);
  EXPECT_EQ(bleu.score, 43.45982085070784);

  const auto empty = corpus_bleu({}, {{}});
  EXPECT_EQ(empty.score, 0.0);
  EXPECT_EQ(empty.bp, 1.0);
  EXPECT_EQ(empty.ratio, 0.0);
  EXPECT_EQ(empty.text(),
            "BLEU = 0.00 0.0/0.0/0.0/0.0 (BP = 1.000 ratio = 0.000 hyp_len = 0 ref_len = 0)");
  EXPECT_EQ(empty.signature, "nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|" + kVersion);
}

TEST(Bleu, RefusesWhatSacrebleuRefuses) {
  EXPECT_THROW(corpus_bleu({"a", "b"}, {{"a"}}), std::invalid_argument);  // misaligned
  EXPECT_THROW(corpus_bleu({"a"}, {}), std::invalid_argument);            // no references
  EXPECT_THROW(corpus_bleu({"a", "b"}, {{"a", ""}, {"a", ""}}), std::invalid_argument);
  BleuOptions zero_order;
  zero_order.max_order = 0;
  EXPECT_THROW(corpus_bleu({"a"}, {{"a"}}, zero_order), std::invalid_argument);
}

TEST(Bleu, LineStatisticsAddUp) {
  const BleuOptions options;
  BleuStats sum = bleu_line_stats(kHyps[0], {kRefs[0][0], kRefs[1][0]}, options);
  for (size_t line = 1; line < kHyps.size(); ++line) {
    sum += bleu_line_stats(kHyps[line], {kRefs[0][line], kRefs[1][line]}, options);
  }
  EXPECT_EQ(bleu_from_stats(sum, options).score, corpus_bleu(kHyps, kRefs).score);
}

}  // namespace
}  // namespace huiyan::pipeline
