#pragma once
// `huiyan tokenize encode|decode`: one line in, one line out, streamed (see line_stream.h).

#include <cstddef>
#include <ostream>

#include "io/line_reader.h"
#include "pipeline/subword_model.h"

namespace huiyan::pipeline {

enum class TokenFormat { pieces, ids };

// Text -> space-separated pieces or ids. Returns the number of lines. Throws io::DataError
// naming the input and line for invalid UTF-8.
size_t encode_stream(const SubwordModel& model, io::LineReader& in, std::ostream& out,
                     TokenFormat format);

// Space-separated pieces or ids -> text. Throws io::DataError naming the input and line for a
// token that is not an id of the model.
size_t decode_stream(const SubwordModel& model, io::LineReader& in, std::ostream& out,
                     TokenFormat format);

}  // namespace huiyan::pipeline
