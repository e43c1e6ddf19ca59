// huiyan train --task recommend: options -> pipeline::train_recommend.

#include "pipeline/train_recommend.h"

#include <iostream>

#include "cli/command.h"
#include "cli/stop_signals.h"
#include "pipeline/training_state.h"

namespace huiyan::cli {

int run_train_recommend(const std::vector<std::string>& args) {
  pipeline::RecommendTrainOptions o;
  std::string task;
  Count dim{0}, blocks{2}, heads{1}, max_len{200}, batch_size{128}, max_epochs{200}, max_steps{0},
      valid_every{20}, seed{1}, valid_users{10000}, attention_dim{64};
  CommonOptions common;

  auto what = option_group("Task and data");
  what.add_options()("task", po::value(&task)->value_name("TASK")->required(), "recommend")(
      "data,d", po::value(&o.data)->value_name("FILE")->required(),
      "dataset made by huiyan preprocess --format interactions")(
      "output,o", po::value(&o.output)->value_name("FILE")->required(),
      "model file to write (the best on valid); the last, with optimizer state, goes to "
      "NAME.last.h5")(
      "resume", po::bool_switch(&o.resume),
      "continue exactly from NAME.last.h5 (saved at each validation, and when Ctrl-C, SIGTERM or "
      "SIGHUP "
      "stops training after its current step; a second one quits at once); options not given "
      "keep the run's values (all but --max-time), and --max-steps or --max-epochs alone says "
      "where it ends");
  auto model = option_group("Model");
  model.add_options()("arch", po::value(&o.arch)->value_name("ARCH")->default_value("sasrec"),
                      "sasrec (self-attentive sequential, Kang & McAuley 2018) or acf "
                      "(attentive collaborative filtering, Chen et al. 2017)")(
      "dim", po::value(&dim)->value_name("N"), "embedding size d (default: sasrec 50, acf 64)")(
      "blocks", po::value(&blocks)->value_name("N")->default_value(Count{2}),
      "self-attention blocks")("heads", po::value(&heads)->value_name("N")->default_value(Count{1}),
                               "attention heads")(
      "max-len", po::value(&max_len)->value_name("N")->default_value(Count{200}),
      "the most recent items of a user's history the model reads (n)")(
      "attention-dim", po::value(&attention_dim)->value_name("N")->default_value(Count{64}),
      "acf: size of the item-level attention's hidden layer")(
      "dropout", po::value(&o.sasrec.dropout)->value_name("P")->default_value(0.2f, "0.2"),
      "sasrec: dropout (the paper: 0.2 for MovieLens, 0.5 for sparse Amazon data)")(
      "side-info", po::bool_switch(&o.side_info),
      "sasrec: fuse each item's id embedding with its title words and genres by attention (the "
      "multimodal variant; needs preprocess --items)")(
      "loss", po::value(&o.loss)->value_name("LOSS")->default_value("bce"),
      "sasrec: bce (one sampled negative per position, the paper's) or softmax (every item); "
      "acf always trains with BPR");
  auto training = option_group("Training");
  training.add_options()("batch-size",
                         po::value(&batch_size)->value_name("N")->default_value(Count{128}),
                         "users per step")(
      "lr", po::value(&o.lr)->value_name("LR")->default_value(1e-3f, "1e-3"), "Adam learning rate")(
      "weight-decay", po::value(&o.weight_decay)->value_name("W")->default_value(0.0f, "0"),
      "L2 weight decay")("max-epochs",
                         po::value(&max_epochs)->value_name("N")->default_value(Count{200}),
                         "stop after this many epochs (0: no limit)")(
      "max-steps", po::value(&max_steps)->value_name("N")->default_value(Count{0}),
      "stop after this many steps (0: no limit)")(
      "max-time", po::value(&o.max_minutes)->value_name("MINUTES")->default_value(0.0, "0"),
      "stop after this much training time, with a last validation (0: no limit)")(
      "valid-every", po::value(&valid_every)->value_name("EPOCHS")->default_value(Count{20}),
      "rank the valid split and save every this many epochs (0: only at the end)")(
      "valid-users", po::value(&valid_users)->value_name("N")->default_value(Count{10000}),
      "users ranked per validation (0: all)")(
      "patience", po::value(&o.patience)->value_name("N")->default_value(0),
      "stop after N validations without improvement (0: never)")(
      "seed", po::value(&seed)->value_name("N")->default_value(Count{1}),
      "seed of initialization, batches, negatives and dropout");
  po::options_description all(kHelpWidth, kHelpWidth / 2);
  all.add(what).add(model).add(training).add(common_options(common, true));
  po::variables_map values;
  if (!parse_options(args, "huiyan train --task recommend --data DATA.h5 -o MODEL.h5 [options]",
                     "Trains a recommender (SASRec or ACF) on a leave-one-out dataset; "
                     "validation ranks each valid user's held-out item against 100 sampled "
                     "negatives (NDCG@10). The same seed and --threads give the same model.",
                     all, values)) {
    return 0;
  }
  apply(common);
  if (task != "recommend") throw UsageError("--task: expected recommend, got '" + task + "'");
  const auto given = [&](const std::string& name) { return cli::given(values, name); };
  if (o.resume) {
    std::vector<StoredOption> kept = {{"arch", "arch", &o.arch},
                                      {"dim", "model.dim", &dim},
                                      {"blocks", "model.blocks", &blocks},
                                      {"heads", "model.heads", &heads},
                                      {"max-len", "model.max_length", &max_len},
                                      {"attention-dim", "model.attention_dim", &attention_dim},
                                      {"dropout", "model.dropout", &o.sasrec.dropout},
                                      {"batch-size", "batching.batch_size", &batch_size},
                                      {"seed", "batching.seed", &seed},
                                      {"lr", "training.lr", &o.lr},
                                      {"weight-decay", "training.weight_decay", &o.weight_decay},
                                      {"max-epochs", "training.max_epochs", &max_epochs},
                                      {"max-steps", "training.max_steps", &max_steps},
                                      {"valid-every", "training.valid_every", &valid_every},
                                      {"patience", "training.patience", &o.patience},
                                      {"valid-users", "training.valid_users", &valid_users}};
    // ACF's file says "bpr", which is no --loss.
    const nlohmann::json stored =
        pipeline::stored_config(pipeline::last_model_path(o.output), "recommend");
    // SASRec's own options only when the arch stays: another --arch given is refused for what it
    // is, not for these.
    if (stored.is_object() && stored.value("arch", "") == "sasrec" &&
        (!given("arch") || o.arch == "sasrec")) {
      kept.push_back({"loss", "loss", &o.loss});
      kept.push_back({"side-info", "training.side_info", &o.side_info});
      // Files from before "training" say it by their item features.
      if (!given("side-info") && !stored.contains("training")) {
        o.side_info = stored.value("model", nlohmann::json::object()).value("features", 0) > 0;
      }
    }
    const std::string note = keep_stored_options(o.output, "recommend", values, kept);
    if (!note.empty() && !common.quiet) std::cerr << "huiyan train: note: " << note << "\n";
  }
  if (o.arch != "sasrec" && o.arch != "acf")
    throw UsageError("--arch: sasrec or acf, got '" + o.arch + "'");
  o.sasrec.dim = dim.value ? static_cast<int64_t>(dim.value) : 50;
  o.acf.dim = dim.value ? static_cast<int64_t>(dim.value) : 64;
  o.acf.attention_dim = static_cast<int64_t>(attention_dim.value);
  o.acf.max_length = static_cast<int64_t>(max_len.value);
  o.sasrec.blocks = static_cast<int64_t>(blocks.value);
  o.sasrec.heads = static_cast<int64_t>(heads.value);
  o.sasrec.max_length = static_cast<int64_t>(max_len.value);
  if (o.sasrec.blocks == 0 || o.sasrec.heads == 0 || o.sasrec.max_length == 0 ||
      o.acf.attention_dim == 0)
    throw UsageError("--blocks, --heads, --max-len and --attention-dim must be > 0");
  if (!(o.sasrec.dropout >= 0 && o.sasrec.dropout < 1))
    throw UsageError("--dropout must be in [0, 1)");
  // An option of another --arch is a mistake (a forgotten --arch, say), not a no-op.
  if (o.arch != "sasrec") {
    refuse_given(values, {"blocks", "heads", "dropout", "side-info", "loss"},
                 "is for --arch sasrec; this is --arch acf");
  } else {
    refuse_given(values, {"attention-dim"}, "is for --arch acf; this is --arch sasrec");
  }
  o.batch_size = static_cast<int64_t>(batch_size.value);
  o.max_epochs = static_cast<int64_t>(max_epochs.value);
  o.max_steps = static_cast<int64_t>(max_steps.value);
  o.valid_every = static_cast<int64_t>(valid_every.value);
  o.valid.max_users = valid_users.value;
  o.valid.full = false;
  o.seed = seed.value;
  o.progress = !common.quiet;
  if (!common.quiet) o.log = [](const std::string& line) { std::cerr << line << "\n"; };
  check_model_output(o.output, {o.data});
  StopSignals signals("train");  // before training starts any thread
  o.stop_requested = [&signals] { return signals.requested(); };
  const auto summary = pipeline::train_recommend(o);
  signals.end_if_requested(summary.interrupted, summary.steps, pipeline::last_model_path(o.output));
  if (!common.quiet && !summary.nothing_to_train) {
    std::cerr << "trained " << summary.steps << " steps (through epoch " << summary.epochs
              << ") in " << summary.seconds << " s";
    if (summary.best_valid_ndcg >= 0) {
      std::cerr << "; best valid NDCG@" << o.valid.k << " (sampled) " << summary.best_valid_ndcg;
    }
    std::cerr << " -> " << o.output << "\n";
  }
  return 0;
}

}  // namespace huiyan::cli
