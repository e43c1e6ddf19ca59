#include "pipeline/batching.h"

#include <algorithm>
#include <numeric>
#include <stdexcept>

#include "nn/random.h"

namespace huiyan::pipeline {

std::vector<std::vector<int32_t>> cost_sorted_batches(
    const std::vector<int32_t>& rows, const std::function<BatchShape(int32_t)>& shape,
    int64_t budget, int64_t max_rows, int64_t window, uint64_t seed) {
  if (budget <= 0 || max_rows <= 0 || window <= 0)
    throw std::invalid_argument("batches: budget, rows and window must be > 0");
  nn::Random rng(seed);
  std::vector<int32_t> order = rows;
  for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng.below(i)]);
  std::vector<std::vector<int32_t>> batches;
  const auto span = static_cast<size_t>(window);
  for (size_t begin = 0; begin < order.size(); begin += span) {
    const size_t end = std::min(order.size(), begin + span);
    const auto first = order.begin() + static_cast<std::ptrdiff_t>(begin);
    const auto last = order.begin() + static_cast<std::ptrdiff_t>(end);
    const auto area = [&](int32_t r) {
      const BatchShape s = shape(r);
      return s.height * s.width;
    };
    std::stable_sort(first, last, [&](int32_t a, int32_t b) { return area(a) < area(b); });
    std::vector<int32_t> batch;
    int64_t height = 0, width = 0;
    for (auto it = first; it != last; ++it) {
      const BatchShape s = shape(*it);
      const int64_t h = std::max(height, s.height), w = std::max(width, s.width);
      const auto rows_after = static_cast<int64_t>(batch.size()) + 1;
      if (!batch.empty() &&
          (rows_after > max_rows || rows_after > budget / std::max<int64_t>(1, h * w))) {
        batches.push_back(std::move(batch));
        batch.clear();
        height = s.height;
        width = s.width;
      } else {
        height = h;
        width = w;
      }
      batch.push_back(*it);
    }
    if (!batch.empty()) batches.push_back(std::move(batch));
  }
  for (size_t i = batches.size(); i > 1; --i) std::swap(batches[i - 1], batches[rng.below(i)]);
  return batches;
}

std::vector<std::vector<int64_t>> token_batches(const io::Ragged& src, const io::Ragged& tgt,
                                                int64_t batch_tokens, int64_t max_length,
                                                uint64_t seed) {
  if (batch_tokens <= 0) throw std::invalid_argument("--batch-tokens must be positive");
  const auto n = static_cast<int64_t>(src.size());
  const auto length = [&](const io::Ragged& r, int64_t i) {
    return r.offsets[static_cast<size_t>(i + 1)] - r.offsets[static_cast<size_t>(i)];
  };
  std::vector<int64_t> order;
  for (int64_t i = 0; i < n; ++i) {
    if (length(src, i) <= max_length && length(tgt, i) <= max_length) order.push_back(i);
  }
  nn::Random rng(seed);
  for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng.below(i)]);
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
    return std::pair(length(tgt, a), length(src, a)) < std::pair(length(tgt, b), length(src, b));
  });
  std::vector<std::vector<int64_t>> batches;
  std::vector<int64_t> current;
  int64_t longest = 0;
  for (const int64_t i : order) {
    // +1: the target side carries bos (input) or eos (output).
    const int64_t size = std::max(length(src, i), length(tgt, i) + 1);
    const int64_t longest_with = std::max(longest, size);
    if (!current.empty() &&
        longest_with * static_cast<int64_t>(current.size() + 1) > batch_tokens) {
      batches.push_back(std::move(current));
      current.clear();
      longest = 0;
    }
    current.push_back(i);
    longest = std::max(longest, size);
  }
  if (!current.empty()) batches.push_back(std::move(current));
  for (size_t i = batches.size(); i > 1; --i) std::swap(batches[i - 1], batches[rng.below(i)]);
  return batches;
}

Seq2SeqBatch make_batch(nn::Graph& graph, const io::Ragged& src, const io::Ragged& tgt,
                        const std::vector<int64_t>& examples, int32_t bos, int32_t eos) {
  Seq2SeqBatch batch;
  batch.batch = static_cast<int64_t>(examples.size());
  int64_t src_len = 1;
  int64_t tgt_len = 0;
  for (const int64_t i : examples) {
    src_len = std::max<int64_t>(src_len, static_cast<int64_t>(src[static_cast<size_t>(i)].size()));
    tgt_len = std::max<int64_t>(tgt_len, static_cast<int64_t>(tgt[static_cast<size_t>(i)].size()));
  }
  const int64_t b_count = batch.batch;
  std::vector<int32_t> s(static_cast<size_t>(b_count * src_len), 0);
  std::vector<int32_t> lengths(static_cast<size_t>(b_count));
  std::vector<int32_t> in(static_cast<size_t>(b_count * (tgt_len + 1)), 0);
  std::vector<int32_t> out(static_cast<size_t>(b_count * (tgt_len + 1)), -1);
  for (int64_t b = 0; b < b_count; ++b) {
    const auto source = src[static_cast<size_t>(examples[static_cast<size_t>(b)])];
    const auto target = tgt[static_cast<size_t>(examples[static_cast<size_t>(b)])];
    std::copy(source.begin(), source.end(), s.begin() + b * src_len);
    // An empty source keeps length 0: its attention weights are all zero, not NaN.
    lengths[static_cast<size_t>(b)] = static_cast<int32_t>(source.size());
    int32_t* row_in = in.data() + b * (tgt_len + 1);
    int32_t* row_out = out.data() + b * (tgt_len + 1);
    row_in[0] = bos;
    for (size_t t = 0; t < target.size(); ++t) {
      row_in[t + 1] = target[t];
      row_out[t] = target[t];
    }
    row_out[target.size()] = eos;
    batch.target_tokens += static_cast<int64_t>(target.size()) + 1;
  }
  batch.src = graph.ids({b_count, src_len}, s);
  batch.src_lengths = graph.ids({b_count}, lengths);
  batch.tgt_in = graph.ids({b_count, tgt_len + 1}, in);
  batch.tgt_out = graph.ids({b_count * (tgt_len + 1)}, out);
  return batch;
}

}  // namespace huiyan::pipeline
