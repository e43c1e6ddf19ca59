#include "pipeline/model_average.h"

#include <filesystem>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "io/atomic_file.h"
#include "io/error.h"
#include "pipeline/model_file.h"

namespace huiyan::pipeline {

namespace {

nlohmann::json parsed_config(const std::string& path, const std::string& config_json) {
  try {
    return nlohmann::json::parse(config_json);
  } catch (const nlohmann::json::exception& e) {
    throw io::DataError(path + ": unreadable model config: " + e.what());
  }
}

}  // namespace

void average_models(const std::vector<std::string>& inputs, const std::string& output) {
  if (inputs.empty()) throw std::invalid_argument("no model files to average");
  io::check_output_is_not_an_input(output, inputs);
  for (size_t i = 0; i < inputs.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      std::error_code error;
      if (inputs[i] == inputs[j] || std::filesystem::equivalent(inputs[i], inputs[j], error)) {
        throw std::invalid_argument(inputs[i] + " is given twice; each checkpoint counts once");
      }
    }
  }
  // A run's NAME.last.h5 is what --resume goes on from: an average would replace it with a model
  // that has no state.
  if (std::filesystem::is_regular_file(output)) {
    bool has_state = false;
    try {
      has_state = read_model_header(output).has_train_state;
    } catch (const std::exception&) {
    }
    if (has_state) {
      throw std::invalid_argument("-o " + output +
                                  " holds a training state (for --resume); give the average a "
                                  "name of its own");
    }
  }
  const ModelHeader first = read_model_header(inputs[0]);
  const nlohmann::json config = parsed_config(inputs[0], first.config_json);
  std::vector<nn::NamedTensor> mean = read_params(inputs[0]);
  // Sums in double: with many checkpoints, float sums would lose the small differences that
  // averaging is about.
  std::vector<std::vector<double>> sums;
  for (const auto& [name, tensor] : mean) {
    const float* values = tensor.data();
    sums.emplace_back(values, values + tensor.numel());
  }
  for (size_t i = 1; i < inputs.size(); ++i) {
    const ModelHeader header = read_model_header(inputs[i]);
    if (const auto difference =
            model_config_difference(config, parsed_config(inputs[i], header.config_json))) {
      throw io::DataError(inputs[i] + ": another model than " + inputs[0] + " (" +
                          difference->setting(difference->second) + ", not " +
                          difference->setting(difference->first) +
                          "); only checkpoints of one model can be averaged");
    }
    // Independently trained weights do not average into a model (files from before run ids are
    // not compared).
    const nlohmann::json other = parsed_config(inputs[i], header.config_json);
    if (config.contains("run") && other.contains("run") && config["run"] != other["run"]) {
      throw io::DataError(inputs[i] + ": a checkpoint of another training run than " + inputs[0] +
                          "; only checkpoints of one run can be averaged");
    }
    if (header.tables != first.tables) {
      throw io::DataError(inputs[i] + ": other labels or items than " + inputs[0] +
                          "; only checkpoints of one model can be averaged");
    }
    if (header.tokenizers != first.tokenizers) {
      throw io::DataError(inputs[i] + ": other tokenizers than " + inputs[0] +
                          "; only checkpoints of one model can be averaged");
    }
    const std::vector<nn::NamedTensor> params = read_params(inputs[i]);
    if (params.size() != mean.size()) {
      throw io::DataError(inputs[i] + ": " + std::to_string(params.size()) +
                          " parameters under /params, " + inputs[0] + " has " +
                          std::to_string(mean.size()));
    }
    for (size_t p = 0; p < params.size(); ++p) {
      // Both lists come sorted by name.
      if (params[p].name != mean[p].name || !(params[p].tensor.shape() == mean[p].tensor.shape())) {
        throw io::DataError(inputs[i] + ": /params/" + params[p].name + " " +
                            params[p].tensor.shape().str() + " does not match " + inputs[0] +
                            "'s /params/" + mean[p].name + " " + mean[p].tensor.shape().str());
      }
      const float* values = params[p].tensor.data();
      for (size_t k = 0; k < sums[p].size(); ++k) sums[p][k] += values[k];
    }
  }
  const double count = static_cast<double>(inputs.size());
  for (size_t p = 0; p < mean.size(); ++p) {
    float* values = mean[p].tensor.data();
    for (size_t k = 0; k < sums[p].size(); ++k) values[k] = static_cast<float>(sums[p][k] / count);
  }
  ModelFile file;
  file.config_json = first.config_json;
  file.tokenizers = first.tokenizers;
  file.tables = first.tables;  // a classifier's labels, a recommender's items
  file.params = std::move(mean);
  save_model(output, file);
}

}  // namespace huiyan::pipeline
