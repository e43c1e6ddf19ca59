// huiyan train --task classify: options -> pipeline::train_classify.

#include "pipeline/train_classify.h"

#include <algorithm>
#include <iostream>

#include "cli/command.h"
#include "cli/stop_signals.h"
#include "pipeline/training_state.h"

namespace huiyan::cli {

int run_train_classify(const std::vector<std::string>& args) {
  pipeline::ClassifyTrainOptions o;
  nn::ClassifierConfig& m = o.model;
  std::string task;
  Count embed{128}, hidden{128}, attention_dim{100}, hops{4}, mlp{256}, layers{2}, heads{4},
      ff_dim{512}, max_tokens{512}, max_sentences{64}, batch_tokens{8192}, warmup{0},
      max_epochs{10}, max_steps{0}, valid_every{0}, seed{1};
  CommonOptions common;

  auto what = option_group("Task and data");
  what.add_options()("task", po::value(&task)->value_name("TASK")->required(), "classify")(
      "data,d", po::value(&o.data)->value_name("FILE")->required(),
      "dataset made by huiyan tokenize build --task classify (with --sentences for han)")(
      "output,o", po::value(&o.output)->value_name("FILE")->required(),
      "model file to write (the best on valid); the last, with optimizer state, goes to "
      "NAME.last.h5")(
      "resume", po::bool_switch(&o.resume),
      "continue exactly from NAME.last.h5 (saved at each validation, and when Ctrl-C, SIGTERM or "
      "SIGHUP "
      "stops training after its current step; a second one quits at once); options not given "
      "keep the run's values (all but --max-time), and --max-steps or --max-epochs alone says "
      "where it ends")(
      "init-embeddings", po::value(&o.init_embeddings)->value_name("FILE"),
      "start the token embedding from vectors of huiyan train --task embeddings (same "
      "tokenizer, --dim equal to --embed-dim)");
  auto model = option_group("Model");
  model.add_options()("arch", po::value(&m.arch)->value_name("ARCH")->default_value("selfattn"),
                      "han (hierarchical attention network, Yang et al. 2016), selfattn "
                      "(structured self-attentive embedding, Lin et al. 2017) or transformer "
                      "(encoder with attention pooling or a class token)")(
      "embed-dim", po::value(&embed)->value_name("N")->default_value(Count{128}),
      "token embedding size (transformer: the model size)")(
      "hidden", po::value(&hidden)->value_name("N")->default_value(Count{128}),
      "han, selfattn: recurrent units per direction")(
      "cell", po::value(&m.cell)->value_name("CELL")->default_value("gru"),
      "selfattn: gru or lstm")(
      "attention-dim", po::value(&attention_dim)->value_name("N")->default_value(Count{100}),
      "size of the attention's hidden layer (han's u, selfattn's d_a, transformer pooling)")(
      "hops", po::value(&hops)->value_name("R")->default_value(Count{4}),
      "selfattn: attention hops r")(
      "penalty", po::value(&m.penalty)->value_name("C")->default_value(1.0f, "1"),
      "selfattn: coefficient of the penalty ||AA^T - I||_F^2 (r > 1)")(
      "mlp", po::value(&mlp)->value_name("N")->default_value(Count{256}),
      "selfattn: hidden units of the MLP")(
      "layers", po::value(&layers)->value_name("N")->default_value(Count{2}),
      "transformer: encoder layers")("heads",
                                     po::value(&heads)->value_name("N")->default_value(Count{4}),
                                     "transformer: attention heads")(
      "ff-dim", po::value(&ff_dim)->value_name("N")->default_value(Count{512}),
      "transformer: feed-forward size")(
      "pooling", po::value(&m.pooling)->value_name("P")->default_value("attention"),
      "transformer: attention (a learned context vector) or cls (a class token)")(
      "dropout", po::value(&m.dropout)->value_name("P")->default_value(0.3f, "0.3"), "dropout")(
      "max-tokens", po::value(&max_tokens)->value_name("N")->default_value(Count{512}),
      "tokens read per document (han: per sentence); a longer document is read at its first "
      "quarter and its end")("max-sentences",
                             po::value(&max_sentences)->value_name("N")->default_value(Count{64}),
                             "han: sentences read per document");
  auto training = option_group("Training");
  training.add_options()("batch-tokens",
                         po::value(&batch_tokens)->value_name("N")->default_value(Count{8192}),
                         "tokens per batch (documents × the longest, after truncation)")(
      "lr", po::value(&o.lr)->value_name("LR")->default_value(1e-3f, "1e-3"),
      "peak Adam learning rate")("schedule",
                                 po::value(&o.schedule)->value_name("S")->default_value("linear"),
                                 "constant, linear (decay to 0 at the last step) or inverse-sqrt")(
      "warmup", po::value(&warmup)->value_name("STEPS")->default_value(Count{0}),
      "linear warm-up steps")("weight-decay",
                              po::value(&o.weight_decay)->value_name("W")->default_value(0.0f, "0"),
                              "L2 weight decay")(
      "clip-norm", po::value(&o.clip_norm)->value_name("X")->default_value(5.0f, "5"),
      "clip the gradient's global norm to X (0: no clipping)")(
      "max-epochs", po::value(&max_epochs)->value_name("N")->default_value(Count{10}),
      "stop after this many epochs (0: no limit)")(
      "max-steps", po::value(&max_steps)->value_name("N")->default_value(Count{0}),
      "stop after this many steps (0: no limit)")(
      "max-time", po::value(&o.max_minutes)->value_name("MINUTES")->default_value(0.0, "0"),
      "stop after this much training time, with a last validation (0: no limit)")(
      "valid-every", po::value(&valid_every)->value_name("STEPS")->default_value(Count{0}),
      "validate and save every this many steps (0: at the end of each epoch)")(
      "patience", po::value(&o.patience)->value_name("N")->default_value(0),
      "stop after N validations without improvement (0: never)")(
      "seed", po::value(&seed)->value_name("N")->default_value(Count{1}),
      "seed of initialization, batches and dropout");
  po::options_description all(kHelpWidth, kHelpWidth / 2);
  all.add(what).add(model).add(training).add(common_options(common, true));
  po::variables_map values;
  if (!parse_options(args, "huiyan train --task classify --data DATA.h5 --arch ARCH -o MODEL.h5",
                     "Trains a document classifier (single- or multi-label, as the dataset's "
                     "labels are). Validation reports accuracy and macro-F1 (multi-label: "
                     "micro-F1 at the threshold tuned on valid) and keeps the best model. The "
                     "same seed and --threads give the same model.",
                     all, values)) {
    return 0;
  }
  apply(common);
  if (task != "classify") throw UsageError("--task: expected classify, got '" + task + "'");
  const auto given = [&](const std::string& name) { return cli::given(values, name); };
  if (o.resume) {
    // Initial embeddings start a model; a resume goes on with the run's own weights.
    refuse_given(values, {"init-embeddings"},
                 "starts a new model; a --resume goes on with the run's weights");
    const std::string note =
        keep_stored_options(o.output, "classify", values,
                            {{"arch", "model.arch", &m.arch},
                             {"embed-dim", "model.embedding_dim", &embed},
                             {"hidden", "model.hidden", &hidden},
                             {"cell", "model.cell", &m.cell},
                             {"attention-dim", "model.attention_dim", &attention_dim},
                             {"hops", "model.hops", &hops},
                             {"penalty", "model.penalty", &m.penalty},
                             {"mlp", "model.mlp", &mlp},
                             {"layers", "model.layers", &layers},
                             {"heads", "model.heads", &heads},
                             {"ff-dim", "model.ff_dim", &ff_dim},
                             {"pooling", "model.pooling", &m.pooling},
                             {"dropout", "model.dropout", &m.dropout},
                             {"max-tokens", "model.max_tokens", &max_tokens},
                             {"max-sentences", "model.max_sentences", &max_sentences},
                             {"batch-tokens", "batching.batch_tokens", &batch_tokens},
                             {"seed", "batching.seed", &seed},
                             {"lr", "training.lr", &o.lr},
                             {"schedule", "training.schedule", &o.schedule},
                             {"warmup", "training.warmup", &warmup},
                             {"weight-decay", "training.weight_decay", &o.weight_decay},
                             {"clip-norm", "training.clip_norm", &o.clip_norm},
                             {"max-epochs", "training.max_epochs", &max_epochs},
                             {"max-steps", "training.max_steps", &max_steps},
                             {"valid-every", "training.valid_every", &valid_every},
                             {"patience", "training.patience", &o.patience}});
    if (!note.empty() && !common.quiet) std::cerr << "huiyan train: note: " << note << "\n";
  }
  if (m.arch != "han" && m.arch != "selfattn" && m.arch != "transformer")
    throw UsageError("--arch: han, selfattn or transformer, got '" + m.arch + "'");
  if (m.cell != "gru" && m.cell != "lstm") throw UsageError("--cell: gru or lstm");
  if (m.pooling != "attention" && m.pooling != "cls")
    throw UsageError("--pooling: attention or cls");
  if (!(m.dropout >= 0 && m.dropout < 1)) throw UsageError("--dropout must be in [0, 1)");
  // An option of another --arch is a mistake (a forgotten --arch, say), not a no-op.
  const std::vector<std::pair<std::string, std::vector<std::string>>> owners = {
      {"hidden", {"han", "selfattn"}}, {"cell", {"selfattn"}},      {"hops", {"selfattn"}},
      {"penalty", {"selfattn"}},       {"mlp", {"selfattn"}},       {"layers", {"transformer"}},
      {"heads", {"transformer"}},      {"ff-dim", {"transformer"}}, {"pooling", {"transformer"}},
      {"max-sentences", {"han"}}};
  for (const auto& [name, archs] : owners) {
    if (given(name) && std::find(archs.begin(), archs.end(), m.arch) == archs.end()) {
      throw UsageError("--" + name + " is for --arch " + archs.front() +
                       (archs.size() > 1 ? " or " + archs.back() : "") + "; this is --arch " +
                       m.arch);
    }
  }
  if (given("attention-dim") && m.arch == "transformer" && m.pooling == "cls") {
    throw UsageError("--attention-dim is for --pooling attention; --pooling cls has no attention");
  }
  for (const Count* c : {&embed, &hidden, &attention_dim, &hops, &mlp, &layers, &heads, &ff_dim,
                         &max_tokens, &max_sentences, &batch_tokens}) {
    if (c->value == 0) throw UsageError("model sizes, --max-tokens and --batch-tokens must be > 0");
  }
  m.embedding_dim = static_cast<int64_t>(embed.value);
  if (m.arch == "transformer" && m.embedding_dim % static_cast<int64_t>(heads.value) != 0)
    throw UsageError("--heads must divide --embed-dim");
  m.hidden = static_cast<int64_t>(hidden.value);
  m.attention_dim = static_cast<int64_t>(attention_dim.value);
  m.hops = static_cast<int64_t>(hops.value);
  m.mlp = static_cast<int64_t>(mlp.value);
  m.layers = static_cast<int64_t>(layers.value);
  m.heads = static_cast<int64_t>(heads.value);
  m.ff_dim = static_cast<int64_t>(ff_dim.value);
  m.max_tokens = static_cast<int64_t>(max_tokens.value);
  m.max_sentences = static_cast<int64_t>(max_sentences.value);
  o.batch_tokens = static_cast<int64_t>(batch_tokens.value);
  o.warmup = static_cast<int64_t>(warmup.value);
  o.max_epochs = static_cast<int64_t>(max_epochs.value);
  o.max_steps = static_cast<int64_t>(max_steps.value);
  o.valid_every = static_cast<int64_t>(valid_every.value);
  o.seed = seed.value;
  o.progress = !common.quiet;
  if (!common.quiet) o.log = [](const std::string& line) { std::cerr << line << "\n"; };
  check_model_output(o.output, o.init_embeddings.empty()
                                   ? std::vector<std::string>{o.data}
                                   : std::vector<std::string>{o.data, o.init_embeddings});
  StopSignals signals("train");  // before training starts any thread
  o.stop_requested = [&signals] { return signals.requested(); };
  const auto summary = pipeline::train_classify(o);
  signals.end_if_requested(summary.interrupted, summary.steps, pipeline::last_model_path(o.output));
  if (!common.quiet && !summary.nothing_to_train) {
    std::cerr << "trained " << summary.steps << " steps (through epoch " << summary.epochs
              << ") in " << summary.seconds << " s, "
              << static_cast<int64_t>(summary.tokens_per_second) << " tokens/s";
    if (summary.best_valid_score >= 0)
      std::cerr << "; best valid accuracy " << summary.best_valid_accuracy;
    std::cerr << " -> " << o.output << "\n";
  }
  return 0;
}

}  // namespace huiyan::cli
