#pragma once
// Text normalization applied to every corpus line: HTML line breaks removed, Unicode NFKC,
// control characters dropped, whitespace squeezed to single spaces, optional lower-casing.

#include <string>
#include <string_view>

namespace huiyan::pipeline {

struct NormalizeOptions {
  bool lowercase = false;
  // `<br />`, `<br>` and `<br/>` (any case) become spaces, as in IMDB reviews.
  bool strip_line_break_tags = true;
  // Drops the marks a copy from other text brings along unseen: soft hyphens, direction marks,
  // embeddings and isolates, variation selectors (not joiners or emoji tags, which change what
  // text or an emoji is).
  bool drop_invisible_marks = false;
};

// A label as a corpus line gives it (valid UTF-8): NFKC, controls and invisible marks dropped,
// white space squeezed and trimmed, case and tags kept, so that "POS\u00A0", "POS\u00AD",
// "\u200EPOS" and "POS" are one label and none breaks a line.
std::string normalize_label(std::string_view label);

class TextNormalizer {
 public:
  explicit TextNormalizer(NormalizeOptions options = {});

  // `text` must be valid UTF-8 (check with io::find_invalid_utf8 first).
  std::string operator()(std::string_view text) const;

 private:
  NormalizeOptions options_;
};

}  // namespace huiyan::pipeline
