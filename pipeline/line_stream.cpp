#include "pipeline/line_stream.h"

#include <omp.h>

#include <exception>
#include <vector>

namespace huiyan::pipeline {

namespace {
constexpr size_t kBatchLines = 2048;
}

size_t transform_lines(io::LineReader& in, std::ostream& out, const LineConverter& convert) {
  return transform_line_batches(
      in, out, kBatchLines, [&](const std::vector<std::string>& batch, size_t first_line) {
        const long n = static_cast<long>(batch.size());
        std::vector<std::string> results(batch.size());
        // The error reported is the one of the lowest line, whatever the thread timing.
        std::exception_ptr failure;
        long failed_at = n;
#pragma omp parallel for schedule(dynamic, 16) if (n > 16)
        for (long i = 0; i < n; ++i) {
          try {
            results[i] =
                convert(batch[i], first_line + static_cast<size_t>(i), omp_get_thread_num());
          } catch (...) {
#pragma omp critical
            if (i < failed_at) {
              failed_at = i;
              failure = std::current_exception();
            }
          }
        }
        if (failure) std::rethrow_exception(failure);
        return results;
      });
}

size_t transform_line_batches(io::LineReader& in, std::ostream& out, size_t max_batch,
                              const BatchConverter& convert) {
  std::vector<std::string> batch;
  size_t first_line = 1;
  size_t total = 0;
  const auto run_batch = [&] {
    if (batch.empty()) return;
    const std::vector<std::string> results = convert(batch, first_line);
    for (const auto& result : results) out << result << '\n';
    first_line += batch.size();
    batch.clear();
  };
  in.on_wait([&] {
    run_batch();
    out.flush();
  });
  try {
    std::string line;
    // Once a write failed nothing more arrives: the rest is not worked on, and the caller
    // reports the failure when it checks the stream.
    while (out && in.next(line)) {
      batch.push_back(std::move(line));
      ++total;
      if (batch.size() == max_batch) run_batch();
    }
    run_batch();
  } catch (...) {
    in.on_wait({});
    throw;
  }
  in.on_wait({});
  out.flush();
  return total;
}

}  // namespace huiyan::pipeline
