#include "pipeline/token_ids.h"

#include "io/error.h"

namespace huiyan::pipeline {

namespace {

void check_ids(const std::string& path, const std::string& array, const io::Ragged& ids,
               int64_t vocab) {
  for (size_t i = 0; i < ids.size(); ++i) {
    for (const int32_t id : ids[i]) {
      if (id < 0 || id >= vocab) {
        throw io::DataError(path + ": " + array + ": sequence " + std::to_string(i) + " holds id " +
                            std::to_string(id) + ", outside the vocabulary of " +
                            std::to_string(vocab) +
                            " of its tokenizer (build the dataset again with tokenize build)");
      }
    }
  }
}

}  // namespace

void check_token_ids(const std::string& path, const io::Dataset& dataset, int64_t src_vocab,
                     int64_t tgt_vocab) {
  for (const auto& split : dataset.splits) {
    check_ids(path, "/" + split.name + "/src/ids", split.src, src_vocab);
    if (split.tgt) check_ids(path, "/" + split.name + "/tgt/ids", *split.tgt, tgt_vocab);
  }
}

}  // namespace huiyan::pipeline
