#include "pipeline/model_file.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <limits>
#include <thread>

#include "io/error.h"
#include "nn/layers.h"
#include "tests/temp_dir.h"

namespace huiyan::pipeline {
namespace {

using huiyan::testing::TempDir;

class TinyModel : public nn::Module {
 public:
  explicit TinyModel(uint64_t seed) : rng_(seed), embed(50, 8, rng_), proj(8, 5, rng_) {
    add_module("embed", embed);
    add_module("proj", proj);
  }
  nn::Random rng_;
  nn::Embedding embed;
  nn::Linear proj;
};

std::vector<uint32_t> bits(const nn::Tensor& t) {
  std::vector<uint32_t> out(static_cast<size_t>(t.numel()));
  std::memcpy(out.data(), t.data(), out.size() * sizeof(float));
  return out;
}

TEST(ModelFile, SaveLoadRestoresBitIdenticalValues) {
  TempDir dir;
  TinyModel saved(1);
  // Values that text formats lose: a NaN payload, a denormal, -0.
  float* w = saved.proj.weight.data();
  w[0] = std::numeric_limits<float>::denorm_min();
  w[1] = -0.0f;
  w[2] = std::numeric_limits<float>::quiet_NaN();
  nn::Tensor moment = nn::Tensor::persistent({8}, false);
  moment.data()[3] = 0.125f;

  ModelFile file;
  file.config_json = R"({"arch": "tiny", "dim": 8})";
  file.tokenizers = {{"src", std::string("\0model\xff", 7)}};
  file.tables = {{"item_names", {"50", "Misérables", ""}}, {"user_names", {"u1"}}};
  file.params = saved.parameters();
  file.has_train_state = true;
  file.train_state = {{"adam.m.proj.bias", moment}};
  file.counters = {{"step", 1234}, {"rng", -5}};
  save_model(dir / "m.h5", file);

  const ModelHeader header = read_model_header(dir / "m.h5");
  EXPECT_EQ(header.config_json, file.config_json);
  EXPECT_EQ(header.tokenizers, file.tokenizers);
  EXPECT_EQ(header.tables, file.tables);
  EXPECT_TRUE(header.has_train_state);
  EXPECT_EQ(header.counters, file.counters);

  TinyModel loaded(2);  // different initial values
  auto params = loaded.parameters();
  load_tensors(dir / "m.h5", params);
  const auto expected = saved.parameters();
  for (size_t i = 0; i < params.size(); ++i) {
    EXPECT_EQ(bits(params[i].tensor), bits(expected[i].tensor)) << params[i].name;
  }
  std::vector<nn::NamedTensor> state = {{"adam.m.proj.bias", nn::Tensor::persistent({8}, false)}};
  load_tensors(dir / "m.h5", state, true);
  EXPECT_EQ(state[0].tensor.values(), moment.values());
}

TEST(ModelFile, MismatchesNameTheFileAndPath) {
  TempDir dir;
  TinyModel model(1);
  ModelFile file;
  file.config_json = "{}";
  file.params = model.parameters();
  save_model(dir / "m.h5", file);

  std::vector<nn::NamedTensor> missing = {{"decoder.weight", nn::Tensor::persistent({2}, true)}};
  try {
    load_tensors(dir / "m.h5", missing);
    FAIL() << "no error";
  } catch (const io::DataError& e) {
    EXPECT_EQ(std::string(e.what()), dir / "m.h5" + ": /params/decoder.weight: not found");
  }
  std::vector<nn::NamedTensor> reshaped = {{"proj.weight", nn::Tensor::persistent({8, 5}, true)}};
  try {
    load_tensors(dir / "m.h5", reshaped);
    FAIL() << "no error";
  } catch (const io::DataError& e) {
    EXPECT_NE(std::string(e.what()).find(
                  "/params/proj.weight: stored shape [5, 8] but the model has [8, 5]"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(load_tensors(dir / "m.h5", missing, true), io::DataError);  // no train state
  EXPECT_THROW(read_model_header(dir.write("x.h5", "not hdf5")), io::DataError);
}

// A writer killed at any moment leaves either the previous complete file or the new one.
TEST(ModelFile, KilledWhileSavingNeverLeavesAHalfWrittenFile) {
  TempDir dir;
  const std::string path = dir / "model.h5";
  nn::Tensor big = nn::Tensor::persistent({1 << 20}, true);  // 4 MiB per save
  int checked = 0;
  for (int round = 0; round < 6; ++round) {
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      for (int version = 1;; ++version) {
        std::fill_n(big.data(), big.numel(), static_cast<float>(version));
        ModelFile file;
        file.config_json = "{\"version\": " + std::to_string(version) + "}";
        file.params = {{"w", big}};
        save_model(path, file);
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(40 + 23 * round));
    kill(child, SIGKILL);
    waitpid(child, nullptr, 0);
    if (!std::filesystem::exists(path)) continue;  // killed before the first rename
    ++checked;
    const ModelHeader header = read_model_header(path);
    std::vector<nn::NamedTensor> tensors = {{"w", nn::Tensor::persistent({1 << 20}, true)}};
    load_tensors(path, tensors);
    const auto values = tensors[0].tensor.values();
    // Every value from the same save, and the config of that same save.
    EXPECT_TRUE(std::all_of(values.begin(), values.end(), [&](float v) { return v == values[0]; }));
    EXPECT_EQ(header.config_json,
              "{\"version\": " + std::to_string(static_cast<int>(values[0])) + "}");
  }
  EXPECT_GT(checked, 0) << "no save completed before a kill: the test checked nothing";
}

// Differences are told as users set them: the option (a switch by its presence, an inverted one
// by its absence), or what the dataset made.
TEST(ModelFile, ConfigDifferencesAreNamedAsUsersSetThem) {
  const auto difference = [](const nlohmann::json& a, const nlohmann::json& b) {
    const auto d = model_config_difference({{"model", a}}, {{"model", b}});
    EXPECT_TRUE(d.has_value());
    return d ? d->setting(d->first) + " / " + d->setting(d->second) +
                   (d->from_data() ? " (data)" : "")
             : "";
  };
  EXPECT_EQ(difference({{"decoder_layers", 3}}, {{"decoder_layers", 2}}),
            "--decoder-layers 3 / --decoder-layers 2");
  EXPECT_EQ(difference({{"cell", "gru"}}, {{"cell", "lstm"}}), "--cell gru / --cell lstm");
  EXPECT_EQ(difference({{"pre_norm", false}}, {{"pre_norm", true}}), "no --pre-norm / --pre-norm");
  EXPECT_EQ(difference({{"tie_output", true}}, {{"tie_output", false}}),
            "no --untied-output / --untied-output");
  EXPECT_EQ(difference({{"tgt_vocab", 8000}}, {{"tgt_vocab", 6000}}),
            "a target vocabulary of 8000 / a target vocabulary of 6000 (data)");
  EXPECT_EQ(difference({{"labels", 2}}, {{"labels", 3}}), "2 labels / 3 labels (data)");
  EXPECT_EQ(difference({{"features", 12}}, {{"features", 0}}),
            "--side-info with 12 item features / no --side-info");
  EXPECT_EQ(difference({{"features", 12}}, {{"features", 9}}),
            "--side-info with 12 item features / --side-info with 9 item features (data)");
  EXPECT_EQ(difference({{"something_new", 1}}, {{"something_new", 2}}),
            "something_new 1 / something_new 2");
}

}  // namespace
}  // namespace huiyan::pipeline
