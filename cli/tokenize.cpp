// huiyan tokenize <action>: dispatches to the actions, one file each (tokenize_*.cpp).

#include <iomanip>
#include <iostream>

#include "cli/command.h"
#include "cli/tokenize_actions.h"

namespace huiyan::cli {

namespace {

struct Action {
  const char* name;
  const char* summary;
  int (*run)(const std::vector<std::string>& args);
};

const Action kActions[] = {
    {"train", "train a SentencePiece model (unigram or BPE) on cleaned text", run_tokenize_train},
    {"encode", "text -> pieces or ids, stdin to stdout, one line per line", run_tokenize_encode},
    {"decode", "pieces or ids -> text, stdin to stdout, one line per line", run_tokenize_decode},
    {"build", "split text files -> an HDF5 dataset of token ids", run_tokenize_build},
    {"sentences", "split documents into sentences (ICU), stdin to stdout", run_tokenize_sentences},
};

void print_help() {
  std::cout << "Usage: huiyan tokenize <action> [options]\n\nActions:\n";
  for (const auto& action : kActions) {
    std::cout << "  " << std::left << std::setw(10) << action.name << " " << action.summary << "\n";
  }
  std::cout << "\nRun 'huiyan tokenize <action> --help' for an action's options.\n" << std::flush;
}

}  // namespace

int run_tokenize(const std::vector<std::string>& args) {
  if (args.empty())
    throw UsageError("an action is required: train, encode, decode, build or sentences");
  const std::string& name = args.front();
  if (name == "-h" || name == "--help") {
    print_help();
    return 0;
  }
  for (const auto& action : kActions) {
    if (name == action.name) return action.run({args.begin() + 1, args.end()});
  }
  throw UsageError("unknown action '" + name + "'");
}

}  // namespace huiyan::cli
