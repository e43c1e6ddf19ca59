#include "pipeline/model_average.h"

#include <gtest/gtest.h>

#include "io/error.h"
#include "pipeline/model_file.h"
#include "tests/temp_dir.h"

namespace huiyan::pipeline {
namespace {

using huiyan::testing::TempDir;

ModelFile model_with(const std::vector<float>& a, const std::vector<float>& b) {
  ModelFile file;
  file.config_json = R"({"task": "translate", "arch": "transformer"})";
  file.tokenizers = {{"src", "spm bytes"}};
  file.tables = {{"labels", {"neg", "pos"}}};
  nn::Tensor x = nn::Tensor::persistent({2, 2}, false);
  nn::Tensor y = nn::Tensor::persistent({2}, false);
  std::copy(a.begin(), a.end(), x.data());
  std::copy(b.begin(), b.end(), y.data());
  file.params = {{"layer.weight", x}, {"layer.bias", y}};
  return file;
}

TEST(AverageModels, TheMeanOfEveryParameter) {
  TempDir dir;
  save_model(dir / "a.h5", model_with({1, 2, 3, 4}, {0, 1}));
  save_model(dir / "b.h5", model_with({3, 2, 1, 0}, {1, 1}));
  save_model(dir / "c.h5", model_with({2, 5, 2, 2}, {2, 1}));
  average_models({dir / "a.h5", dir / "b.h5", dir / "c.h5"}, dir / "avg.h5");
  const auto params = read_params(dir / "avg.h5");
  ASSERT_EQ(params.size(), 2u);
  EXPECT_EQ(params[0].name, "layer.bias");
  EXPECT_EQ(params[0].tensor.values(), (std::vector<float>{1, 1}));
  EXPECT_EQ(params[1].tensor.values(), (std::vector<float>{2, 3, 2, 2}));
  const ModelHeader header = read_model_header(dir / "avg.h5");
  EXPECT_EQ(header.tokenizers.at("src"), "spm bytes");
  EXPECT_EQ(header.tables.at("labels"), (std::vector<std::string>{"neg", "pos"}));
  EXPECT_FALSE(header.has_train_state);
}

TEST(AverageModels, RefusesDifferentModels) {
  TempDir dir;
  save_model(dir / "a.h5", model_with({1, 2, 3, 4}, {0, 1}));
  ModelFile other = model_with({1, 2, 3, 4}, {0, 1});
  other.config_json = R"({"task": "translate", "arch": "rnn"})";
  save_model(dir / "b.h5", other);
  EXPECT_THROW(average_models({dir / "a.h5", dir / "b.h5"}, dir / "avg.h5"), io::DataError);
  ModelFile renamed = model_with({1, 2, 3, 4}, {0, 1});
  renamed.params[1].name = "layer.offset";
  save_model(dir / "c.h5", renamed);
  EXPECT_THROW(average_models({dir / "a.h5", dir / "c.h5"}, dir / "avg.h5"), io::DataError);
  ModelFile retokenized = model_with({1, 2, 3, 4}, {0, 1});
  retokenized.tokenizers = {{"src", "other spm bytes"}};
  save_model(dir / "d.h5", retokenized);
  EXPECT_THROW(average_models({dir / "a.h5", dir / "d.h5"}, dir / "avg.h5"), io::DataError);
  ModelFile relabelled = model_with({1, 2, 3, 4}, {0, 1});
  relabelled.tables = {{"labels", {"pos", "neg"}}};
  save_model(dir / "e.h5", relabelled);
  EXPECT_THROW(average_models({dir / "a.h5", dir / "e.h5"}, dir / "avg.h5"), io::DataError);
  EXPECT_FALSE(std::filesystem::exists(dir / "avg.h5"));
  // The same file twice would weigh it double; the output over an input would destroy it.
  EXPECT_THROW(average_models({dir / "a.h5", dir / "a.h5"}, dir / "avg.h5"), std::invalid_argument);
  EXPECT_THROW(average_models({dir / "a.h5", dir / "b.h5"}, dir / "a.h5"), std::invalid_argument);
}

// Checkpoints of one model that a resume gave another dropout (or a moved --data file) still
// average, as they resumed; a size that differs is named.
TEST(AverageModels, OnlyWhatMakesTheModelMustMatch) {
  TempDir dir;
  ModelFile a = model_with({1, 2, 3, 4}, {0, 1});
  a.config_json = R"({"task": "translate", "arch": "transformer", "data": "d.h5", "run": "1",
                      "model": {"dim": 2, "dropout": 0.1}})";
  save_model(dir / "a.h5", a);
  ModelFile b = model_with({3, 2, 1, 0}, {1, 1});
  b.config_json = R"({"task": "translate", "arch": "transformer", "data": "moved/d.h5",
                      "run": "1", "model": {"dim": 2, "dropout": 0.3}})";
  save_model(dir / "b.h5", b);
  average_models({dir / "a.h5", dir / "b.h5"}, dir / "avg.h5");
  EXPECT_EQ(read_params(dir / "avg.h5")[0].tensor.values(), (std::vector<float>{0.5, 1}));
  ModelFile c = model_with({3, 2, 1, 0}, {1, 1});
  c.config_json = R"({"task": "translate", "arch": "transformer", "model": {"dim": 4}})";
  save_model(dir / "c.h5", c);
  try {
    average_models({dir / "a.h5", dir / "c.h5"}, dir / "avg2.h5");
    FAIL() << "no error";
  } catch (const io::DataError& e) {
    EXPECT_NE(std::string(e.what()).find("(--dim 4, not --dim 2)"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace huiyan::pipeline
