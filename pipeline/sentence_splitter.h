#pragma once
// ICU sentence segmentation (UAX #29 sentence boundaries), used to store documents as sentences
// of tokens for the hierarchical attention model.

#include <unicode/uversion.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

U_NAMESPACE_BEGIN
class BreakIterator;
U_NAMESPACE_END

namespace huiyan::pipeline {

class SentenceSplitter {
 public:
  // `locale` is an ICU locale name ("en", "de", ...); "" is the root locale.
  explicit SentenceSplitter(const std::string& locale = "");
  SentenceSplitter(const SentenceSplitter& other);  // each thread needs its own copy
  SentenceSplitter& operator=(const SentenceSplitter&) = delete;
  ~SentenceSplitter();

  // The sentences of `text` (valid UTF-8), without surrounding spaces; never empty strings.
  std::vector<std::string> split(std::string_view text);

 private:
  std::unique_ptr<icu::BreakIterator> iterator_;
};

}  // namespace huiyan::pipeline
