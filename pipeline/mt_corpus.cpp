#include "pipeline/mt_corpus.h"

#include <set>
#include <stdexcept>

namespace huiyan::pipeline {

void check_mt_corpus(const std::vector<std::string>& hyps, const ReferenceStreams& refs) {
  if (refs.empty()) throw std::invalid_argument("no reference stream given");
  for (size_t stream = 0; stream < refs.size(); ++stream) {
    if (refs[stream].size() != hyps.size()) {
      throw std::invalid_argument("reference stream " + std::to_string(stream + 1) + " has " +
                                  std::to_string(refs[stream].size()) +
                                  " lines but the hypotheses have " + std::to_string(hyps.size()));
    }
  }
}

std::vector<std::string_view> line_references(const ReferenceStreams& refs, size_t line) {
  std::vector<std::string_view> found;
  found.reserve(refs.size());
  for (const auto& stream : refs) {
    if (!stream[line].empty()) found.push_back(stream[line]);
  }
  if (found.empty()) {
    throw std::invalid_argument("line " + std::to_string(line + 1) + ": every reference is empty");
  }
  return found;
}

std::string nrefs_field(const ReferenceStreams& refs) {
  if (refs.empty() || refs.front().empty()) return std::to_string(refs.size());
  std::set<size_t> counts;
  for (size_t line = 0; line < refs.front().size(); ++line) {
    size_t count = 0;
    for (const auto& stream : refs) count += stream[line].empty() ? 0 : 1;
    counts.insert(count);
  }
  return counts.size() == 1 ? std::to_string(*counts.begin()) : "var";
}

std::string signature_version() {
  return std::string("huiyan-") + HUIYAN_VERSION;
}

}  // namespace huiyan::pipeline
