#include "cli/command.h"

#include <omp.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <iostream>
#include <string_view>
#include <type_traits>

#include "io/atomic_file.h"
#include "nn/engine.h"
#include "pipeline/train_translation.h"
#include "pipeline/training_state.h"

namespace huiyan::cli {

std::ostream& operator<<(std::ostream& out, const Count& count) {
  return out << count.value;
}

void validate(boost::any& result, const std::vector<std::string>& values, Count*, int) {
  po::validators::check_first_occurrence(result);
  const std::string& text = po::validators::get_single_string(values);
  uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
    throw po::invalid_option_value(text);
  }
  result = Count{value};
}

const std::vector<Command>& commands() {
  static const std::vector<Command> table = {
      {"average", "average the parameters of checkpoints of one model", run_average},
      {"classify",
       "label documents with a model file: stdin to stdout, with the attention on request",
       run_classify, true},
      {"eval",
       "score translations (BLEU, chrF as sacreBLEU), classifiers (accuracy, F1) or rank "
       "held-out items (HR@10, NDCG@10)",
       run_eval, true},
      {"preprocess",
       "clean, filter and split raw corpora (parallel, labelled, plain text, interactions)",
       run_preprocess},
      {"recommend", "recommend next items for histories with a model file: stdin to stdout",
       run_recommend, true},
      {"tokenize", "train SentencePiece models, encode/decode text, build HDF5 datasets",
       run_tokenize},
      {"train",
       "train a model: translation (Transformer, or RNN with attention), classification (HAN, "
       "self-attentive, Transformer) or recommendation (SASRec, ACF)",
       run_train, false, true},
      {"translate", "translate text with a model file: stdin to stdout, beam search", run_translate,
       true},
  };
  return table;
}

bool parse_options(const std::vector<std::string>& args, const std::string& usage,
                   const std::string& description, const po::options_description& options,
                   po::variables_map& values,
                   const po::positional_options_description* positional) {
  po::options_description help("Help", kHelpWidth, kHelpWidth / 2);
  help.add_options()("help,h", "show this help and exit");
  po::options_description all(kHelpWidth, kHelpWidth / 2);
  all.add(options).add(help);
  po::command_line_parser parser(args);
  parser.options(all);
  if (positional != nullptr) parser.positional(*positional);
  const po::parsed_options parsed = parser.run();
  po::store(parsed, values);
  if (values.count("help")) {
    std::cout << "Usage: " << usage << "\n\n" << description << "\n" << all << std::flush;
    return false;
  }
  // Without a positional description, an argument that is not an option has no name and store()
  // drops it: a file name given where the command reads stdin would be silently ignored.
  for (const auto& option : parsed.options) {
    if (option.string_key.empty() && !option.value.empty()) {
      throw UsageError("unexpected argument '" + option.value.front() +
                       "': this command takes options only");
    }
  }
  po::notify(values);
  return true;
}

po::options_description common_options(CommonOptions& common, bool runs_networks) {
  po::options_description options("Common", kHelpWidth, kHelpWidth / 2);
  options.add_options()("threads",
                        po::value<int>(&common.threads)->default_value(0)->value_name("N"),
                        "threads to use (0 = every core; on a machine busy with other work, "
                        "fewer: a thread that waits for a core holds the others up)")(
      "quiet,q", po::bool_switch(&common.quiet), "print nothing but errors on stderr");
  if (runs_networks) {
    options.add_options()(
        "precision",
        po::value<std::string>(&common.precision)->default_value("f32")->value_name("P"),
        "matrix products in f32, or bf16: inputs rounded to bfloat16, sums and results in f32 "
        "(mixed precision, as PyTorch's autocast); several times faster on CPUs with AMX or "
        "AVX512-BF16, results differ in the last digits");
  }
  return options;
}

bool given(const po::variables_map& values, const std::string& name) {
  return values.count(name) && !values[name].defaulted();
}

void refuse_given(const po::variables_map& values, std::initializer_list<const char*> names,
                  const std::string& why) {
  for (const char* name : names) {
    if (given(values, name)) throw UsageError(std::string("--") + name + " " + why);
  }
}

