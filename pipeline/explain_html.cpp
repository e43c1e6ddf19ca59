#include "pipeline/explain_html.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iomanip>
#include <sstream>

#include "io/atomic_file.h"

namespace huiyan::pipeline {

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

void ExplainHtml::add(size_t line, const std::string& label, float probability,
                      const Explanation& e) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(3);
  out << "<section><h2>line " << line << ": " << html_escape(label) << " <small>(" << probability
      << ")</small></h2>\n<p>";
  float top = 0;
  for (const auto& w : e.words) top = std::max(top, w.weight);
  int32_t sentence = -1;
  for (const auto& w : e.words) {
    if (w.sentence != sentence && !e.sentence_weights.empty()) {
      sentence = w.sentence;
      const float s = static_cast<size_t>(sentence) < e.sentence_weights.size()
                          ? e.sentence_weights[static_cast<size_t>(sentence)]
                          : 0.0f;
      out << (sentence > 0 ? "</p>\n<p>" : "")
          << "<span class=s style=\"width:" << std::lround(60 * s)
          << "px\" title=\"sentence weight " << s << "\"></span> ";
    }
    // Opacity relative to the document's heaviest word, so every page uses the whole scale.
    const float alpha = top > 0 ? w.weight / top : 0;
    out << "<span style=\"background:rgba(220,40,40," << alpha << ")\" title=\"" << w.weight
        << "\">" << html_escape(w.word) << "</span> ";
  }
  out << "</p></section>\n";
  documents_.push_back(out.str());
}

std::string ExplainHtml::page() const {
  std::string page =
      "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>huiyan classify: "
      "attention</title>\n<style>body{font-family:sans-serif;max-width:60em;margin:auto}"
      "section{border-bottom:1px solid #ccc}h2{font-size:1em}"
      "span.s{display:inline-block;height:0.8em;background:#36c;margin-right:4px}"
      "</style></head><body>\n<p>Words shaded by the attention the model gave them (hover for "
      "the weight); a bar before a sentence shows its sentence weight.</p>\n";
  for (const auto& d : documents_) page += d;
  return page + "</body></html>\n";
}

void ExplainHtml::write(io::AtomicFile& file) const {
  std::ofstream stream = file.open_stream();
  stream << page();
  file.commit(stream);
}

}  // namespace huiyan::pipeline
