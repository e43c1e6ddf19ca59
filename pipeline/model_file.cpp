#include "pipeline/model_file.h"

#include <algorithm>

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
    io::h5::File h5 = io::h5::File::create(file.seekable_temp_path());
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
