#pragma once
// Corpus BLEU exactly as sacreBLEU 2.x computes it (sacrebleu/metrics/bleu.py): each line is
// lower-cased if asked, right-stripped and tokenized; its n-gram matches are clipped by the
// highest count in any one reference; the brevity penalty uses, per line, the reference length
// closest to the hypothesis length (ties go to the shorter); and the line statistics are summed
// before the score is computed once for the corpus.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/mt_corpus.h"
#include "pipeline/mt_tokenizers.h"

namespace huiyan::pipeline {

// How a zero n-gram precision is kept from zeroing the score (Chen and Cherry, 2014).
enum class BleuSmoothing {
  none,   // no smoothing
  floor,  // a zero count becomes smooth_value (0.1 unless given)
  add_k,  // smooth_value (1 unless given) added to every count and total of order 2 and up
  exp,    // the k-th zero precision becomes 1 / (2^k * total), as mteval-v13a does
};

struct BleuOptions {
  MtTokenizer tokenizer = MtTokenizer::v13a;
  bool lowercase = false;
  BleuSmoothing smoothing = BleuSmoothing::exp;
  std::optional<double> smooth_value;  // for floor and add-k
  int max_order = 4;
  // Average over the orders up to the last with any hypothesis n-gram (for sentence BLEU).
  bool effective_order = false;
};

// The sufficient statistics of one line or, summed, of a corpus.
struct BleuStats {
  int64_t hyp_len = 0;
  int64_t ref_len = 0;
  std::vector<int64_t> correct;  // [order - 1]: clipped n-gram matches
  std::vector<int64_t> total;    // [order - 1]: hypothesis n-grams

  BleuStats& operator+=(const BleuStats& other);
};

struct BleuScore {
  double score = 0;                // 0..100
  std::vector<double> precisions;  // [order - 1], 0..100, after smoothing
  std::vector<int64_t> counts;     // [order - 1]: clipped matches
  std::vector<int64_t> totals;     // [order - 1]: hypothesis n-grams
  double bp = 0;
  double ratio = 0;  // hyp_len / ref_len, 0 without reference words
  int64_t hyp_len = 0;
  int64_t ref_len = 0;
  std::string signature;  // empty from bleu_from_stats, filled by corpus_bleu

  // sacreBLEU's line: "BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17
  // ref_len = 18)".
  std::string text() const;
};

// The statistics of one hypothesis against its (non-empty) references.
BleuStats bleu_line_stats(std::string_view hyp, const std::vector<std::string_view>& refs,
                          const BleuOptions& options);

// BLEU from summed statistics (sacreBLEU's BLEU.compute_bleu).
BleuScore bleu_from_stats(const BleuStats& stats, const BleuOptions& options);

// refs[stream][line], each stream line-aligned with `hyps`; an empty reference line leaves that
// line with one reference fewer (see mt_corpus.h). Throws std::invalid_argument for misaligned
// streams or a line whose references are all empty. No lines at all give BLEU 0.
BleuScore corpus_bleu(const std::vector<std::string>& hyps, const ReferenceStreams& refs,
                      const BleuOptions& options = {});

// sacreBLEU's signature, e.g. "nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:huiyan-0.1.0".
std::string bleu_signature(const BleuOptions& options, const std::string& nrefs);

}  // namespace huiyan::pipeline
