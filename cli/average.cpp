// huiyan average: model files -> pipeline::average_models.

#include <algorithm>
#include <iostream>

#include "cli/command.h"
#include "io/atomic_file.h"
#include "pipeline/model_average.h"
#include "pipeline/train_translation.h"
#include "pipeline/training_state.h"

namespace huiyan::cli {

int run_average(const std::vector<std::string>& args) {
  std::vector<std::string> inputs;
  std::string output;
  std::string last_of;
  int last = 0;
  CommonOptions common;
  auto options = option_group("Options");
  options.add_options()("output,o", po::value(&output)->value_name("FILE")->required(),
                        "averaged model file to write")(
      "input,i", po::value(&inputs)->value_name("FILE")->multitoken(),
      "model files to average (also as positional arguments)")(
      "last", po::value(&last)->value_name("K")->default_value(0),
      "average the K newest checkpoints NAME.step<N>.h5 kept by train --keep-checkpoints")(
      "checkpoints-of", po::value(&last_of)->value_name("MODEL.h5"),
      "with --last: the -o given to huiyan train (NAME.h5)");
  options.add(common_options(common));
  po::positional_options_description positional;
  positional.add("input", -1);
  po::variables_map values;
  if (!parse_options(args,
                     "huiyan average -o OUT.h5 IN1.h5 IN2.h5 ...\n"
                     "       huiyan average -o OUT.h5 --last K --checkpoints-of MODEL.h5",
                     "Averages the parameters of checkpoints of one model (Vaswani et al. 2017, "
                     "§6.1); the output keeps the first input's config and tokenizers.",
                     options, values, &positional)) {
    return 0;
  }
  apply(common);
  if (last < 0) throw UsageError("--last must be >= 0");
  if (last > 0) {
    if (last_of.empty()) throw UsageError("--last needs --checkpoints-of MODEL.h5");
    if (!inputs.empty()) throw UsageError("give model files or --last, not both");
    // Checkpoints of an earlier run under the same name may lie beside this run's, even at
    // later steps: only the latest run's are averaged.
    const pipeline::RunCheckpoints found = pipeline::latest_run_checkpoints(last_of);
    if (found.paths.empty()) {
      throw UsageError("no checkpoints NAME.step<N>.h5 beside " + last_of +
                       " (train with --keep-checkpoints K)");
    }
    if (found.others > 0 && !common.quiet) {
      std::cerr << "huiyan average: warning: left out " << found.others
                << " checkpoint file(s) beside " << last_of
                << " from another training run (or unreadable)\n";
    }
    const size_t take = std::min(found.paths.size(), static_cast<size_t>(last));
    if (take < static_cast<size_t>(last) && !common.quiet) {
      std::cerr << "huiyan average: warning: the run has " << take << " checkpoint"
                << (take == 1 ? "" : "s") << " beside " << last_of << ", not " << last
                << "; averaging those\n";
    }
    inputs.assign(found.paths.end() - static_cast<std::ptrdiff_t>(take), found.paths.end());
  }
  if (inputs.empty()) throw UsageError("no model files to average");
  if (!last_of.empty()) {
    // The run's model and its training state are read or kept, not replaced by the average.
    io::check_output_is_not_an_input(output, {last_of, pipeline::last_model_path(last_of)});
  }
  pipeline::average_models(inputs, output);
  if (!common.quiet)
    std::cerr << "averaged " << inputs.size()
              << (inputs.size() == 1 ? " checkpoint (" : " checkpoints (") << inputs.front()
              << " ... " << inputs.back() << ") -> " << output << "\n";
  return 0;
}

}  // namespace huiyan::cli
