#include "pipeline/token_ids.h"

#include <gtest/gtest.h>

#include <vector>

#include "io/error.h"

namespace huiyan::pipeline {
namespace {

io::Dataset translation_dataset(int32_t bad_target) {
  io::Dataset d;
  d.task = "translate";
  io::DatasetSplit train;
  train.name = "train";
  train.src.append(std::vector<int32_t>{4, 5, 9});
  train.src.append(std::vector<int32_t>{6});
  io::Ragged tgt;
  tgt.append(std::vector<int32_t>{4});
  tgt.append(std::vector<int32_t>{7, bad_target});
  train.tgt = tgt;
  d.splits.push_back(train);
  return d;
}

TEST(TokenIds, AnIdOutsideItsVocabularyIsNamedWhereItIs) {
  EXPECT_NO_THROW(check_token_ids("d.h5", translation_dataset(7), 10, 8));
  try {
    check_token_ids("d.h5", translation_dataset(8), 10, 8);
    FAIL() << "no error";
  } catch (const io::DataError& e) {
    EXPECT_STREQ(e.what(),
                 "d.h5: /train/tgt/ids: sequence 1 holds id 8, outside the vocabulary of 8 of its "
                 "tokenizer (build the dataset again with tokenize build)");
  }
  EXPECT_THROW(check_token_ids("d.h5", translation_dataset(-1), 10, 8), io::DataError);
  // The sources against their own vocabulary.
  EXPECT_THROW(check_token_ids("d.h5", translation_dataset(7), 9, 8), io::DataError);
}

}  // namespace
}  // namespace huiyan::pipeline
