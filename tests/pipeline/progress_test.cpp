#include "pipeline/progress.h"

#include <gtest/gtest.h>

#include <cmath>

namespace huiyan::pipeline {
namespace {

// Seconds under a minute, minutes and seconds under an hour, then hours and minutes; rounded to
// the second first (59.6 s is a minute), and never negative (a time limit already passed).
TEST(Progress, DurationsReadAsPeopleWriteThem) {
  EXPECT_EQ(format_duration(0), "0s");
  EXPECT_EQ(format_duration(59.4), "59s");
  EXPECT_EQ(format_duration(59.6), "1m00s");
  EXPECT_EQ(format_duration(725), "12m05s");
  EXPECT_EQ(format_duration(3599.4), "59m59s");
  EXPECT_EQ(format_duration(11'220), "3h07m");
  EXPECT_EQ(format_duration(90'000), "25h00m");
  EXPECT_EQ(format_duration(-5), "0s");
  // An estimate that went wrong reads as such, not as a number.
  EXPECT_EQ(format_duration(std::nan("")), "?");
  EXPECT_EQ(format_duration(1e300), "10000h00m");
}

}  // namespace
}  // namespace huiyan::pipeline
