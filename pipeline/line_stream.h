#pragma once
// One line in, one line out, in input order: lines are gathered into batches converted on all
// threads, and a batch is written as soon as the input would make us wait, so an interactive
// pipe gets each line back at once.

#include <cstddef>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "io/line_reader.h"

namespace huiyan::pipeline {

// `convert(line, line_number, thread)` runs concurrently on several threads; `thread` is in
// [0, omp_get_max_threads()) so callers can keep one non-thread-safe helper per thread. The first
// exception thrown is rethrown here. Reading stops at the first failed write to `out`, which the
// caller reports. Returns the number of lines read.
using LineConverter =
    std::function<std::string(const std::string& line, size_t line_number, int thread)>;
size_t transform_lines(io::LineReader& in, std::ostream& out, const LineConverter& convert);

// The same streaming, for converters that work on a whole batch at once (a model): `convert`
// gets up to `max_batch` lines and the number of the first, and returns one output per line.
using BatchConverter = std::function<std::vector<std::string>(const std::vector<std::string>& lines,
                                                              size_t first_line)>;
size_t transform_line_batches(io::LineReader& in, std::ostream& out, size_t max_batch,
                              const BatchConverter& convert);

}  // namespace huiyan::pipeline
