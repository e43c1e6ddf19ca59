#pragma once
// The classification mode of `huiyan eval`.

#include <string>

#include "cli/command.h"
#include "pipeline/classify_eval.h"

namespace huiyan::cli {

struct ClassifyEvalArgs {
  std::string model;
  std::string input;
  pipeline::LabeledTsvOptions tsv;
  bool json = false;
  bool quiet = false;
};

int run_classify_eval(const ClassifyEvalArgs& args);

}  // namespace huiyan::cli
