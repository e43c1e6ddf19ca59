#pragma once
// `huiyan classify --explain-html FILE`: one self-contained HTML page showing, for each document,
// the predicted label and its words shaded by the attention they got (word weight × sentence
// weight for HAN), with HAN's sentence weights as a bar before each sentence.

#include <string>
#include <vector>

#include "io/atomic_file.h"
#include "pipeline/classify.h"

namespace huiyan::pipeline {

class ExplainHtml {
 public:
  void add(size_t line, const std::string& label, float probability,
           const Explanation& explanation);
  std::string page() const;
  // Written to the file's temporary file and committed (the caller claims it before the work, so
  // that an unwritable path is found first).
  void write(io::AtomicFile& file) const;
  size_t size() const { return documents_.size(); }

 private:
  std::vector<std::string> documents_;  // rendered <section> elements
};

std::string html_escape(std::string_view text);

}  // namespace huiyan::pipeline
