#include "pipeline/recommend.h"

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>
#include <numeric>
#include <sstream>
#include <unordered_map>

#include "io/error.h"
#include "io/utf8.h"
#include "nn/graph.h"
#include "pipeline/line_stream.h"

namespace huiyan::pipeline {

std::vector<Recommendation> recommend_ids(nn::Recommender& model,
                                          const std::vector<std::vector<int32_t>>& histories, int k,
                                          bool exclude_seen, nn::Graph* scratch) {
  std::vector<Recommendation> out(histories.size());
  if (histories.empty()) return out;
  model.train(false);
  nn::Graph own;
  nn::Graph& graph = scratch != nullptr ? *scratch : own;
  graph.reset();
  nn::NoGrad no_grad(graph);
  // Histories of similar length run together (groups of 64, in length order) so little of the
  // work is padding; the user vectors go back to input order before scoring.
  std::vector<size_t> order(histories.size());
  std::iota(order.begin(), order.end(), 0);
  const auto length = [&](size_t i) {
    return std::min<size_t>(histories[i].size(), static_cast<size_t>(model.max_length()));
  };
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return length(a) < length(b); });
  constexpr size_t kGroup = 64;
  std::vector<nn::Tensor> groups;
  std::vector<int32_t> position(histories.size());
  for (size_t begin = 0; begin < order.size(); begin += kGroup) {
    const size_t end = std::min(order.size(), begin + kGroup);
    std::vector<std::span<const int32_t>> spans;
    for (size_t i = begin; i < end; ++i) {
      spans.emplace_back(histories[order[i]]);
      position[order[i]] = static_cast<int32_t>(i);
    }
    const nn::IntTensor ids = left_padded(graph, spans, model.max_length());
    groups.push_back(model.user_vectors(ids, std::vector<int32_t>(spans.size(), -1)));
  }
  const nn::Tensor users = nn::take_rows(nn::concat(groups, 0), position);
  const nn::Tensor scores = nn::matmul(users, model.item_table(graph), false, true);
  const int64_t columns = scores.shape()[1];
  float* s = scores.data();
  constexpr float kNever = -std::numeric_limits<float>::infinity();
  for (size_t b = 0; b < histories.size(); ++b) {
    float* row = s + static_cast<int64_t>(b) * columns;
    row[0] = kNever;
    if (exclude_seen) {
      for (const int32_t i : histories[b]) row[i] = kNever;
    }
  }
  const int64_t top = std::min<int64_t>(k, columns - 1);
  const auto [values, indices] = nn::top_k(scores, top);
  for (size_t b = 0; b < histories.size(); ++b) {
    for (int64_t j = 0; j < top; ++j) {
      const size_t at = b * static_cast<size_t>(top) + static_cast<size_t>(j);
      if (values[at] == kNever) break;  // fewer unseen items than k
      out[b].items.push_back(indices[at]);
      out[b].scores.push_back(values[at]);
    }
  }
  return out;
}

namespace {

std::vector<std::string> split_history(const std::string& line, bool by_title) {
  std::vector<std::string> parts;
  std::string part;
  for (const char c : line + (by_title ? '\t' : ' ')) {
    const bool separator = by_title ? c == '\t' : (c == ' ' || c == '\t' || c == ',');
    if (!separator) {
      part += c;
    } else if (!part.empty()) {
      parts.push_back(std::move(part));
      part.clear();
    }
  }
  return parts;
}

std::string format_score(float score) {
  std::ostringstream out;
  out.setf(std::ios::fixed);
  out.precision(4);
  out << score;
  return out.str();
}

}  // namespace

size_t recommend_stream(RecommenderFile& model, io::LineReader& in, std::ostream& out,
                        const RecommendOptions& o) {
  if (o.k <= 0) throw std::invalid_argument("-k must be > 0");
  if (o.by_title && model.item_titles.empty()) {
    throw std::invalid_argument("--by-title: the model's data had no item titles");
  }
  const std::vector<std::string>& names = o.by_title ? model.item_titles : model.item_names;
  std::unordered_map<std::string, int32_t> lookup;
  for (size_t i = 0; i < names.size(); ++i) lookup.emplace(names[i], static_cast<int32_t>(i + 1));
  nn::Graph graph;
  const auto convert = [&](const std::vector<std::string>& lines, size_t first_line) {
    std::vector<std::vector<int32_t>> histories(lines.size());
    std::vector<bool> empty(lines.size(), false);
    for (size_t i = 0; i < lines.size(); ++i) {
      const std::string where = in.name() + ": line " + std::to_string(first_line + i);
      if (!io::is_valid_utf8(lines[i])) {
        if (o.warn) o.warn(where + ": invalid UTF-8; no recommendation");
        empty[i] = true;
        continue;
      }
      const auto parts = split_history(lines[i], o.by_title);
      for (const auto& name : parts) {
        const auto it = lookup.find(name);
        if (it != lookup.end()) {
          histories[i].push_back(it->second);
        } else if (o.warn) {
          o.warn(where + ": unknown item " + io::quoted(name, 80) + " (skipped)");
        }
      }
      empty[i] = histories[i].empty();
    }
    const auto ranked = recommend_ids(*model.model, histories, o.k, o.exclude_seen, &graph);
    std::vector<std::string> outputs(lines.size());
    for (size_t i = 0; i < lines.size(); ++i) {
      if (empty[i]) continue;  // nothing known to go on: an empty line, like the input's
      const Recommendation& r = ranked[i];
      if (o.json) {
        nlohmann::json items = nlohmann::json::array();
        for (size_t j = 0; j < r.items.size(); ++j) {
          const auto index = static_cast<size_t>(r.items[j] - 1);
          nlohmann::json item = {{"item", model.item_names[index]}, {"score", r.scores[j]}};
          if (!model.item_titles.empty()) item["title"] = model.item_titles[index];
          items.push_back(std::move(item));
        }
        outputs[i] = nlohmann::json{{"items", items}}.dump(
            -1, ' ', false, nlohmann::json::error_handler_t::replace);
        continue;
      }
      std::string text;
      for (size_t j = 0; j < r.items.size(); ++j) {
        if (j) text += '\t';
        text += names[static_cast<size_t>(r.items[j] - 1)] + " " + format_score(r.scores[j]);
      }
      outputs[i] = std::move(text);
    }
    return outputs;
  };
  return transform_line_batches(in, out, o.batch, convert);
}

}  // namespace huiyan::pipeline
