#include "pipeline/recommend_model.h"

#include <algorithm>
#include <sstream>

#include "io/error.h"
#include "pipeline/model_file.h"

namespace huiyan::pipeline {

nlohmann::json to_json(const nn::SasRecConfig& c) {
  return {{"items", c.items},           {"dim", c.dim},
          {"blocks", c.blocks},         {"heads", c.heads},
          {"max_length", c.max_length}, {"dropout", c.dropout},
          {"features", c.features}};
}

nn::SasRecConfig sasrec_config_from(const nlohmann::json& j) {
  nn::SasRecConfig c;
  c.items = j.at("items").get<int64_t>();
  c.dim = j.at("dim").get<int64_t>();
  c.blocks = j.at("blocks").get<int64_t>();
  c.heads = j.at("heads").get<int64_t>();
  c.max_length = j.at("max_length").get<int64_t>();
  c.dropout = j.at("dropout").get<float>();
  c.features = j.value("features", int64_t{0});
  return c;
}

nlohmann::json to_json(const nn::AcfConfig& c) {
  return {{"users", c.users},
          {"items", c.items},
          {"dim", c.dim},
          {"attention_dim", c.attention_dim},
          {"max_length", c.max_length}};
}

nn::AcfConfig acf_config_from(const nlohmann::json& j) {
  nn::AcfConfig c;
  c.users = j.at("users").get<int64_t>();
  c.items = j.at("items").get<int64_t>();
  c.dim = j.at("dim").get<int64_t>();
  c.attention_dim = j.at("attention_dim").get<int64_t>();
  c.max_length = j.at("max_length").get<int64_t>();
  return c;
}

std::unique_ptr<nn::Recommender> make_recommender(
    const nlohmann::json& file_config, uint64_t seed,
    const std::vector<std::vector<int32_t>>& item_features) {
  const std::string arch = file_config.at("arch").get<std::string>();
  if (arch == "sasrec") {
    return std::make_unique<nn::SasRec>(sasrec_config_from(file_config.at("model")), seed,
                                        item_features);
  }
  if (arch == "acf") {
    return std::make_unique<nn::Acf>(acf_config_from(file_config.at("model")), seed);
  }
  throw std::invalid_argument("unknown recommendation architecture '" + arch + "'");
}

std::vector<std::string> feature_strings(const std::vector<std::vector<int32_t>>& item_features) {
  std::vector<std::string> strings;
  for (const auto& features : item_features) {
    std::string text;
    for (const int32_t f : features) {
      if (!text.empty()) text += ' ';
      text += std::to_string(f);
    }
    strings.push_back(std::move(text));
  }
  return strings;
}

std::vector<std::vector<int32_t>> features_from_strings(const std::vector<std::string>& strings) {
  std::vector<std::vector<int32_t>> features(strings.size());
  for (size_t i = 0; i < strings.size(); ++i) {
    std::istringstream in(strings[i]);
    for (int32_t f; in >> f;) features[i].push_back(f);
  }
  return features;
}

RecommenderFile load_recommender(const std::string& path) {
  const ModelHeader header = read_model_header(path);
  RecommenderFile file;
  const auto table = [&](const std::string& name) {
    const auto it = header.tables.find(name);
    return it == header.tables.end() ? std::vector<std::string>{} : it->second;
  };
  try {
    file.config = nlohmann::json::parse(header.config_json);
    if (file.config.value("task", "") != "recommend") {
      throw io::DataError(path + ": a '" + file.config.value("task", "?") +
                          "' model, not a recommendation model");
    }
    file.model = make_recommender(file.config, 1, features_from_strings(table("item_features")));
  } catch (const nlohmann::json::exception& e) {
    throw io::DataError(path + ": bad config: " + e.what());
  } catch (const std::invalid_argument& e) {
    throw io::DataError(path + ": " + e.what());
  }
  auto params = file.model->parameters();
  load_tensors(path, params);
  file.item_names = table("item_names");
  file.item_titles = table("item_titles");
  file.user_names = table("user_names");
  if (static_cast<int64_t>(file.item_names.size()) != file.model->items()) {
    throw io::DataError(path + ": /tables/item_names: " + std::to_string(file.item_names.size()) +
                        " items for a model of " + std::to_string(file.model->items()));
  }
  file.model->train(false);
  return file;
}

nn::IntTensor left_padded(nn::Graph& graph, const std::vector<std::span<const int32_t>>& histories,
                          int64_t max_length) {
  size_t len = 1;
  for (const auto& h : histories) {
    len = std::max(len, std::min(h.size(), static_cast<size_t>(max_length)));
  }
  std::vector<int32_t> ids(histories.size() * len, 0);
  for (size_t b = 0; b < histories.size(); ++b) {
    const auto& h = histories[b];
    const size_t n = std::min(h.size(), len);
    std::copy(h.end() - static_cast<std::ptrdiff_t>(n), h.end(),
              ids.begin() + static_cast<std::ptrdiff_t>(b * len + len - n));
  }
  return graph.ids({static_cast<int64_t>(histories.size()), static_cast<int64_t>(len)}, ids);
}

}  // namespace huiyan::pipeline
