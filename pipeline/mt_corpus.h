#pragma once
// Hypotheses with their reference streams as sacreBLEU 2.x's metrics read them: one stream per
// reference set, line-aligned with the hypotheses, where an empty reference line means "this
// line has one reference fewer". Shared by BLEU and chrF.

#include <string>
#include <string_view>
#include <vector>

namespace huiyan::pipeline {

// refs[stream][line]
using ReferenceStreams = std::vector<std::vector<std::string>>;

// Throws std::invalid_argument unless there is at least one reference stream and each has as
// many lines as `hyps`.
void check_mt_corpus(const std::vector<std::string>& hyps, const ReferenceStreams& refs);

// The non-empty references of line `line`. Throws std::invalid_argument when every one is empty:
// sacreBLEU refuses such a line too ("Empty or `None` reference sentence found").
std::vector<std::string_view> line_references(const ReferenceStreams& refs, size_t line);

// The signature's nrefs value: how many references every line has, or "var" when that varies.
std::string nrefs_field(const ReferenceStreams& refs);

// The signature's version value. We are not sacreBLEU, so it names huiyan: "huiyan-0.1.0".
std::string signature_version();

}  // namespace huiyan::pipeline