namespace {

// `value` into `target` when its JSON type fits (an older or foreign file may hold anything).
void assign_stored(const nlohmann::json& value, const StoredOption& option, bool inverted) {
  std::visit(
      [&](auto* target) {
        using T = std::remove_pointer_t<decltype(target)>;
        if constexpr (std::is_same_v<T, Count>) {
          // A seed may be any 64-bit count: stored as unsigned above 2^63.
          if (value.is_number_unsigned()) {
            target->value = value.get<uint64_t>();
          } else if (value.is_number_integer() && value.get<int64_t>() >= 0) {
            target->value = static_cast<uint64_t>(value.get<int64_t>());
          }
        } else if constexpr (std::is_same_v<T, bool>) {
          if (value.is_boolean()) *target = value.get<bool>() != inverted;
        } else if constexpr (std::is_same_v<T, std::string>) {
          if (value.is_string()) *target = value.get<std::string>();
        } else if constexpr (std::is_floating_point_v<T>) {
          if (value.is_number()) *target = value.get<T>();
        } else {
          if (value.is_number_integer()) *target = value.get<T>();
        }
      },
      option.target);
}

}  // namespace

std::string keep_stored_options(const std::string& output, const std::string& task,
                                const po::variables_map& values,
                                std::vector<StoredOption> options) {
  const std::string last = pipeline::last_model_path(output);
  const nlohmann::json stored = pipeline::stored_config(last, task);
  if (!stored.is_object()) return "";
  const bool limit_given = given(values, "max-steps") || given(values, "max-epochs");
  for (const StoredOption& option : options) {
    if (given(values, option.option)) continue;
    const std::string name = option.option;
    if (limit_given && (name == "max-steps" || name == "max-epochs")) {
      assign_stored(0, option, false);  // lifted, not kept
      continue;
    }
    std::string_view path = option.stored;
    const bool inverted = path.starts_with('!');
    if (inverted) path.remove_prefix(1);
    const nlohmann::json* at = &stored;
    while (at != nullptr && !path.empty()) {
      const size_t dot = path.find('.');
      const std::string key(path.substr(0, dot));
      path = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
      at = at->is_object() && at->contains(key) ? &(*at)[key] : nullptr;
    }
    if (at != nullptr) assign_stored(*at, option, inverted);
  }
  if (!stored.contains("training")) {
    return last +
           " is older than stored training options: those not given (--lr, --warmup, limits, "
           "...) take their defaults, not the run's";
  }
  return "";
}

void check_model_output(const std::string& output, const std::vector<std::string>& inputs,
                        WrittenBeside beside) {
  if (std::filesystem::is_directory(output)) {
    throw UsageError("-o " + output + " is a directory; give a model file name");
  }
  io::check_output_is_not_an_input(output, inputs);
  // The files training writes beside -o, too: NAME.last.h5 and NAME.step<N>.h5; found now, not at
  // the first save.
  const auto check_beside = [&](const std::string& path, const std::string& role) {
    if (std::filesystem::is_directory(path)) {
      throw UsageError("-o " + output + " " + role + " " + path +
                       ", which is a directory; move it or give another -o");
    }
    io::check_output_is_not_an_input(path, inputs, "-o " + output + " " + role);
  };
  if (beside != WrittenBeside::nothing) {
    check_beside(pipeline::last_model_path(output), "saves its state to");
  }
  if (beside == WrittenBeside::state_and_checkpoints) {
    for (const auto& checkpoint : pipeline::checkpoint_paths(output)) {
      check_beside(checkpoint, "keeps checkpoints as");
    }
  }
  static_cast<void>(io::AtomicFile(output).seekable_temp_path());
}

void apply(const CommonOptions& common) {
  // 0 keeps OpenMP's default: every core this process may use, or OMP_NUM_THREADS.
  constexpr int kMaxThreads = 1024;
  if (common.threads < 0 || common.threads > kMaxThreads) {
    throw UsageError("--threads must be between 0 and " + std::to_string(kMaxThreads));
  }
  if (common.threads > 0) omp_set_num_threads(common.threads);
  nn::Precision precision;
  try {
    precision = nn::parse_precision(common.precision);
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--") + e.what());
  }
  nn::Engine::get().set_precision(precision);
}

}  // namespace huiyan::cli
