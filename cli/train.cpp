// huiyan train: options -> pipeline::train_translation (more tasks follow).

#include <iostream>

#include "cli/command.h"
#include "pipeline/train_translation.h"

namespace huiyan::cli {

int run_train(const std::vector<std::string>& args) {
  pipeline::TranslationTrainOptions o;
  std::string task;
  std::string arch;
  std::string preset;
  Count batch_tokens{4096}, max_length{256}, warmup{4000}, max_steps{0}, max_epochs{0},
      valid_every{1000}, seed{1};
  int64_t dim = 0, heads = 0, layers = 0, encoder_layers = 0, decoder_layers = 0, ff_dim = 0;
  bool pre_norm = false, learned_positions = false, untied = false, no_valid_bleu = false;
  CommonOptions common;

  auto what = option_group("Task and data");
  what.add_options()("task", po::value(&task)->value_name("TASK")->required(), "translate")(
      "data,d", po::value(&o.data)->value_name("FILE")->required(),
      "dataset made by huiyan tokenize build")(
      "output,o", po::value(&o.output)->value_name("FILE")->required(),
      "model file to write (the best on valid); the last, with optimizer state, goes to "
      "NAME.last.h5")("resume", po::bool_switch(&o.resume), "continue exactly from NAME.last.h5");
  auto model = option_group("Model");
  model.add_options()("arch", po::value(&arch)->value_name("ARCH")->default_value("transformer"),
                      "transformer")(
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
      "stop after N validations without improvement (0: never)")(
      "seed", po::value(&seed)->value_name("N")->default_value(Count{1}),
      "seed of initialization, batches and dropout");
  po::options_description all(kHelpWidth, kHelpWidth / 2);
  all.add(what).add(model).add(training).add(common_options(common));
  po::variables_map values;
  if (!parse_options(args, "huiyan train --task translate --data DATA.h5 -o MODEL.h5 [options]",
                     "Trains a Transformer translation model. The same seed and --threads give the "
                     "same model.",
                     all, values)) {
    return 0;
  }
  apply(common);
  if (task != "translate")
    throw UsageError("--task: only translate is built so far, got '" + task + "'");
  if (arch != "transformer")
    throw UsageError("--arch: only transformer is built so far, got '" + arch + "'");
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
  const auto summary = pipeline::train_translation(o);
  if (!common.quiet) {
    std::cerr << "trained " << summary.steps << " steps (" << summary.epochs << " epochs) in "
              << summary.seconds << " s, " << static_cast<int64_t>(summary.target_tokens_per_second)
              << " target tokens/s; best valid loss " << summary.best_valid_loss << " -> "
              << o.output << "\n";
  }
  return 0;
}

}  // namespace huiyan::cli
