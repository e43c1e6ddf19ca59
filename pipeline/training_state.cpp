#include "pipeline/training_state.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <filesystem>
#include <stdexcept>

#include "io/error.h"

namespace huiyan::pipeline {

std::string last_model_path(const std::string& output) {
  std::filesystem::path path(output);
  return (path.parent_path() / (path.stem().string() + ".last" + path.extension().string()))
      .string();
}

std::string checkpoint_prefix(const std::string& output) {
  const std::filesystem::path path(output);
  return (path.parent_path() / (path.stem().string() + ".step")).string();
}

std::string checkpoint_path(const std::string& output, int64_t step) {
  return checkpoint_prefix(output) + std::to_string(step) +
         std::filesystem::path(output).extension().string();
}

std::vector<std::string> checkpoint_paths(const std::string& output) {
  const std::filesystem::path path(output);
  const std::filesystem::path dir =
      path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path();
  const std::string prefix = path.stem().string() + ".step";
  const std::string suffix = path.extension().string();
  std::vector<std::pair<int64_t, std::string>> found;
  if (!std::filesystem::is_directory(dir)) return {};
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.size() <= prefix.size() + suffix.size() || !name.starts_with(prefix) ||
        !name.ends_with(suffix)) {
      continue;
    }
    const std::string digits =
        name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
    if (digits.find_first_not_of("0123456789") != std::string::npos || digits.size() > 18) continue;
    found.emplace_back(std::stoll(digits), checkpoint_path(output, std::stoll(digits)));
  }
  std::sort(found.begin(), found.end());
  std::vector<std::string> paths;
  for (auto& [step, file] : found) paths.push_back(std::move(file));
  return paths;
}

std::string earlier_run_warning(const std::string& output, const std::string& task,
                                bool keeps_checkpoints) {
  const std::string last = last_model_path(output);
  const size_t checkpoints = keeps_checkpoints ? checkpoint_paths(output).size() : 0;
  // Pruning leaves other runs' checkpoints alone, but one of a step this run reaches is replaced.
  const std::filesystem::path path(output);
  const std::string checkpoint_text =
      std::to_string(checkpoints) + " earlier checkpoint" + (checkpoints == 1 ? "" : "s") + " " +
      (path.parent_path() / (path.stem().string() + ".step<N>" + path.extension().string()))
          .string() +
      " of steps it reaches";
  const std::string and_checkpoints = checkpoints == 0 ? "" : " and any of the " + checkpoint_text;
  if (std::filesystem::exists(last)) {
    // Said as what --resume would make of it.
    std::string what = " holds an earlier run", instead = "; --resume would go on with it instead";
    try {
      const ModelHeader header = read_model_header(last);
      const auto config = nlohmann::json::parse(header.config_json, nullptr, false);
      const std::string stored_task = config.is_object() ? config.value("task", "") : "";
      if (const auto found = header.counters.find("step"); found != header.counters.end()) {
        what += " (step " + std::to_string(found->second) + ")";
      }
      if (!task.empty() && stored_task != task) {
        what = " holds a model of " + (stored_task.empty() ? "no task" : "--task " + stored_task);
        instead = "";
      }
    } catch (const std::exception&) {
      what = " is no model file this run can read";
      instead = "";
    }
    return "warning: " + last + what + ": this one replaces it, " + output + and_checkpoints +
           " as it saves" + instead;
  }
  if (std::filesystem::exists(output)) {
    return "warning: " + output + " exists: this run replaces it" + and_checkpoints +
           " as it saves";
  }
  if (checkpoints > 0) {
    return "warning: this run replaces any of the " + checkpoint_text + " as it saves";
  }
  return "";
}

nlohmann::json stored_config(const std::string& path, const std::string& task) {
  try {
    if (!std::filesystem::exists(path)) return nullptr;
    auto stored = nlohmann::json::parse(read_model_header(path).config_json);
    if (!stored.is_object() || (!task.empty() && stored.value("task", "") != task)) return nullptr;
    return stored;
  } catch (const std::exception&) {
    return nullptr;  // the resume itself reports an unreadable file
  }
}

void add_training_state(ModelFile& file, const nn::Module& model, const nn::Optimizer* optimizer,
                        std::map<std::string, int64_t> counters) {
  file.params = model.parameters();
  if (optimizer == nullptr) return;
  file.has_train_state = true;
  file.train_state = optimizer->state();
  // "rng." from when random streams were the only state words: older files still resume.
  const std::vector<uint64_t> words = model.state_words();
  for (size_t i = 0; i < words.size(); ++i) {
    counters["rng." + std::to_string(i)] = static_cast<int64_t>(words[i]);
  }
  file.counters = std::move(counters);
}

