#include "pipeline/translation_model.h"

#include "io/error.h"
#include "pipeline/model_file.h"

namespace huiyan::pipeline {

nlohmann::json to_json(const nn::TransformerConfig& c) {
  return {{"src_vocab", c.src_vocab},
          {"tgt_vocab", c.tgt_vocab},
          {"dim", c.dim},
          {"heads", c.heads},
          {"encoder_layers", c.encoder_layers},
          {"decoder_layers", c.decoder_layers},
          {"ff_dim", c.ff_dim},
          {"dropout", c.dropout},
          {"attention_dropout", c.attention_dropout},
          {"pre_norm", c.pre_norm},
          {"learned_positions", c.learned_positions},
          {"max_positions", c.max_positions},
          {"share_embeddings", c.share_embeddings},
          {"tie_output", c.tie_output},
          {"pad_id", c.pad_id}};
}

nn::TransformerConfig transformer_config_from(const nlohmann::json& j) {
  nn::TransformerConfig c;
  c.src_vocab = j.at("src_vocab");
  c.tgt_vocab = j.at("tgt_vocab");
  c.dim = j.at("dim");
  c.heads = j.at("heads");
  c.encoder_layers = j.at("encoder_layers");
  c.decoder_layers = j.at("decoder_layers");
  c.ff_dim = j.at("ff_dim");
  c.dropout = j.at("dropout");
  c.attention_dropout = j.at("attention_dropout");
  c.pre_norm = j.at("pre_norm");
  c.learned_positions = j.at("learned_positions");
  c.max_positions = j.at("max_positions");
  c.share_embeddings = j.at("share_embeddings");
  c.tie_output = j.at("tie_output");
  c.pad_id = j.at("pad_id");
  return c;
}

Translator load_translator(const std::string& path) {
  const ModelHeader header = read_model_header(path);
  Translator t;
  try {
    t.config = nlohmann::json::parse(header.config_json);
    if (t.config.value("task", "") != "translate" || t.config.value("arch", "") != "transformer") {
      throw io::DataError(path + ": not a Transformer translation model (config task '" +
                          t.config.value("task", "") + "', arch '" + t.config.value("arch", "") +
                          "')");
    }
    t.model = std::make_unique<nn::Transformer>(transformer_config_from(t.config.at("model")), 0);
  } catch (const nlohmann::json::exception& e) {
    throw io::DataError(path + ": unreadable model config: " + e.what());
  }
  t.model->train(false);
  auto params = t.model->parameters();
  load_tensors(path, params);
  for (const char* side : {"src", "tgt"}) {
    const auto found = header.tokenizers.find(side);
    if (found == header.tokenizers.end())
      throw io::DataError(path + ": /tokenizer/" + side + ": not found");
    auto model = std::make_unique<SubwordModel>(
        SubwordModel::from_bytes(found->second, path + ": /tokenizer/" + side));
    (side[0] == 's' ? t.src_tokenizer : t.tgt_tokenizer) = std::move(model);
  }
  return t;
}

}  // namespace huiyan::pipeline
