// huiyan train --task embeddings: options -> pipeline::train_embeddings.

#include <cmath>
#include <iostream>

#include "cli/command.h"
#include "cli/stop_signals.h"
#include "pipeline/word_vectors.h"

namespace huiyan::cli {

int run_train_embeddings(const std::vector<std::string>& args) {
  pipeline::EmbeddingTrainOptions o;
  pipeline::WordVectorOptions& v = o.vectors;
  std::string task;
  Count dim{128}, seed{1};
  CommonOptions common;
  auto options = option_group("Token vectors (skip-gram with negative sampling)");
  options.add_options()("task", po::value(&task)->value_name("TASK")->required(), "embeddings")(
      "data,d", po::value(&o.data)->value_name("FILE")->required()->composing(),
      "dataset(s) of huiyan tokenize build sharing one SentencePiece model (e.g. the labelled "
      "reviews and unlabelled ones built with --task text); their train splits are read")(
      "output,o", po::value(&o.output)->value_name("FILE")->required(),
      "vectors file, for huiyan train --task classify --init-embeddings")(
      "dim", po::value(&dim)->value_name("N")->default_value(Count{128}), "vector size")(
      "window", po::value(&v.window)->value_name("N")->default_value(5),
      "context: up to N tokens each side (drawn per token from 1..N)")(
      "negatives", po::value(&v.negatives)->value_name("N")->default_value(5),
      "negative samples per context token")(
      "subsample", po::value(&v.subsample)->value_name("T")->default_value(1e-4, "1e-4"),
      "frequent-token subsampling threshold (0: keep every token)")(
      "epochs", po::value(&v.epochs)->value_name("N")->default_value(5), "passes over the data")(
      "lr", po::value(&v.lr)->value_name("LR")->default_value(0.025f, "0.025"),
      "starting rate, falling linearly to 0")(
      "seed", po::value(&seed)->value_name("N")->default_value(Count{1}),
      "seed (runs repeat exactly with --threads 1)");
  options.add(common_options(common));
  po::variables_map values;
  if (!parse_options(args,
                     "huiyan train --task embeddings --data DATA.h5 [--data MORE.h5] -o VECTORS.h5",
                     "Pre-trains token vectors on (unlabelled) text, word2vec's skip-gram with "
                     "negative sampling, to start a classifier's embedding from.",
                     options, values)) {
    return 0;
  }
  apply(common);
  if (task != "embeddings") throw UsageError("--task: expected embeddings, got '" + task + "'");
  if (dim.value == 0 || v.window <= 0 || v.negatives <= 0 || v.epochs <= 0 || !(v.lr > 0) ||
      !std::isfinite(v.lr))
    throw UsageError("--dim, --window, --negatives, --epochs and --lr must be > 0 (--lr finite)");
  v.dim = static_cast<int64_t>(dim.value);
  v.seed = seed.value;
  v.progress = !common.quiet;
  if (!common.quiet) v.log = [](const std::string& line) { std::cerr << line << "\n"; };
  check_model_output(o.output, o.data, WrittenBeside::nothing);
  // Nothing to save for a resume: a signal quits, leaving no partial file.
  StopSignals signals("train", OnSignal::quit);  // before training starts any thread
  const auto summary = pipeline::train_embeddings(o);
  if (!common.quiet) {
    std::cerr << "token vectors of " << summary.tokens << " tokens x " << v.epochs << " epochs in "
              << summary.seconds << " s -> " << o.output << "\n";
  }
  return 0;
}

}  // namespace huiyan::cli