void check_resumes_same_model(const std::string& path, const nlohmann::json& config,
                              const std::map<std::string, std::string>& tokenizers,
                              const std::map<std::string, std::vector<std::string>>& tables) {
  if (!std::filesystem::exists(path)) return;
  const ModelHeader header = read_model_header(path);
  const auto stored = nlohmann::json::parse(header.config_json, nullptr, false);
  if (stored.is_discarded() || !stored.is_object() || !stored.contains("model")) {
    throw io::DataError(path + ": its config is not one a trainer wrote; nothing to resume from");
  }
  if (const auto difference = model_config_difference(stored, config)) {
    const auto& d = *difference;
    if (d.key == "task") {
      throw io::DataError(path + ": a model of " + d.setting(d.first) + ", not of " +
                          d.setting(d.second) + "; -o names another run's files");
    }
    const std::string message =
        path + ": trained with " + d.setting(d.first) + ", but this run has " + d.setting(d.second);
    if (d.from_data()) throw io::DataError(message + "; resume with the dataset it was trained on");
    // The command line differs from the run's: a usage mistake, as an option of another --arch is.
    throw std::invalid_argument(message + "; resume with the options it was trained with");
  }
  for (const auto& [side, bytes] : tokenizers) {
    const auto found = header.tokenizers.find(side);
    if (found == header.tokenizers.end() || found->second != bytes) {
      throw io::DataError(path + ": trained with another " + side +
                          " tokenizer than the one in the --data file");
    }
  }
  for (const auto& [name, rows] : tables) {
    const auto found = header.tables.find(name);
    if (found == header.tables.end() || found->second != rows) {
      const std::string what = name == "item_names" ? "items" : name;
      throw io::DataError(path + ": trained with other " + what + " than the --data file's (" +
                          std::to_string(found == header.tables.end() ? 0 : found->second.size()) +
                          " stored, " + std::to_string(rows.size()) +
                          " in the data); resume with the dataset it was trained on");
    }
  }
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
  std::vector<uint64_t> words = model.state_words();
  for (size_t i = 0; i < words.size(); ++i) {
    const auto it = header.counters.find("rng." + std::to_string(i));
    if (it == header.counters.end()) {
      throw io::DataError(path + ": /train_state: state word " + std::to_string(i) + " is missing");
    }
    words[i] = static_cast<uint64_t>(it->second);
  }
  model.set_state_words(words);
  return header.counters;
}

namespace {

// "--batch-tokens 2000 (was 600)" for each batching setting that differs from the one stored in
// the model file at `path`; "" when none does, or the file stored none (older files).
std::string batching_change(const std::string& path, const nlohmann::json& batching) {
  const nlohmann::json config = stored_config(path);
  const nlohmann::json stored =
      config.is_object() ? config.value("batching", nlohmann::json()) : nlohmann::json();
  std::string changed;
  if (!stored.is_object()) return changed;
  for (const auto& [key, now] : batching.items()) {
    if (!stored.contains(key) || stored[key] == now) continue;
    std::string option = "--" + key;
    std::replace(option.begin(), option.end(), '_', '-');
    changed += (changed.empty() ? "" : ", ") + option + " " + now.dump() + " (was " +
               stored[key].dump() + ")";
  }
  return changed;
}

bool reached_limits(const TrainingCursor& at, int64_t max_steps, int64_t max_epochs) {
  return (max_steps > 0 && at.step >= max_steps) || (max_epochs > 0 && at.epoch >= max_epochs);
}

}  // namespace

TrainingRun::TrainingRun(const TrainingCursor& start, const RunSettings& settings,
                         std::function<bool()> stop_requested,
                         const std::function<void(const std::string&)>& say)
    : max_steps_(settings.max_steps),
      max_epochs_(settings.max_epochs),
      first_step_(start.step),
      stop_requested_(std::move(stop_requested)) {
  const auto tell = [&](const std::string& line) {
    if (say) say(line);
  };
  const std::string task =
      settings.config.is_object() ? settings.config.value("task", std::string()) : "";
  if (!settings.resume) {
    const std::string earlier =
        earlier_run_warning(settings.output, task, settings.keeps_checkpoints);
    if (!earlier.empty()) tell(earlier);
  }
  // The files stay as they are.
  if (reached_limits(start, max_steps_, max_epochs_)) {
    tell("nothing to train: the model is at step " + std::to_string(start.step) + ", epoch " +
         std::to_string(start.epoch_of_last_step()) + "; raise --max-steps or --max-epochs");
    nothing_left_ = true;
    return;
  }
  if (settings.resume && settings.patience > 0 && start.stale >= settings.patience) {
    tell("nothing to train: the run stopped early after " + std::to_string(start.stale) +
         " validations without improvement; raise --patience (now " +
         std::to_string(settings.patience) + ") to go on");
    nothing_left_ = true;
    return;
  }
  if (settings.resume && start.batch_in_epoch > 0) {
    const nlohmann::json batching = settings.config.is_object()
                                        ? settings.config.value("batching", nlohmann::json())
                                        : nlohmann::json();
    const std::string changed = batching_change(last_model_path(settings.output), batching);
    if (!changed.empty()) {
      tell("warning: resuming within epoch " + std::to_string(start.epoch + 1) + " with " +
           changed + ": the rest of the epoch is cut into batches anew, so some of its examples " +
           "may come twice or not at all; later epochs are as usual");
    }
  }
  interrupted_ = stop_asked(false);
}

