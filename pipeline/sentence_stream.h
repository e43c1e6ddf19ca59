#pragma once
// `huiyan tokenize sentences`: each input line is a document; its ICU sentences are written
// one per line followed by an empty line, or, with `joined`, on one line separated by tabs (a tab
// inside a sentence becomes a space). A character that some reader breaks lines at (NEL, FF,
// U+2028, ...) becomes a space. An empty document gives just the empty line.

#include <cstddef>
#include <ostream>
#include <string>

#include "io/line_reader.h"

namespace huiyan::pipeline {

// Returns the number of documents. Throws io::DataError naming the input and line for invalid
// UTF-8.
size_t split_sentences_stream(io::LineReader& in, std::ostream& out, const std::string& locale,
                              bool joined);

}  // namespace huiyan::pipeline
