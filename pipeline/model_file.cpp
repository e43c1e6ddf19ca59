#include "pipeline/model_file.h"

#include <algorithm>
#include <map>

#include "io/atomic_file.h"
#include "io/error.h"
#include "io/hdf5_file.h"

namespace huiyan::pipeline {

namespace {

constexpr const char* kFormat = "huiyan-model";
constexpr int64_t kFormatVersion = 1;

// Weights barely compress and are read often: stored contiguous and uncompressed.
const io::h5::ArrayOptions kPlain{0, 0};

std::vector<uint64_t> dims_of(const nn::Shape& shape) {
  std::vector<uint64_t> dims;
  for (int i = 0; i < shape.rank; ++i) dims.push_back(static_cast<uint64_t>(shape[i]));
  return dims;
}

void write_tensors(io::h5::Group& group, const std::vector<nn::NamedTensor>& tensors) {
  for (const auto& [name, tensor] : tensors) {
    const std::vector<uint64_t> dims = dims_of(tensor.shape());
    group.write_matrix<float>(name, std::span<const float>(tensor.data(), tensor.numel()), dims,
                              kPlain);
  }
}

}  // namespace

void save_model(const std::string& path, const ModelFile& model) {
  io::AtomicFile file(path);
  {
    io::h5::File h5 = io::h5::File::create(file.seekable_temp_path(), file.destination());
    {
      io::h5::Group root = h5.root();
      root.set_attr("format", kFormat);
      root.set_attr("format_version", kFormatVersion);
      root.set_attr("config", model.config_json);
      if (!model.tokenizers.empty()) {
        io::h5::Group tokenizers = root.create_group("tokenizer");
        for (const auto& [side, bytes] : model.tokenizers) {
          tokenizers.write_array<uint8_t>(
              side, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()),
                                             bytes.size()));
        }
      }
      if (!model.tables.empty()) {
        io::h5::Group tables = root.create_group("tables");
        for (const auto& [name, strings] : model.tables) tables.write_strings(name, strings);
      }
      io::h5::Group params = root.create_group("params");
      write_tensors(params, model.params);
      if (model.has_train_state) {
        io::h5::Group state = root.create_group("train_state");
        write_tensors(state, model.train_state);
        for (const auto& [name, value] : model.counters) state.set_attr(name, value);
      }
    }
    h5.close();
  }
  file.commit();
}

ModelHeader read_model_header(const std::string& path) {
  const io::h5::File h5 = io::h5::File::open_read(path);
  const io::h5::Group root = h5.root();
  if (!root.has_attr("format") || root.attr_string("format") != kFormat) {
    throw io::DataError(path + ": not a huiyan model file (no format = \"huiyan-model\")");
  }
  if (root.attr_int("format_version") > kFormatVersion) {
    throw io::DataError(
        path + ": model format version " + std::to_string(root.attr_int("format_version")) +
        " is newer than this huiyan reads (" + std::to_string(kFormatVersion) + ")");
  }
  ModelHeader header;
  header.config_json = root.attr_string("config");
  if (root.has("tokenizer")) {
    const io::h5::Group tokenizers = root.open_group("tokenizer");
    for (const auto& side : tokenizers.children()) {
      const std::vector<uint8_t> bytes = tokenizers.read_array<uint8_t>(side);
      header.tokenizers[side] = std::string(bytes.begin(), bytes.end());
    }
  }
  if (root.has("tables")) {
    const io::h5::Group tables = root.open_group("tables");
    for (const auto& name : tables.children()) header.tables[name] = tables.read_strings(name);
  }
  header.has_train_state = root.has("train_state");
  if (header.has_train_state) {
    const io::h5::Group state = root.open_group("train_state");
    for (const auto& name : state.attr_names()) header.counters[name] = state.attr_int(name);
  }
  return header;
}

void load_tensors(const std::string& path, std::vector<nn::NamedTensor>& tensors,
                  bool train_state) {
  const io::h5::File h5 = io::h5::File::open_read(path);
  const char* group_name = train_state ? "train_state" : "params";
  const io::h5::Group root = h5.root();
  if (!root.has(group_name)) {
    throw io::DataError(path + ": /" + group_name + ": not found");
  }
  const io::h5::Group group = root.open_group(group_name);
  for (auto& [name, tensor] : tensors) {
    const std::string where = path + ": /" + group_name + "/" + name;
    if (!group.has(name)) throw io::DataError(where + ": not found");
    const io::h5::Matrix<float> stored = group.read_matrix<float>(name);
    if (stored.shape != dims_of(tensor.shape())) {
      std::string shape = "[";
      for (size_t i = 0; i < stored.shape.size(); ++i) {
        shape += (i ? ", " : "") + std::to_string(stored.shape[i]);
      }
      throw io::DataError(where + ": stored shape " + shape + "] but the model has " +
                          tensor.shape().str());
    }
    std::copy(stored.values.begin(), stored.values.end(), tensor.data());
  }
}