bool TrainingRun::stop_asked(bool already_stopping) {
  if (already_stopping || !stop_requested_ || !stop_requested_()) return false;
  interrupted_ = true;
  return true;
}

void TrainingRun::finish(const TrainingCursor& at, const std::function<void()>& validate,
                         const std::function<void()>& save_state) {
  // A stop asked for on the run's last step changes nothing: it ends as any run does.
  if (interrupted_ && reached_limits(at, max_steps_, max_epochs_)) interrupted_ = false;
  if (nothing_left_ || at.validated_step == at.step) return;
  if (!interrupted_) {
    validate();
  } else if (at.step > first_step_) {
    save_state();
  }
}

void check_loss_is_finite(double loss, int64_t step, const std::string& remedies, bool resumable,
                          const std::string& last_path) {
  if (std::isfinite(loss)) return;
  throw std::runtime_error(
      "step " + std::to_string(step) + ": the training loss is " +
      (std::isnan(loss) ? "NaN" : "infinite") + ": training diverged; " + remedies +
      (resumable ? ", then --resume from the last validation (" + last_path + ")"
                 : ", then start again"));
}

void check_valid_split(bool has_valid, bool resume, const std::string& measured_best,
                       const std::string& data, const std::string& last_path,
                       const std::function<void(const std::string&)>& say) {
  if (has_valid) return;
  if (resume && !measured_best.empty()) {
    throw io::DataError(data + " has no valid split, but " + last_path + " was validated (" +
                        measured_best + "): resume with the dataset it was trained on");
  }
  if (say) {
    say("warning: " + data +
        " has no valid split: nothing is validated, the last model is kept as the best and "
        "--patience has no effect");
  }
}

std::map<std::string, int64_t> cursor_counters(const TrainingCursor& c,
                                               std::map<std::string, int64_t> extra) {
  extra["step"] = c.step;
  extra["epoch"] = c.epoch;
  extra["batch_in_epoch"] = c.batch_in_epoch;
  extra["best_bits"] = std::bit_cast<int64_t>(c.best);
  extra["stale"] = c.stale;
  extra["loss_sum_bits"] = std::bit_cast<int64_t>(c.loss_sum);
  extra["loss_count"] = c.loss_count;
  extra["validated_step"] = c.validated_step;
  return extra;
}

TrainingCursor cursor_from(const std::map<std::string, int64_t>& counters,
                           const std::string& path) {
  const auto counter = [&](const std::string& name) {
    const auto it = counters.find(name);
    if (it == counters.end()) {
      throw io::DataError(path + ": /train_state: the counter '" + name + "' is missing");
    }
    return it->second;
  };
  TrainingCursor c;
  c.step = counter("step");
  c.epoch = counter("epoch");
  c.batch_in_epoch = counter("batch_in_epoch");
  if (!counters.contains("best_bits") && counters.contains("best_valid_bits")) {
    // A translation model saved before it used the cursor (2026-12-01): its best validation loss
    // under another name, and no count of validations without improvement.
    c.best = std::bit_cast<double>(counters.at("best_valid_bits"));
    return c;
  }
  c.best = std::bit_cast<double>(counter("best_bits"));
  c.stale = static_cast<int>(counter("stale"));
  // Files saved before 2026-12-02 kept no loss: the mean then covers the steps since the resume.
  if (counters.contains("loss_count")) {
    c.loss_sum = std::bit_cast<double>(counter("loss_sum_bits"));
    c.loss_count = counter("loss_count");
  }
  // Older files were saved at validations (or, rarely, by Ctrl-C, whose step then goes
  // unvalidated).
  c.validated_step = counters.contains("validated_step") ? counter("validated_step") : c.step;
  return c;
}

}  // namespace huiyan::pipeline
