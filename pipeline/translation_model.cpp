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

nlohmann::json to_json(const nn::RnnSeq2SeqConfig& c) {
  return {{"src_vocab", c.src_vocab},
          {"tgt_vocab", c.tgt_vocab},
          {"cell", c.cell == nn::kernels::Cell::lstm ? "lstm" : "gru"},
          {"embed_dim", c.embed_dim},
          {"hidden", c.hidden},
          {"encoder_layers", c.encoder_layers},
          {"decoder_layers", c.decoder_layers},
          {"attention", nn::to_string(c.attention)},
          {"attention_scope", c.local ? "local" : "global"},
          {"window", c.window},
          {"input_feeding", c.input_feeding},
          {"hard_attention", c.hard_attention},
          {"dropout", c.dropout},
          {"share_embeddings", c.share_embeddings},
          {"tie_output", c.tie_output},
          {"max_length", c.max_length},
          {"pad_id", c.pad_id}};
}

nn::RnnSeq2SeqConfig rnn_config_from(const nlohmann::json& j) {
  nn::RnnSeq2SeqConfig c;
  c.src_vocab = j.at("src_vocab");
  c.tgt_vocab = j.at("tgt_vocab");
  const std::string cell = j.at("cell");
  if (cell != "gru" && cell != "lstm") throw std::invalid_argument("unknown cell '" + cell + "'");
  c.cell = cell == "lstm" ? nn::kernels::Cell::lstm : nn::kernels::Cell::gru;
  c.embed_dim = j.at("embed_dim");
  c.hidden = j.at("hidden");
  c.encoder_layers = j.at("encoder_layers");
  c.decoder_layers = j.at("decoder_layers");
  c.attention = nn::rnn_attention_from(j.at("attention"));
  c.local = j.at("attention_scope") == "local";
  c.window = j.at("window");
  c.input_feeding = j.at("input_feeding");
  c.hard_attention = j.at("hard_attention");
  c.dropout = j.at("dropout");
  c.share_embeddings = j.at("share_embeddings");
  c.tie_output = j.at("tie_output");
  c.max_length = j.at("max_length");
  c.pad_id = j.at("pad_id");
  return c;
}

std::unique_ptr<nn::Seq2Seq> make_translation_model(const nlohmann::json& file_config,
                                                    nn::Random rng) {
  const std::string arch = file_config.value("arch", "");
  if (arch == "transformer") {
    return std::make_unique<nn::Transformer>(transformer_config_from(file_config.at("model")), rng);
  }
  if (arch == "rnn") {
    return std::make_unique<nn::RnnSeq2Seq>(rnn_config_from(file_config.at("model")), rng);
  }
  throw std::invalid_argument("unknown translation architecture '" + arch + "' (transformer, rnn)");
}

Translator load_translator(const std::string& path) {
  const ModelHeader header = read_model_header(path);
  Translator t;
  try {
    t.config = nlohmann::json::parse(header.config_json);
    if (t.config.value("task", "") != "translate") {
      throw io::DataError(path + ": not a translation model (config task '" +
                          t.config.value("task", "") + "')");
    }
    t.model = make_translation_model(t.config, nn::Random::for_loading(0));
  } catch (const nlohmann::json::exception& e) {
    throw io::DataError(path + ": unreadable model config: " + e.what());
  } catch (const std::invalid_argument& e) {
    throw io::DataError(path + ": unusable model config: " + e.what());
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
