#include "pipeline/sentence_stream.h"

#include <omp.h>

#include <algorithm>
#include <vector>

#include "io/error.h"
#include "io/tsv.h"
#include "io/utf8.h"
#include "pipeline/line_stream.h"
#include "pipeline/sentence_splitter.h"

namespace huiyan::pipeline {

size_t split_sentences_stream(io::LineReader& in, std::ostream& out, const std::string& locale,
                              bool joined) {
  // ICU break iterators are not thread-safe: one per thread.
  const SentenceSplitter prototype(locale);
  std::vector<SentenceSplitter> splitters(static_cast<size_t>(omp_get_max_threads()), prototype);
  return transform_lines(in, out, [&](const std::string& line, size_t number, int thread) {
    io::require_valid_utf8(line, in.name(), number);
    std::string text;
    for (const auto& sentence : splitters[static_cast<size_t>(thread)].split(line)) {
      // One line each, for every reader; joined, a tab inside would pass for a sentence's end.
      std::string one = io::one_line(sentence);
      if (joined) std::replace(one.begin(), one.end(), '\t', ' ');
      const std::string_view trimmed = io::trim_blanks(one);
      if (trimmed.empty()) continue;  // an empty line would end the document
      if (!text.empty()) text.push_back(joined ? '\t' : '\n');
      text += trimmed;
    }
    // A document's sentences end with an empty line, so documents stay apart.
    if (!joined && !text.empty()) text.push_back('\n');
    return text;
  });
}

}  // namespace huiyan::pipeline
