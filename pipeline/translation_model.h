#pragma once
// A translation model as a file: its configuration (JSON), its tokenizers and its parameters,
// plus the training state for exact resume (pipeline/model_file.h has the layout).

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "nn/rnn_seq2seq.h"
#include "nn/transformer.h"
#include "pipeline/subword_model.h"

namespace huiyan::pipeline {

nlohmann::json to_json(const nn::TransformerConfig& config);
nn::TransformerConfig transformer_config_from(const nlohmann::json& json);
nlohmann::json to_json(const nn::RnnSeq2SeqConfig& config);
nn::RnnSeq2SeqConfig rnn_config_from(const nlohmann::json& json);

// The model a file's config describes ({"arch": "transformer" | "rnn", "model": {...}}),
// initialised from `rng` (nn::Random::for_loading when its weights are loaded next);
// std::invalid_argument for an unknown architecture.
std::unique_ptr<nn::Seq2Seq> make_translation_model(const nlohmann::json& file_config,
                                                    nn::Random rng);

struct Translator {
  nlohmann::json config;  // {"task": "translate", "arch": "transformer", "model": {...}, ...}
  std::unique_ptr<nn::Seq2Seq> model;
  std::unique_ptr<SubwordModel> src_tokenizer;
  std::unique_ptr<SubwordModel> tgt_tokenizer;
};

// Builds the model the file describes and loads its parameters; io::DataError naming the file if
// it is not a translation model.
Translator load_translator(const std::string& path);

}  // namespace huiyan::pipeline
