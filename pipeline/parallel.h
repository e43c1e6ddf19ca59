#pragma once
// A loop over all OpenMP threads whose errors stay deterministic.

#include <cstddef>
#include <exception>

namespace huiyan::pipeline {

// Runs `body(i)` for i in [0, n) on all threads; rethrows the exception of the lowest i that
// failed, so an error names the same line whatever the thread timing.
template <typename Body>
void parallel_for(size_t n, Body body) {
  std::exception_ptr failure;
  size_t failed_at = n;
#pragma omp parallel for schedule(dynamic, 16)
  for (long i = 0; i < static_cast<long>(n); ++i) {
    try {
      body(static_cast<size_t>(i));
    } catch (...) {
#pragma omp critical
      if (static_cast<size_t>(i) < failed_at) {
        failed_at = static_cast<size_t>(i);
        failure = std::current_exception();
      }
    }
  }
  if (failure) std::rethrow_exception(failure);
}

}  // namespace huiyan::pipeline