std::vector<nn::NamedTensor> read_params(const std::string& path) {
  const io::h5::File h5 = io::h5::File::open_read(path);
  const io::h5::Group root = h5.root();
  if (!root.has("params")) throw io::DataError(path + ": /params: not found");
  const io::h5::Group group = root.open_group("params");
  std::vector<nn::NamedTensor> tensors;
  for (const auto& name : group.children()) {
    const io::h5::Matrix<float> stored = group.read_matrix<float>(name);
    if (stored.shape.empty() || stored.shape.size() > 4) {
      throw io::DataError(path + ": /params/" + name + ": rank " +
                          std::to_string(stored.shape.size()) + ", expected 1 to 4");
    }
    std::vector<int64_t> dims(stored.shape.begin(), stored.shape.end());
    nn::Tensor tensor = nn::Tensor::persistent(nn::Shape::of(dims), false);
    std::copy(stored.values.begin(), stored.values.end(), tensor.data());
    tensors.push_back({name, std::move(tensor)});
  }
  return tensors;
}

namespace {

// A config entry as users meet it: a value around which `before` and `after` go ("--heads 4",
// "2 labels"), or a yes/no whose text is `before` when true and `after` when false.
struct SettingName {
  bool from_data;  // the dataset decides it, not an option
  bool yes_no;
  const char* before;
  const char* after;
};

const std::map<std::string, SettingName>& setting_names() {
  const auto option = [](const char* name) { return SettingName{false, false, name, ""}; };
  const auto data = [](const char* before, const char* after) {
    return SettingName{true, false, before, after};
  };
  static const std::map<std::string, SettingName> names = {
      {"task", option("--task ")},
      {"arch", option("--arch ")},
      {"dim", option("--dim ")},
      {"heads", option("--heads ")},
      {"layers", option("--layers ")},
      {"encoder_layers", option("--encoder-layers ")},
      {"decoder_layers", option("--decoder-layers ")},
      {"ff_dim", option("--ff-dim ")},
      {"cell", option("--cell ")},
      {"embed_dim", option("--embed-dim ")},
      {"embedding_dim", option("--embed-dim ")},
      {"hidden", option("--hidden ")},
      {"attention", option("--attention ")},
      {"attention_scope", option("--attention-scope ")},
      {"window", option("--window ")},
      {"attention_dim", option("--attention-dim ")},
      {"hops", option("--hops ")},
      {"mlp", option("--mlp ")},
      {"pooling", option("--pooling ")},
      {"max_tokens", option("--max-tokens ")},
      {"max_sentences", option("--max-sentences ")},
      {"blocks", option("--blocks ")},
      {"max_length", option("--max-len ")},
      {"pre_norm", {false, true, "--pre-norm", "no --pre-norm"}},
      {"learned_positions", {false, true, "--learned-positions", "no --learned-positions"}},
      {"hard_attention", {false, true, "--hard-attention", "no --hard-attention"}},
      {"tie_output", {false, true, "no --untied-output", "--untied-output"}},
      {"input_feeding", {false, true, "no --no-input-feeding", "--no-input-feeding"}},
      {"src_vocab", data("a source vocabulary of ", "")},
      {"tgt_vocab", data("a target vocabulary of ", "")},
      {"vocab", data("a vocabulary of ", "")},
      {"labels", data("", " labels")},
      {"items", data("", " items")},
      {"users", data("", " users")},
      {"features", data("--side-info with ", " item features")},
      {"multi_label", {true, true, "multi-label data", "single-label data"}},
      {"share_embeddings", {true, true, "a joint vocabulary", "separate vocabularies"}},
      {"pad_id", data("padding id ", "")}};
  return names;
}

// Item features come with --side-info: with it or without it is the option, how many the data.
bool without_features(const nlohmann::json& value) {
  return value.is_number() && value == 0;
}

}  // namespace

bool ConfigDifference::from_data() const {
  if (key == "features" && (without_features(first) || without_features(second))) return false;
  const auto found = setting_names().find(key);
  return found != setting_names().end() && found->second.from_data;
}

std::string ConfigDifference::setting(const nlohmann::json& value) const {
  const auto found = setting_names().find(key);
  const std::string shown = value.is_string() ? value.get<std::string>() : value.dump();
  if (key == "features" && without_features(value)) return "no --side-info";
  if (found == setting_names().end()) return key + " " + shown;
  const SettingName& n = found->second;
  if (n.yes_no) return value.is_boolean() && value.get<bool>() ? n.before : n.after;
  return n.before + shown + n.after;
}

std::optional<ConfigDifference> model_config_difference(const nlohmann::json& first,
                                                        const nlohmann::json& second) {
  for (const char* key : {"task", "arch"}) {
    if (first.contains(key) && second.contains(key) && first[key] != second[key]) {
      return ConfigDifference{key, first[key], second[key]};
    }
  }
  if (!first.contains("model") || !second.contains("model")) return std::nullopt;
  const nlohmann::json& a = first["model"];
  for (const auto& [key, value] : second["model"].items()) {
    // Settings of training only, kept with the model for the record.
    if (key == "dropout" || key == "attention_dropout" || key == "penalty") continue;
    if (a.contains(key) && a[key] != value) return ConfigDifference{key, a[key], value};
  }
  return std::nullopt;
}

}  // namespace huiyan::pipeline
