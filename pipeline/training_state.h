#pragma once
// What every trainer keeps for exact resume, in the model file next to the parameters: the
// optimizer's state, the random streams' states (dropout masks) and the trainer's own counters
// (step, epoch, data cursor, ...).

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "nn/module.h"
#include "nn/optimizer.h"
#include "pipeline/model_file.h"

namespace huiyan::pipeline {

// <dir>/<stem>.last.h5 for <dir>/<stem>.h5: where a trainer keeps its state for --resume.
std::string last_model_path(const std::string& output);

// <dir>/<stem>.step<N>.h5 for <dir>/<stem>.h5 (a checkpoint kept for averaging), and those that
// exist, oldest step first; checkpoint_prefix is the part before <N>.
std::string checkpoint_prefix(const std::string& output);
std::string checkpoint_path(const std::string& output, int64_t step);
std::vector<std::string> checkpoint_paths(const std::string& output);

// A fresh run (not --resume) of `task` whose -o names an earlier run's files replaces them as it
// saves (the model, NAME.last.h5, and when it `keeps_checkpoints`, checkpoints of steps it
// reaches): the warning that says so, or "" when there are none.
std::string earlier_run_warning(const std::string& output, const std::string& task,
                                bool keeps_checkpoints);

// The config of the model file at `path` (what its run was set up with), or null when the file is
// missing, unreadable or (given a `task`) a model of another task.
nlohmann::json stored_config(const std::string& path, const std::string& task = "");

// Sets file.params from `model` and, with an optimizer, the train state: its tensors, `counters`
// and the model's random states (as counters "rng.<i>").
void add_training_state(ModelFile& file, const nn::Module& model, const nn::Optimizer* optimizer,
                        std::map<std::string, int64_t> counters = {});

// Where a trainer stands, kept with the training state for an exact resume: steps taken, the
// epoch and the next batch in it, the best validation score so far, the validations since it
// last improved, the training loss summed over the steps since the last validation (so that
// the next validation's mean covers them all, across a stop and --resume), and the step last
// validated (so that a resume does not validate it again).
struct TrainingCursor {
  int64_t step = 0;
  int64_t epoch = 0;
  int64_t batch_in_epoch = 0;
  double best = -1;
  int stale = 0;
  double loss_sum = 0;
  int64_t loss_count = 0;
  int64_t validated_step = -1;  // the step last validated; -1: none yet

  // The epoch (counted from 1) the last step trained in: once an epoch's last batch is taken the
  // cursor points at the next epoch's first, so messages after it name the epoch just finished.
  int64_t epoch_of_last_step() const {
    return batch_in_epoch > 0 || epoch == 0 ? epoch + 1 : epoch;
  }
};
// What a TrainingRun needs to know of its trainer's options.
struct RunSettings {
  int64_t max_steps = 0;   // 0: no limit
  int64_t max_epochs = 0;  // 0: no limit
  int patience = 0;        // validations without improvement before stopping; 0: never
  bool resume = false;
  std::string output;     // -o
  nlohmann::json config;  // the run's model config: its "task" and "batching"
  bool keeps_checkpoints = false;
};

// How every trainer's run begins and ends around its loop of steps, and whether a stop was asked
// for (Ctrl-C): so that all of them warn, stop and save alike.
class TrainingRun {
 public:
  // Before the first step, with the cursor where the run begins: a fresh run warns of an earlier
  // run's files under -o (checkpoints too when it keeps them); a resumed run that already reached
  // --max-steps or --max-epochs, or stopped early on --patience, says it has nothing left to do,
  // and one resumed within an epoch with other batching (the settings that cut epochs into
  // batches, as stored under "batching" in the model's config) warns that the rest of the epoch
  // is cut anew; a stop asked for during set-up is taken.
  TrainingRun(const TrainingCursor& start, const RunSettings& settings,
              std::function<bool()> stop_requested,
              const std::function<void(const std::string&)>& say);

  // No step to take: nothing left, or a stop already asked for.
  bool done_before_starting() const { return nothing_left_ || interrupted_; }
  // After a step, unless a limit already stopped the run: whether to stop here on request.
  bool stop_asked(bool already_stopping);

  // After the loop, with the cursor where it ended. A run stopped on request calls `save_state`
  // only (if it took a step), unless it had reached its limits anyway; any other run calls
  // `validate` (which saves) for the step it ended on, unless that step was validated already.
  void finish(const TrainingCursor& at, const std::function<void()>& validate,
              const std::function<void()>& save_state);
  // Whether the run stopped on request before its limits (known after finish()).
  bool interrupted() const { return interrupted_; }
  // Whether a resumed run began at its limits, so trained and wrote nothing.
  bool nothing_left() const { return nothing_left_; }

 private:
  int64_t max_steps_, max_epochs_, first_step_;
  std::function<bool()> stop_requested_;
  bool nothing_left_ = false;
  bool interrupted_ = false;
};

// A training loss that is not finite means the run diverged, and every step after would only
// spread NaN through the weights: std::runtime_error saying so at `step`, with `remedies` (the
// trainer's options that calm it) and, when `resumable` (this run's state is in `last_path`:
// it was resumed or has validated), the file to --resume from.
void check_loss_is_finite(double loss, int64_t step, const std::string& remedies, bool resumable,
                          const std::string& last_path);

// Said before a run's first step, for a dataset `data` without a valid split (`has_valid` false):
// nothing is validated, so every validation keeps the newest model as the best (a warning). A
// resumed run whose state holds a measured best (`measured_best`, e.g. "best valid loss 3.1204";
// "" when unmeasured) would so replace that best with whatever comes last: io::DataError naming
// `last_path` instead.
void check_valid_split(bool has_valid, bool resume, const std::string& measured_best,
                       const std::string& data, const std::string& last_path,
                       const std::function<void(const std::string&)>& say);

// The cursor as counters for add_training_state, with a trainer's own `extra` ones; and back.
std::map<std::string, int64_t> cursor_counters(const TrainingCursor& cursor,
                                               std::map<std::string, int64_t> extra = {});
// `path` names the file in errors.
TrainingCursor cursor_from(const std::map<std::string, int64_t>& counters, const std::string& path);

// A run resumes the model it saved, on the tokens it was trained on: options may change how it
// trains (dropout, learning rate, batches) but not what it is. An error naming `path` and the
// first difference (model_config_difference) between the stored config and `config`, or between
// a stored tokenizer and `tokenizers`, or a stored table (a classifier's labels, a recommender's
// items: what its outputs mean) and `tables`: std::invalid_argument (a usage mistake) when an
// option differs, io::DataError when the data does. A missing file is left to
// resume_training_state.
void check_resumes_same_model(const std::string& path, const nlohmann::json& config,
                              const std::map<std::string, std::string>& tokenizers,
                              const std::map<std::string, std::vector<std::string>>& tables = {});

// Restores what add_training_state saved at `path` into `model` and `optimizer` and returns the
// counters; io::DataError naming the file when there is nothing to resume from.
std::map<std::string, int64_t> resume_training_state(const std::string& path, nn::Module& model,
                                                     nn::Optimizer& optimizer);

}  // namespace huiyan::pipeline
