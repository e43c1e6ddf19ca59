#pragma once
// A dataset's token ids against the vocabularies of the tokenizers stored with it: an id outside
// one (a file edited by hand, or built with another tokenizer) is found when training starts, with
// the file, array and sequence named, not when a batch first holds it.

#include <cstdint>
#include <string>

#include "io/dataset.h"

namespace huiyan::pipeline {

// io::DataError "<path>: /<split>/src/ids: sequence <i> holds id <v>, outside the vocabulary of
// <n>" for the first such id of any split; `tgt_vocab` is for the targets (translation).
void check_token_ids(const std::string& path, const io::Dataset& dataset, int64_t src_vocab,
                     int64_t tgt_vocab = 0);

}  // namespace huiyan::pipeline
