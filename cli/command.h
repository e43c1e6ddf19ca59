#pragma once
// What every subcommand shares: its entry in `huiyan --help`, option parsing with complete
// --help output, and the common options (--threads, --quiet).

#include <boost/program_options.hpp>
#include <cstdint>
#include <initializer_list>
#include <ostream>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace huiyan::cli {

namespace po = boost::program_options;

// An option value that must be a whole number >= 0: "-1" is refused rather than wrapped around
// to 2^64 - 1 as Boost would for an unsigned type.
struct Count {
  uint64_t value = 0;
};
std::ostream& operator<<(std::ostream& out, const Count& count);
// Boost.Program_options finds this by argument-dependent lookup.
void validate(boost::any& result, const std::vector<std::string>& values, Count*, int);

// A usage mistake: exit code 2.
class UsageError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// Width of --help output, and the options group constructor to use with it.
inline constexpr unsigned kHelpWidth = 100;
inline po::options_description option_group(const std::string& caption) {
  return po::options_description(caption, kHelpWidth, kHelpWidth / 2);
}

struct Command {
  const char* name;
  const char* summary;  // one line for `huiyan --help`
  int (*run)(const std::vector<std::string>& args);
  // Runs a trained model without training it: its memory comes in 2 MB pages
  // (nn::prefer_huge_pages).
  bool runs_a_model = false;
  // Takes Ctrl-C, SIGTERM and SIGHUP itself (training saves first); for the others, main quits at
  // once, removing the outputs' temporary files (OnSignal::quit).
  bool watches_signals = false;
};

const std::vector<Command>& commands();

// Whether the command line gave option `name` (not only its default).
bool given(const po::variables_map& values, const std::string& name);
// An option a command would not read in this use (another --arch, --format or mode) is a mistake,
// not a no-op: UsageError "--<name> <why>" for the first of `names` given.
void refuse_given(const po::variables_map& values, std::initializer_list<const char*> names,
                  const std::string& why);

// What a trainer writes beside its -o: nothing (embeddings), NAME.last.h5, or that and
// checkpoints NAME.step<N>.h5 (translation with --keep-checkpoints).
enum class WrittenBeside { nothing, state, state_and_checkpoints };

// A trainer's -o can hold an HDF5 model file and is none of its `inputs` (the dataset, say), nor
// are the files it writes `beside` it, which are no directories: found before training, not at the
// first save after --valid-every steps (or after overwriting them).
void check_model_output(const std::string& output, const std::vector<std::string>& inputs,
                        WrittenBeside beside = WrittenBeside::state);

// An option a resume takes from NAME.last.h5 when the command line does not give it: where the
// run stored it in its config ("model.heads", "training.lr"; "!model.tie_output" for a switch
// that turns the entry off) and the variable the option sets.
struct StoredOption {
  const char* option;
  const char* stored;
  std::variant<Count*, int*, int64_t*, float*, std::string*, bool*> target;
};

// For --resume: each of `options` not given on the command line takes the value the run stored in
// NAME.last.h5, when that holds a model of `task`. A resume so goes on as its run was set up,
// without repeating any option; one given differently changes the run (or, for the model, is
// refused by the trainer). Of the limits --max-steps and --max-epochs, one given lifts the other
// (sets it to 0) rather than keeping it: it says where the resumed run ends. Returns a note for
// the user when the file is older than its stored training options (they take their defaults),
// else "".
std::string keep_stored_options(const std::string& output, const std::string& task,
                                const po::variables_map& values, std::vector<StoredOption> options);

// Parses `args` into `values`. Prints `usage`, `description` and the options to stdout and returns
// false when --help is given. Throws po::error for bad options (exit code 2).
bool parse_options(const std::vector<std::string>& args, const std::string& usage,
                   const std::string& description, const po::options_description& options,
                   po::variables_map& values,
                   const po::positional_options_description* positional = nullptr);

// --threads N (default: every core) and --quiet; --precision f32|bf16 for commands that run a
// network (`runs_networks`).
struct CommonOptions {
  int threads = 0;
  bool quiet = false;
  std::string precision = "f32";
};
po::options_description common_options(CommonOptions& common, bool runs_networks = false);
// Sets oneDNN's and OpenMP's thread count and the precision of matrix products.
void apply(const CommonOptions& common);

// Entry points, one per file under cli/.
int run_average(const std::vector<std::string>& args);
int run_classify(const std::vector<std::string>& args);
int run_eval(const std::vector<std::string>& args);
int run_preprocess(const std::vector<std::string>& args);
int run_recommend(const std::vector<std::string>& args);
int run_tokenize(const std::vector<std::string>& args);
int run_train(const std::vector<std::string>& args);
int run_train_classify(const std::vector<std::string>& args);
int run_train_embeddings(const std::vector<std::string>& args);
int run_train_recommend(const std::vector<std::string>& args);
int run_translate(const std::vector<std::string>& args);

}  // namespace huiyan::cli
