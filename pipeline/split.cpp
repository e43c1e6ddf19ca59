#include "pipeline/split.h"

#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

namespace huiyan::pipeline {

size_t resolve_split_size(double size, size_t total) {
  if (!(size >= 0))
    throw std::invalid_argument("--valid-size and --test-size must be >= 0, got " +
                                std::to_string(size));
  // Rounded down, so fractions that add up to at most 1 always fit.
  if (size < 1) return static_cast<size_t>(std::floor(size * static_cast<double>(total)));
  if (size > static_cast<double>(total)) {
    throw std::invalid_argument("split size " +
                                std::to_string(static_cast<long long>(std::min(size, 9e18))) +
                                " exceeds the " + std::to_string(total) + " examples available");
  }
  if (size != std::floor(size)) {
    throw std::invalid_argument("split size " + std::to_string(size) +
                                " is neither a fraction below 1 nor a whole count");
  }
  return static_cast<size_t>(size);
}

std::vector<Split> assign_splits(size_t total, size_t valid, size_t test, uint64_t seed) {
  if (valid > total || test > total - valid) {
    throw std::invalid_argument("valid (" + std::to_string(valid) + ") + test (" +
                                std::to_string(test) + ") examples exceed the " +
                                std::to_string(total) + " available");
  }
  // A partial Fisher-Yates shuffle picks the valid then the test examples.
  std::vector<size_t> order(total);
  std::iota(order.begin(), order.end(), size_t{0});
  nn::Random rng(seed);
  std::vector<Split> splits(total, Split::train);
  for (size_t i = 0; i < valid + test; ++i) {
    const size_t j = i + rng.below(total - i);
    std::swap(order[i], order[j]);
    splits[order[i]] = i < valid ? Split::valid : Split::test;
  }
  return splits;
}

}  // namespace huiyan::pipeline
