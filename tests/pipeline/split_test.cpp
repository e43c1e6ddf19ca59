#include "pipeline/split.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace huiyan::pipeline {
namespace {

TEST(Split, SizesAreExact) {
  const auto splits = assign_splits(1000, 50, 30, 7);
  EXPECT_EQ(std::count(splits.begin(), splits.end(), Split::valid), 50);
  EXPECT_EQ(std::count(splits.begin(), splits.end(), Split::test), 30);
  EXPECT_EQ(std::count(splits.begin(), splits.end(), Split::train), 920);
}

TEST(Split, SameSeedSameSplitDifferentSeedDifferentSplit) {
  EXPECT_EQ(assign_splits(500, 25, 25, 1), assign_splits(500, 25, 25, 1));
  EXPECT_NE(assign_splits(500, 25, 25, 1), assign_splits(500, 25, 25, 2));
}

TEST(Split, ResolvesFractionsAndCounts) {
  EXPECT_EQ(resolve_split_size(0.05, 1000), 50u);
  EXPECT_EQ(resolve_split_size(0, 1000), 0u);
  EXPECT_EQ(resolve_split_size(120, 1000), 120u);
  EXPECT_EQ(resolve_split_size(1, 1000), 1u);
  EXPECT_THROW(resolve_split_size(-0.1, 1000), std::invalid_argument);
  EXPECT_THROW(resolve_split_size(2.5, 1000), std::invalid_argument);
  EXPECT_THROW(assign_splits(10, 8, 3, 1), std::invalid_argument);
  EXPECT_THROW(resolve_split_size(1e20, 1000), std::invalid_argument);
  EXPECT_THROW(resolve_split_size(INFINITY, 1000), std::invalid_argument);
  // Fractions round down, so halves of an odd count still fit together.
  EXPECT_EQ(resolve_split_size(0.5, 5), 2u);
  EXPECT_NO_THROW(assign_splits(5, resolve_split_size(0.5, 5), resolve_split_size(0.5, 5), 1));
}

}  // namespace
}  // namespace huiyan::pipeline
