#pragma once
// Deterministic train/valid/test assignment: the same seed gives the same split on every machine.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "nn/random.h"

namespace huiyan::pipeline {

enum class Split : uint8_t { train = 0, valid = 1, test = 2 };

// A split size given by the user: below 1 a fraction of `total` (rounded down), otherwise a count.
// Throws std::invalid_argument for negative sizes or fractional counts.
size_t resolve_split_size(double size, size_t total);

// Assigns `valid` and `test` examples at random (seeded) out of `total`; the rest are train.
std::vector<Split> assign_splits(size_t total, size_t valid, size_t test, uint64_t seed);

}  // namespace huiyan::pipeline
