#pragma once
// A recommendation model as a file: its configuration, the item catalogue (ids and titles, so the
// model alone serves `huiyan recommend`), the user ids, its parameters and the training state
// (pipeline/model_file.h has the layout; the catalogue is in /tables).

#include <memory>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "nn/acf.h"
#include "nn/recommender.h"
#include "nn/sasrec.h"

namespace huiyan::pipeline {

nlohmann::json to_json(const nn::SasRecConfig& config);
nn::SasRecConfig sasrec_config_from(const nlohmann::json& json);
nlohmann::json to_json(const nn::AcfConfig& config);
nn::AcfConfig acf_config_from(const nlohmann::json& json);

// The model a file's config describes ({"task": "recommend", "arch": "sasrec" | "acf",
// "model": {...}}),
// freshly initialised from `seed`; std::invalid_argument for an unknown architecture.
// item_features: each item's side-information feature ids, for a model with side information.
std::unique_ptr<nn::Recommender> make_recommender(
    const nlohmann::json& file_config, uint64_t seed,
    const std::vector<std::vector<int32_t>>& item_features = {});

// Item features as a model file keeps them (/tables/item_features: "3 17 42" per item).
std::vector<std::string> feature_strings(const std::vector<std::vector<int32_t>>& item_features);
std::vector<std::vector<int32_t>> features_from_strings(const std::vector<std::string>& strings);

struct RecommenderFile {
  nlohmann::json config;
  std::unique_ptr<nn::Recommender> model;
  std::vector<std::string> item_names;   // item k >= 1 is item_names[k - 1]
  std::vector<std::string> item_titles;  // empty when the data had none
  std::vector<std::string> user_names;
};

// io::DataError naming the file when it is not a recommendation model.
RecommenderFile load_recommender(const std::string& path);

// The histories' newest `max_length` items, left-padded with 0 to the longest of them: [B, T]
// (T >= 1; an empty history is one padding item).
nn::IntTensor left_padded(nn::Graph& graph, const std::vector<std::span<const int32_t>>& histories,
                          int64_t max_length);

}  // namespace huiyan::pipeline
