#include "pipeline/sentence_splitter.h"

#include <unicode/brkiter.h>
#include <unicode/locid.h>
#include <unicode/unistr.h>

#include <stdexcept>

namespace huiyan::pipeline {

SentenceSplitter::SentenceSplitter(const std::string& locale) {
  UErrorCode status = U_ZERO_ERROR;
  iterator_.reset(icu::BreakIterator::createSentenceInstance(
      icu::Locale::createFromName(locale.c_str()), status));
  if (U_FAILURE(status) || !iterator_) {
    throw std::runtime_error("ICU sentence segmentation unavailable for locale '" + locale +
                             "': " + u_errorName(status));
  }
}

SentenceSplitter::SentenceSplitter(const SentenceSplitter& other)
    : iterator_(other.iterator_->clone()) {
  if (!iterator_) throw std::runtime_error("ICU could not copy a sentence break iterator");
}

SentenceSplitter::~SentenceSplitter() = default;

std::vector<std::string> SentenceSplitter::split(std::string_view text) {
  const icu::UnicodeString unicode =
      icu::UnicodeString::fromUTF8(icu::StringPiece(text.data(), text.size()));
  iterator_->setText(unicode);
  std::vector<std::string> sentences;
  int32_t start = iterator_->first();
  for (int32_t end = iterator_->next(); end != icu::BreakIterator::DONE;
       start = end, end = iterator_->next()) {
    icu::UnicodeString sentence = unicode.tempSubStringBetween(start, end);
    sentence.trim();
    if (sentence.isEmpty()) continue;
    std::string utf8;
    sentence.toUTF8String(utf8);
    sentences.push_back(std::move(utf8));
  }
  return sentences;
}

}  // namespace huiyan::pipeline
