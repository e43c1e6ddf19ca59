#pragma once
// The model file: everything needed to run a model, and to resume its training exactly, in one
// HDF5 file, written to a temporary file and renamed so a crash never leaves half of one.
//
//   /                       attrs format = "huiyan-model", format_version = 1, config (JSON)
//   /tokenizer/<side>       SentencePiece model bytes (uint8), e.g. src, tgt
//   /tables/<name>          UTF-8 strings, e.g. a recommender's item ids and titles
//   /params/<dotted.name>   float32, the parameter's shape
//   /train_state/<name>     float32 optimizer state (e.g. adam.m.<param>), when saved
//   /train_state            int64 attrs: step, RNG states, data cursor, ...

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "nn/module.h"

namespace huiyan::pipeline {

struct ModelFile {
  std::string config_json;
  std::map<std::string, std::string> tokenizers;  // side -> serialized SentencePiece model
  std::map<std::string, std::vector<std::string>> tables;
  std::vector<nn::NamedTensor> params;
  bool has_train_state = false;
  std::vector<nn::NamedTensor> train_state;
  std::map<std::string, int64_t> counters;  // stored with the train state
};

void save_model(const std::string& path, const ModelFile& model);

// What a model file holds besides its tensors: read first, to build the model.
struct ModelHeader {
  std::string config_json;
  std::map<std::string, std::string> tokenizers;
  std::map<std::string, std::vector<std::string>> tables;
  bool has_train_state = false;
  std::map<std::string, int64_t> counters;
};
ModelHeader read_model_header(const std::string& path);

// Copies the stored values into `tensors` (already shaped) by name from /params, or from
// /train_state when `train_state` is set. A missing name or a different shape is an
// io::DataError naming the file and the HDF5 path.
void load_tensors(const std::string& path, std::vector<nn::NamedTensor>& tensors,
                  bool train_state = false);

// Where two model configs (as written to model files) make different models: "task", "arch" and
// every "model" entry but the training-only ones (dropouts, the self-attention penalty). Entries
// `first` lacks (files written before the setting existed) are not compared: loading the weights
// catches a real difference. Resuming and averaging both ask this.
struct ConfigDifference {
  std::string key;
  nlohmann::json first, second;

  // Whether the dataset, not a training option, decides the setting (vocabulary sizes, labels,
  // items, users).
  bool from_data() const;
  // The setting at `value` as a user knows it: the option that gives it ("--heads 4",
  // "--pre-norm", "no --untied-output") or what the data made it ("a target vocabulary of 8000").
  std::string setting(const nlohmann::json& value) const;
};
std::optional<ConfigDifference> model_config_difference(const nlohmann::json& first,
                                                        const nlohmann::json& second);

// Every tensor under /params, by name, in the stored shapes (for tools that need no model, such
// as checkpoint averaging).
std::vector<nn::NamedTensor> read_params(const std::string& path);

}  // namespace huiyan::pipeline
