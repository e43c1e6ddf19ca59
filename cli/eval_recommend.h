#pragma once
// The recommendation mode of `huiyan eval`.

#include <string>

#include "cli/command.h"
#include "pipeline/recommend_eval.h"

namespace huiyan::cli {

struct RecommendEvalArgs {
  std::string model;
  std::string baseline;  // "popular" instead of a model
  std::string data;
  std::string split = "test";
  pipeline::RankingOptions ranking;
  bool json = false;
};

int run_recommend_eval(const RecommendEvalArgs& args);

}  // namespace huiyan::cli
