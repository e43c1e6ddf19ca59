#pragma once
// Corpus chrF exactly as sacreBLEU 2.x computes it (sacrebleu/metrics/chrf.py, Popović 2015):
// character n-grams of orders 1..6 with whitespace removed; per line, the reference giving the
// best line score is kept; the counts are summed over the corpus and turned into one F-beta score
// (beta 2: chrF2). By default precision and recall are averaged over the orders that have both
// hypothesis and reference n-grams ("eff:yes"); eps_smoothing instead averages the F-scores of
// every order, as chrF++.py does. Word n-grams (chrF++) are not implemented: nw is always 0.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/mt_corpus.h"

namespace huiyan::pipeline {

struct ChrfOptions {
  int char_order = 6;
  int beta = 2;
  bool lowercase = false;
  bool whitespace = false;  // keep whitespace inside the character n-grams
  bool eps_smoothing = false;
};

// [hypothesis n-grams, reference n-grams, matches] for each order 1..char_order, flattened.
using ChrfStats = std::vector<int64_t>;

struct ChrfScore {
  double score = 0;  // 0..100
  int beta = 2;
  std::string signature;  // filled by corpus_chrf

  // sacreBLEU's line: "chrF2 = 59.73".
  std::string text() const;
};

// The statistics of one hypothesis against the best of its (non-empty) references.
ChrfStats chrf_line_stats(std::string_view hyp, const std::vector<std::string_view>& refs,
                          const ChrfOptions& options);

// The score, 0..100, of summed statistics (sacreBLEU's CHRF._compute_f_score).
double chrf_from_stats(const ChrfStats& stats, const ChrfOptions& options);

// refs[stream][line] as for corpus_bleu (see mt_corpus.h); no lines at all give 0.
ChrfScore corpus_chrf(const std::vector<std::string>& hyps, const ReferenceStreams& refs,
                      const ChrfOptions& options = {});

// sacreBLEU's signature, e.g. "nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:huiyan-0.1.0".
std::string chrf_signature(const ChrfOptions& options, const std::string& nrefs);

}  // namespace huiyan::pipeline
