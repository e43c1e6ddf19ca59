#pragma once
// Token-based batches for sequence-to-sequence training: examples sorted by length (ties broken
// at random by seed, so epochs differ) are packed while batch size × longest side stays within
// the token budget, and the batch order is shuffled per epoch.

#include <cstdint>
#include <functional>
#include <vector>

#include "io/ragged.h"
#include "nn/graph.h"

namespace huiyan::pipeline {

// Example indices per batch. Examples longer than max_length (source or target) are left out.
std::vector<std::vector<int64_t>> token_batches(const io::Ragged& src, const io::Ragged& tgt,
                                                int64_t batch_tokens, int64_t max_length,
                                                uint64_t seed);

// The padded extent of a row in a batch: a sequence is 1 × its length, a document of sentences
// its sentences × its longest sentence. A batch pads every row to the largest height and width.
struct BatchShape {
  int64_t height = 1;
  int64_t width = 1;
};

// One epoch's batches of rows (users, documents): the rows shuffled, sorted by height × width
// within windows of `window` rows so a batch pads little, cut into batches of at most `max_rows`
// rows whose padded size (count × largest height × largest width) stays within `budget` (a row
// over budget goes alone), and the batches shuffled again.
std::vector<std::vector<int32_t>> cost_sorted_batches(
    const std::vector<int32_t>& rows, const std::function<BatchShape(int32_t)>& shape,
    int64_t budget, int64_t max_rows, int64_t window, uint64_t seed);

struct Seq2SeqBatch {
  nn::IntTensor src;          // [B, S], pad 0
  nn::IntTensor src_lengths;  // [B]
  nn::IntTensor tgt_in;       // [B, T + 1]: bos y₁ … y_T, pad 0
  nn::IntTensor tgt_out;      // [B·(T + 1)]: y₁ … y_T eos, -1 where padded (ignored)
  int64_t batch = 0;
  int64_t target_tokens = 0;  // real target tokens incl. eos
};

Seq2SeqBatch make_batch(nn::Graph& graph, const io::Ragged& src, const io::Ragged& tgt,
                        const std::vector<int64_t>& examples, int32_t bos, int32_t eos);

}  // namespace huiyan::pipeline
