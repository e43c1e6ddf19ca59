#include "pipeline/training_state.h"

#include <gtest/gtest.h>

#include <bit>
#include <string>

#include "io/error.h"

namespace huiyan::pipeline {
namespace {

TEST(TrainingState, CursorRoundTripsThroughCounters) {
  const TrainingCursor saved{1234, 7, 42, 3.25, 2};
  const auto counters = cursor_counters(saved, {{"sampler", 99}});
  EXPECT_EQ(counters.at("sampler"), 99);
  const TrainingCursor read = cursor_from(counters, "m.last.h5");
  EXPECT_EQ(read.step, 1234);
  EXPECT_EQ(read.epoch, 7);
  EXPECT_EQ(read.batch_in_epoch, 42);
  EXPECT_EQ(read.best, 3.25);
  EXPECT_EQ(read.stale, 2);
}

// Translation models saved before the trainer used the cursor named their best validation loss
// best_valid_bits and kept no count of validations without improvement: they still resume.
TEST(TrainingState, OlderTranslationCountersStillResume) {
  const std::map<std::string, int64_t> older = {{"step", 500},
                                                {"epoch", 2},
                                                {"batch_in_epoch", 17},
                                                {"best_valid_bits", std::bit_cast<int64_t>(4.5)}};
  const TrainingCursor read = cursor_from(older, "m.last.h5");
  EXPECT_EQ(read.step, 500);
  EXPECT_EQ(read.best, 4.5);
  EXPECT_EQ(read.stale, 0);
}

TEST(TrainingState, AMissingCounterNamesTheFile) {
  try {
    cursor_from({{"step", 1}, {"epoch", 0}}, "m.last.h5");
    FAIL() << "no error";
  } catch (const io::DataError& e) {
    EXPECT_NE(std::string(e.what()).find("m.last.h5: /train_state: the counter 'batch_in_epoch'"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace huiyan::pipeline
