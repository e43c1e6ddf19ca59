#include "pipeline/training_state.h"

#include <bit>
#include <filesystem>

#include "io/error.h"

namespace huiyan::pipeline {

void add_training_state(ModelFile& file, const nn::Module& model, const nn::Optimizer* optimizer,
                        std::map<std::string, int64_t> counters) {
  file.params = model.parameters();
  if (optimizer == nullptr) return;
  file.has_train_state = true;
  file.train_state = optimizer->state();
  const std::vector<uint64_t> randoms = model.random_states();
  for (size_t i = 0; i < randoms.size(); ++i) {
    counters["rng." + std::to_string(i)] = static_cast<int64_t>(randoms[i]);
  }
  file.counters = std::move(counters);
}

std::map<std::string, int64_t> resume_training_state(const std::string& path, nn::Module& model,
                                                     nn::Optimizer& optimizer) {
  if (!std::filesystem::exists(path)) throw io::DataError(path + ": nothing to resume from");
  const ModelHeader header = read_model_header(path);
  if (!header.has_train_state) throw io::DataError(path + ": no training state to resume from");
  auto params = model.parameters();
  load_tensors(path, params);
  auto state = optimizer.state();
  load_tensors(path, state, true);
  optimizer.load_state(state);
  std::vector<uint64_t> randoms = model.random_states();
  for (size_t i = 0; i < randoms.size(); ++i) {
    const auto it = header.counters.find("rng." + std::to_string(i));
    if (it == header.counters.end()) {
      throw io::DataError(path + ": /train_state: random state " + std::to_string(i) +
                          " is missing");
    }
    randoms[i] = static_cast<uint64_t>(it->second);
  }
  model.set_random_states(randoms);
  return header.counters;
}

std::map<std::string, int64_t> cursor_counters(const TrainingCursor& c,
                                               std::map<std::string, int64_t> extra) {
  extra["step"] = c.step;
  extra["epoch"] = c.epoch;
  extra["batch_in_epoch"] = c.batch_in_epoch;
  extra["best_bits"] = std::bit_cast<int64_t>(c.best);
  extra["stale"] = c.stale;
  return extra;
}

TrainingCursor cursor_from(const std::map<std::string, int64_t>& counters) {
  TrainingCursor c;
  c.step = counters.at("step");
  c.epoch = counters.at("epoch");
  c.batch_in_epoch = counters.at("batch_in_epoch");
  c.best = std::bit_cast<double>(counters.at("best_bits"));
  c.stale = static_cast<int>(counters.at("stale"));
  return c;
}

}  // namespace huiyan::pipeline
