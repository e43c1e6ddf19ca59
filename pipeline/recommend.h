#pragma once
// `huiyan recommend`: each input line is a history (item ids, oldest first, separated by spaces
// or commas; with by_title, item titles separated by tabs), each output line the top k items
// with their scores, in input order, batched through the model.

#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "io/line_reader.h"
#include "pipeline/recommend_model.h"

namespace huiyan::pipeline {

struct RecommendOptions {
  int k = 10;
  bool exclude_seen = false;  // never recommend an item of the history
  bool by_title = false;      // input and output use titles instead of item ids
  bool json = false;          // one JSON object per line: {"items": [{"item", "title", "score"}]}
  size_t batch = 1024;
  std::function<void(const std::string&)> warn;  // unknown items (skipped)
};

struct Recommendation {
  std::vector<int32_t> items;  // best first
  std::vector<float> scores;
};

// Top k of each history by the model's score; items 0 (padding) is never returned. `scratch`: a
// graph to work in and reset (a stream's batches reuse one, and with it its memory).
std::vector<Recommendation> recommend_ids(nn::Recommender& model,
                                          const std::vector<std::vector<int32_t>>& histories, int k,
                                          bool exclude_seen, nn::Graph* scratch = nullptr);

// Streams `in` to `out`; returns the number of lines.
size_t recommend_stream(RecommenderFile& model, io::LineReader& in, std::ostream& out,
                        const RecommendOptions& options);

}  // namespace huiyan::pipeline
