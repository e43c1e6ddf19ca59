#include "pipeline/recommend_model.h"

#include <algorithm>

#include "io/error.h"
#include "pipeline/model_file.h"

namespace huiyan::pipeline {

nlohmann::json to_json(const nn::SasRecConfig& c) {
  return {{"items", c.items},           {"dim", c.dim},
          {"blocks", c.blocks},         {"heads", c.heads},
          {"max_length", c.max_length}, {"dropout", c.dropout}};
}

nn::SasRecConfig sasrec_config_from(const nlohmann::json& j) {
  nn::SasRecConfig c;
  c.items = j.at("items").get<int64_t>();
  c.dim = j.at("dim").get<int64_t>();
  c.blocks = j.at("blocks").get<int64_t>();
  c.heads = j.at("heads").get<int64_t>();
  c.max_length = j.at("max_length").get<int64_t>();
  c.dropout = j.at("dropout").get<float>();
  return c;
}

std::unique_ptr<nn::Recommender> make_recommender(const nlohmann::json& file_config,
                                                  uint64_t seed) {
  const std::string arch = file_config.at("arch").get<std::string>();
  if (arch == "sasrec") {
    return std::make_unique<nn::SasRec>(sasrec_config_from(file_config.at("model")), seed);
  }
  throw std::invalid_argument("unknown recommendation architecture '" + arch + "'");
}

RecommenderFile load_recommender(const std::string& path) {
  const ModelHeader header = read_model_header(path);
  RecommenderFile file;
  try {
    file.config = nlohmann::json::parse(header.config_json);
    if (file.config.value("task", "") != "recommend") {
      throw io::DataError(path + ": a '" + file.config.value("task", "?") +
                          "' model, not a recommendation model");
    }
    file.model = make_recommender(file.config, 1);
  } catch (const nlohmann::json::exception& e) {
    throw io::DataError(path + ": bad config: " + e.what());
  } catch (const std::invalid_argument& e) {
    throw io::DataError(path + ": " + e.what());
  }
  auto params = file.model->parameters();
  load_tensors(path, params);
  const auto table = [&](const std::string& name) {
    const auto it = header.tables.find(name);
    return it == header.tables.end() ? std::vector<std::string>{} : it->second;
  };
  file.item_names = table("item_names");
  file.item_titles = table("item_titles");
  file.user_names = table("user_names");
  if (static_cast<int64_t>(file.item_names.size()) + 1 != file.model->item_table().shape()[0]) {
    throw io::DataError(path + ": /tables/item_names: " + std::to_string(file.item_names.size()) +
                        " items for a model of " +
                        std::to_string(file.model->item_table().shape()[0] - 1));
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
