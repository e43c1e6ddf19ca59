// huiyan train: options -> pipeline::train_translation; --task recommend goes to
// train_recommend.cpp, --task classify to train_classify.cpp, --task embeddings to
// train_embeddings.cpp.

#include <algorithm>
#include <iostream>

#include "cli/command.h"
#include "cli/stop_signals.h"
#include "pipeline/train_translation.h"
#include "pipeline/training_state.h"

namespace huiyan::cli {

namespace {

// The model config the run at `last` stored, or null when the file holds none a translation
// trainer wrote (the trainer then reports what is wrong with it).
nlohmann::json stored_model(const std::string& last) {
  const nlohmann::json stored = pipeline::stored_config(last, "translate");
  if (!stored.is_object() || !stored.contains("model") || !stored["model"].is_object()) {
    return nullptr;
  }
  nlohmann::json model = stored["model"];
  model["arch"] = stored.value("arch", "");
  return model;
}

// A resume with --preset keeps the run's sizes only if the preset has them: a difference is
// named as the preset's (a size given as its own option is compared by the trainer).
void check_resume_preset(const pipeline::TranslationTrainOptions& o,
                         const po::variables_map& values, const std::string& preset) {
  const std::string last = pipeline::last_model_path(o.output);
  const nlohmann::json model = stored_model(last);
  if (model.is_null() || model["arch"] != "transformer") return;
  const bool layers = given(values, "layers");
  const struct {
    const char* option;
    const char* key;
    int64_t value;
    bool set_by_preset;
  } sizes[] = {
      {"dim", "dim", o.model.dim, !given(values, "dim")},
      {"heads", "heads", o.model.heads, !given(values, "heads")},
      {"ff-dim", "ff_dim", o.model.ff_dim, !given(values, "ff-dim")},
      {"encoder-layers", "encoder_layers", o.model.encoder_layers,
       !layers && !given(values, "encoder-layers")},
      {"decoder-layers", "decoder_layers", o.model.decoder_layers,
       !layers && !given(values, "decoder-layers")},
  };
  for (const auto& size : sizes) {
    const auto& trained = model.value(size.key, nlohmann::json());
    if (!size.set_by_preset || !trained.is_number_integer() ||
        trained.get<int64_t>() == size.value) {
      continue;
    }
    throw UsageError("--preset " + preset + " has --" + size.option + " " +
                     std::to_string(size.value) + ", but " + last + " was trained with --" +
                     size.option + " " + std::to_string(trained.get<int64_t>()) +
                     "; resume without --preset to keep the run's sizes");
  }
}

// --layers sets both stacks: a resume whose run has others is told so in the option given (the
// trainer would name --encoder-layers or --decoder-layers, which the user did not give).
void check_resume_layers(const std::string& output, const po::variables_map& values,
                         int64_t layers) {
  if (given(values, "encoder-layers") || given(values, "decoder-layers")) return;
  const std::string last = pipeline::last_model_path(output);
  const nlohmann::json model = stored_model(last);
  if (model.is_null()) return;
  const auto encoder = model.value("encoder_layers", nlohmann::json());
  const auto decoder = model.value("decoder_layers", nlohmann::json());
  if (!encoder.is_number_integer() || !decoder.is_number_integer() ||
      (encoder.get<int64_t>() == layers && decoder.get<int64_t>() == layers)) {
    return;
  }
  throw UsageError("--layers " + std::to_string(layers) + ", but " + last +
                   " was trained with --encoder-layers " + std::to_string(encoder.get<int64_t>()) +
                   " --decoder-layers " + std::to_string(decoder.get<int64_t>()) +
                   "; resume without --layers to keep them");
}

}  // namespace

int run_train(const std::vector<std::string>& args) {
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--task=recommend" ||
        (args[i] == "--task" && i + 1 < args.size() && args[i + 1] == "recommend")) {
      return run_train_recommend(args);
    }
    if (args[i] == "--task=embeddings" ||
        (args[i] == "--task" && i + 1 < args.size() && args[i + 1] == "embeddings")) {
      return run_train_embeddings(args);
    }
    if (args[i] == "--task=classify" ||
        (args[i] == "--task" && i + 1 < args.size() && args[i + 1] == "classify")) {
      return run_train_classify(args);
    }
  }
  pipeline::TranslationTrainOptions o;
  std::string task;
  std::string arch;
  std::string preset;
  Count batch_tokens{4096}, max_length{256}, warmup{4000}, max_steps{0}, max_epochs{0},
      valid_every{1000}, seed{1};
  int64_t dim = 0, heads = 0, layers = 0, encoder_layers = 0, decoder_layers = 0, ff_dim = 0;
  bool pre_norm = false, learned_positions = false, untied = false, no_valid_bleu = false;
  std::string attention = "bahdanau", scope = "global", cell = "gru";
  int64_t embed_dim = 0, hidden = 0, window = 10;
  bool no_input_feeding = false, hard_attention = false;
  CommonOptions common;

  auto what = option_group("Task and data");
  what.add_options()("task", po::value(&task)->value_name("TASK")->required(),
                     "translate (see huiyan train --task classify|embeddings|recommend --help)")(
      "data,d", po::value(&o.data)->value_name("FILE")->required(),
      "dataset made by huiyan tokenize build")(
      "output,o", po::value(&o.output)->value_name("FILE")->required(),
      "model file to write (the best on valid); the last, with optimizer state, goes to "
      "NAME.last.h5")(
      "resume", po::bool_switch(&o.resume),
      "continue exactly from NAME.last.h5 (saved at each validation, and when Ctrl-C, SIGTERM or "
      "SIGHUP "
      "stops training after its current step; a second one quits at once); options not given "
      "keep the run's values (all but --max-time and --no-valid-bleu), and --max-steps or "
      "--max-epochs alone says where it ends");
  auto model = option_group("Model");
  model.add_options()("arch", po::value(&arch)->value_name("ARCH")->default_value("transformer"),
                      "transformer, or rnn (bidirectional RNN encoder, RNN decoder with "
                      "attention)")(
      "preset", po::value(&preset)->value_name("NAME")->default_value("small"),
      "small (d 256, 3+3 layers, 4 heads, ff 1024) or base (d 512, 6+6, 8 heads, ff 2048)")(
      "dim", po::value(&dim)->value_name("N"), "model dimension (overrides the preset)")(
      "heads", po::value(&heads)->value_name("N"), "attention heads")(
      "layers", po::value(&layers)->value_name("N"), "encoder and decoder layers")(
      "encoder-layers", po::value(&encoder_layers)->value_name("N"), "encoder layers")(
      "decoder-layers", po::value(&decoder_layers)->value_name("N"), "decoder layers")(
      "ff-dim", po::value(&ff_dim)->value_name("N"), "feed-forward inner size")(
      "dropout", po::value(&o.model.dropout)->value_name("P")->default_value(0.1f, "0.1"),
      "dropout")("attention-dropout",
                 po::value(&o.model.attention_dropout)->value_name("P")->default_value(0.0f, "0"),
                 "dropout on attention weights")(
      "pre-norm", po::bool_switch(&pre_norm), "layer norm before each sublayer (default: after)")(
      "learned-positions", po::bool_switch(&learned_positions),
      "learned instead of sinusoidal positions")(
      "untied-output", po::bool_switch(&untied),
      "an output projection of its own, not the target embedding");
  auto rnn = option_group(
      "RNN model (--arch rnn; --dropout, --layers, --encoder-layers, "
      "--decoder-layers and --untied-output apply too)");
  rnn.add_options()("attention",
                    po::value(&attention)->value_name("KIND")->default_value("bahdanau"),
                    "bahdanau, luong-dot, luong-general or luong-concat")(
      "attention-scope", po::value(&scope)->value_name("SCOPE")->default_value("global"),
      "global, or local (Luong's local-p)")(
      "window", po::value(&window)->value_name("D")->default_value(10),
      "local-p window half-width D")("no-input-feeding", po::bool_switch(&no_input_feeding),
                                     "Luong without feeding h̃ back into the next step")(
      "hard-attention", po::bool_switch(&hard_attention),
      "one sampled source position per step, trained by REINFORCE (Xu et al. 2015)")(
      "cell", po::value(&cell)->value_name("CELL")->default_value("gru"), "gru or lstm")(
      "embed-dim", po::value(&embed_dim)->value_name("N"), "embedding size (default 256)")(
      "hidden", po::value(&hidden)->value_name("N"),
      "decoder state size; each encoder direction has half (default 512)");
  auto training = option_group("Training");
  training.add_options()("batch-tokens",
                         po::value(&batch_tokens)->value_name("N")->default_value(Count{4096}),
                         "tokens per batch (batch size × longest side)")(
      "accumulate", po::value(&o.accumulate)->value_name("N")->default_value(1),
      "batches per optimizer step")(
      "max-length", po::value(&max_length)->value_name("N")->default_value(Count{256}),
      "skip longer training pairs")(
      "lr", po::value(&o.lr)->value_name("LR")->default_value(5e-4f, "5e-4"), "peak learning rate")(
      "warmup", po::value(&warmup)->value_name("STEPS")->default_value(Count{4000}),
      "warm-up steps")("schedule",
                       po::value(&o.schedule)->value_name("NAME")->default_value("inverse-sqrt"),
                       "inverse-sqrt, linear or constant")(
      "label-smoothing", po::value(&o.label_smoothing)->value_name("E")->default_value(0.1f, "0.1"),
      "label smoothing")("weight-decay",
                         po::value(&o.weight_decay)->value_name("W")->default_value(0.0f, "0"),
                         "L2 weight decay")(
      "clip-norm", po::value(&o.clip_norm)->value_name("N")->default_value(0.0f, "0"),
      "clip gradients to this global norm (0: off)")(
      "max-steps", po::value(&max_steps)->value_name("N")->default_value(Count{0}),
      "stop after this many steps (0: no limit)")(
      "max-epochs", po::value(&max_epochs)->value_name("N")->default_value(Count{0}),
      "stop after this many epochs (0: no limit)")(
      "valid-every", po::value(&valid_every)->value_name("STEPS")->default_value(Count{1000}),
      "validate and save every this many steps (0: each epoch)")(
      "max-time", po::value(&o.max_minutes)->value_name("MINUTES")->default_value(0.0, "0"),
      "stop after this much training time, with a last validation (0: no limit)")(
      "no-valid-bleu", po::bool_switch(&no_valid_bleu), "skip decoding the valid split for BLEU")(
      "valid-beam", po::value(&o.valid_beam)->value_name("N")->default_value(1),
      "beam for the valid BLEU (1: greedy, fast)")(
      "patience", po::value(&o.patience)->value_name("N")->default_value(0),
      ("stop after N validations without a better valid loss (0: never, or " +
       std::to_string(pipeline::kDefaultPatience) +
       " when no --max-steps, --max-epochs or --max-time is given)")
          .c_str())(
      "keep-checkpoints", po::value(&o.keep_checkpoints)->value_name("K")->default_value(0),
      "also keep the last K validated models as NAME.step<N>.h5, for huiyan average (0: none)")(
      "seed", po::value(&seed)->value_name("N")->default_value(Count{1}),
      "seed of initialization, batches and dropout");
  po::options_description all(kHelpWidth, kHelpWidth / 2);
  all.add(what).add(model).add(rnn).add(training).add(common_options(common, true));
  po::variables_map values;
  if (!parse_options(
          args, "huiyan train --task translate --data DATA.h5 -o MODEL.h5 [options]",
          "Trains a translation model: a Transformer, or an RNN encoder-decoder with "
          "Bahdanau or Luong attention. The same seed and --threads give the same model.",
          all, values)) {
    return 0;
  }
  apply(common);
  if (o.keep_checkpoints < 0) throw UsageError("--keep-checkpoints must be >= 0");
  if (task != "translate")
    throw UsageError("--task: translate, classify, recommend or embeddings, got '" + task + "'");
  const auto given = [&](const std::string& name) { return cli::given(values, name); };
  if (o.resume) {
    std::vector<StoredOption> kept = {
        {"arch", "arch", &arch},
        {"batch-tokens", "batching.batch_tokens", &batch_tokens},
        {"max-length", "batching.max_length", &max_length},
        {"seed", "batching.seed", &seed},
        {"accumulate", "training.accumulate", &o.accumulate},
        {"lr", "training.lr", &o.lr},
        {"warmup", "training.warmup", &warmup},
        {"schedule", "training.schedule", &o.schedule},
        {"label-smoothing", "training.label_smoothing", &o.label_smoothing},
        {"weight-decay", "training.weight_decay", &o.weight_decay},
        {"clip-norm", "training.clip_norm", &o.clip_norm},
        {"max-steps", "training.max_steps", &max_steps},
        {"max-epochs", "training.max_epochs", &max_epochs},
        {"valid-every", "training.valid_every", &valid_every},
        {"patience", "training.patience", &o.patience},
        {"valid-beam", "training.valid_beam", &o.valid_beam},
        {"keep-checkpoints", "training.keep_checkpoints", &o.keep_checkpoints},
        {"dropout", "model.dropout", &o.model.dropout},
        {"attention-dropout", "model.attention_dropout", &o.model.attention_dropout},
        {"pre-norm", "model.pre_norm", &pre_norm},
        {"learned-positions", "model.learned_positions", &learned_positions},
        {"untied-output", "!model.tie_output", &untied},
        {"attention", "model.attention", &attention},
        {"attention-scope", "model.attention_scope", &scope},
        {"window", "model.window", &window},
        {"no-input-feeding", "!model.input_feeding", &no_input_feeding},
        {"hard-attention", "model.hard_attention", &hard_attention},
        {"cell", "model.cell", &cell},
        {"embed-dim", "model.embed_dim", &embed_dim},
        {"hidden", "model.hidden", &hidden}};
    // Sizes a given --preset or --layers sets are not taken over it.
    if (!given("preset")) {
      kept.insert(kept.end(), {{"dim", "model.dim", &dim},
                               {"heads", "model.heads", &heads},
                               {"ff-dim", "model.ff_dim", &ff_dim}});
    }
    if (!given("preset") && !given("layers")) {
      kept.insert(kept.end(), {{"encoder-layers", "model.encoder_layers", &encoder_layers},
                               {"decoder-layers", "model.decoder_layers", &decoder_layers}});
    }
    const std::string note = keep_stored_options(o.output, "translate", values, kept);
    if (!note.empty() && !common.quiet) std::cerr << "huiyan train: note: " << note << "\n";
  }
  if (arch != "transformer" && arch != "rnn")
    throw UsageError("--arch: transformer or rnn, got '" + arch + "'");
  o.arch = arch;
  // Sizes given are used as given: 0 used to fall back to the preset and -1 to make no layers.
  for (const char* name : {"dim", "heads", "layers", "encoder-layers", "decoder-layers", "ff-dim",
                           "embed-dim", "hidden"}) {
    if (values.count(name) && values[name].as<int64_t>() <= 0) {
      throw UsageError(std::string("--") + name + " must be > 0");
    }
  }
  for (const auto& [name, p] : {std::pair{"dropout", o.model.dropout},
                                std::pair{"attention-dropout", o.model.attention_dropout}}) {
    if (!(p >= 0 && p < 1)) throw UsageError(std::string("--") + name + " must be in [0, 1)");
  }
  if (o.patience < 0) throw UsageError("--patience must be >= 0");
  if (o.valid_beam < 1 || o.valid_beam > 1000) {  // as translate's --beam
    throw UsageError("--valid-beam must be between 1 (greedy) and 1000");
  }
  if (!(o.clip_norm >= 0)) throw UsageError("--clip-norm must be >= 0 (0: off)");
  if (!(o.max_minutes >= 0)) throw UsageError("--max-time must be >= 0 (0: no limit)");
  // An option of the other architecture is a mistake (a forgotten --arch rnn, say), not a no-op.
  const auto refuse = [&](std::initializer_list<const char*> names, const std::string& owner) {
    refuse_given(
        values, names,
        "is for --arch " + owner + "; this is --arch " + arch +
            (given("arch") || o.resume ? "" : " (the default; give --arch " + owner + ")"));
  };
  if (arch == "rnn") {
    refuse(
        {"preset", "dim", "heads", "ff-dim", "attention-dropout", "pre-norm", "learned-positions"},
        "transformer");
  } else {
    refuse({"attention", "attention-scope", "window", "no-input-feeding", "hard-attention", "cell",
            "embed-dim", "hidden"},
           "rnn");
  }
  if (arch == "rnn") {
    nn::RnnSeq2SeqConfig& r = o.rnn;
    if (cell != "gru" && cell != "lstm")
      throw UsageError("--cell: gru or lstm, got '" + cell + "'");
    r.cell = cell == "lstm" ? nn::kernels::Cell::lstm : nn::kernels::Cell::gru;
    r.attention = nn::rnn_attention_from(attention);
    if (scope != "global" && scope != "local")
      throw UsageError("--attention-scope: global or local, got '" + scope + "'");
    r.local = scope == "local";
    if (r.local && r.attention == nn::RnnAttention::bahdanau)
      throw UsageError("--attention-scope local is Luong's: give --attention luong-*");
    if (!r.local && given("window")) {
      throw UsageError("--window is for --attention-scope local (global attention has no window)");
    }
    if (r.attention == nn::RnnAttention::bahdanau && given("no-input-feeding")) {
      throw UsageError(
          "--no-input-feeding is for --attention luong-* (Bahdanau's decoder feeds "
          "no attentional state back)");
    }
    if (window <= 0) throw UsageError("--window must be > 0");
    r.window = window;
    r.input_feeding = !no_input_feeding;
    r.hard_attention = hard_attention;
    r.dropout = o.model.dropout;
    if (embed_dim) r.embed_dim = embed_dim;
    if (hidden) r.hidden = hidden;
    if (r.hidden % 2 != 0) throw UsageError("--hidden must be even (two encoder directions)");
    if (layers) r.encoder_layers = r.decoder_layers = layers;
    if (encoder_layers) r.encoder_layers = encoder_layers;
    if (decoder_layers) r.decoder_layers = decoder_layers;
    r.tie_output = !untied;
  }
  const nn::TransformerConfig base = nn::TransformerConfig::preset(preset);
  const float dropout = o.model.dropout, attention_dropout = o.model.attention_dropout;
  o.model = base;
  o.model.dropout = dropout;
  o.model.attention_dropout = attention_dropout;
  if (dim) o.model.dim = dim;
  if (heads) o.model.heads = heads;
  if (layers) o.model.encoder_layers = o.model.decoder_layers = layers;
  if (encoder_layers) o.model.encoder_layers = encoder_layers;
  if (decoder_layers) o.model.decoder_layers = decoder_layers;
  if (ff_dim) o.model.ff_dim = ff_dim;
  o.model.pre_norm = pre_norm;
  o.model.learned_positions = learned_positions;
  o.model.tie_output = !untied;
  if (o.resume && arch == "transformer" && given("preset")) check_resume_preset(o, values, preset);
  if (o.resume && given("layers")) check_resume_layers(o.output, values, layers);
  o.batch_tokens = static_cast<int64_t>(batch_tokens.value);
  o.max_length = static_cast<int64_t>(max_length.value);
  o.warmup = static_cast<int64_t>(warmup.value);
  o.max_steps = static_cast<int64_t>(max_steps.value);
  o.max_epochs = static_cast<int64_t>(max_epochs.value);
  o.valid_every = static_cast<int64_t>(valid_every.value);
  o.seed = seed.value;
  o.valid_bleu = !no_valid_bleu;
  o.progress = !common.quiet;
  if (!common.quiet) o.log = [](const std::string& line) { std::cerr << line << "\n"; };
  check_model_output(
      o.output, {o.data},
      o.keep_checkpoints > 0 ? WrittenBeside::state_and_checkpoints : WrittenBeside::state);
  StopSignals signals("train");  // before training starts any thread
  o.stop_requested = [&signals] { return signals.requested(); };
  const auto summary = pipeline::train_translation(o);
  signals.end_if_requested(summary.interrupted, summary.steps, pipeline::last_model_path(o.output));
  if (!common.quiet && !summary.nothing_to_train) {
    std::cerr << "trained " << summary.steps << " steps (through epoch " << summary.epochs
              << ") in " << summary.seconds << " s, "
              << static_cast<int64_t>(summary.target_tokens_per_second) << " target tokens/s; "
              << (summary.best_valid_loss >= 0
                      ? "best valid loss " + std::to_string(summary.best_valid_loss)
                      : std::string("no valid split, the last model"))
              << " -> " << o.output << "\n";
  }
  return 0;
}

}  // namespace huiyan::cli
