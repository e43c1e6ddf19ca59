#include "pipeline/train_translation.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <optional>
#include <random>
#include <stdexcept>

#include "io/atomic_file.h"
#include "io/dataset.h"
#include "io/error.h"
#include "nn/optimizer.h"
#include "nn/schedule.h"
#include "pipeline/batching.h"
#include "pipeline/bleu.h"
#include "pipeline/fixed.h"
#include "pipeline/model_file.h"
#include "pipeline/token_ids.h"
#include "pipeline/training_progress.h"
#include "pipeline/training_state.h"
#include "pipeline/translate.h"
#include "pipeline/translation_model.h"

namespace huiyan::pipeline {

namespace {

constexpr int32_t kBos = 2;
constexpr int32_t kEos = 3;

// The longest sequence the model can take: with learned positions, as many as it has positions
// (one of them for the target's bos); sinusoidal positions and RNNs have no such limit.
int64_t longest_pair(const TranslationTrainOptions& o) {
  return o.arch == "transformer" && o.model.learned_positions ? o.model.max_positions - 1
                                                              : INT64_MAX;
}

// Mean per-token cross-entropy (no smoothing) of the split's pairs up to `longest` tokens, under
// NoGrad.
double validation_loss(nn::Seq2Seq& model, const io::DatasetSplit& split, int64_t batch_tokens,
                       int64_t longest) {
  nn::Graph graph;
  nn::NoGrad no_grad(graph);
  model.train(false);
  double total = 0;
  int64_t tokens = 0;
  for (const auto& examples : token_batches(split.src, *split.tgt, batch_tokens, longest, 1)) {
    const Seq2SeqBatch batch = make_batch(graph, split.src, *split.tgt, examples, kBos, kEos);
    const nn::Tensor memory = model.encode(batch.src, batch.src_lengths);
    const nn::Tensor logits = model.decode(batch.tgt_in, memory, batch.src_lengths);
    const nn::Tensor loss = nn::cross_entropy(
        nn::reshape(logits, {batch.tgt_out.numel(), logits.shape()[-1]}), batch.tgt_out, 0, -1);
    total += static_cast<double>(loss.item()) * static_cast<double>(batch.target_tokens);
    tokens += batch.target_tokens;
    graph.reset();
  }
  model.train(true);
  return tokens > 0 ? total / static_cast<double>(tokens) : 0.0;
}

// A fresh run's name for its files: checkpoints beside one another under the same -o may come from
// several runs, and only those of one run are its checkpoints to prune or to average.
std::string new_run_id() {
  std::random_device entropy;
  const uint64_t id = (uint64_t{entropy()} << 32) ^ entropy();
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex(16, '0');
  for (int i = 0; i < 16; ++i) hex[static_cast<size_t>(i)] = kHex[(id >> (60 - 4 * i)) & 15];
  return hex;
}

// The run a model file says it came from ("" for files from before runs were named), or nothing
// when it cannot be read as a model file.
std::optional<std::string> run_of(const std::string& path) {
  try {
    const auto config = nlohmann::json::parse(read_model_header(path).config_json);
    return config.value("run", std::string());
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace

RunCheckpoints latest_run_checkpoints(const std::string& output) {
  const std::vector<std::string> all = checkpoint_paths(output);
  const std::string last = last_model_path(output);
  std::optional<std::string> run = std::filesystem::exists(last) ? run_of(last) : std::nullopt;
  if (!run) {
    // The newest file tells the latest run (the highest step may be an earlier, longer run's).
    std::filesystem::file_time_type newest = std::filesystem::file_time_type::min();
    for (const auto& path : all) {
      std::error_code error;
      const auto written = std::filesystem::last_write_time(path, error);
      if (error || written < newest) continue;
      if (auto its_run = run_of(path)) {
        run = std::move(its_run);
        newest = written;
      }
    }
  }
  RunCheckpoints found;
  for (const auto& path : all) {
    if (run && run_of(path) == run) {
      found.paths.push_back(path);
    } else {
      ++found.others;
    }
  }
  return found;
}

TranslationTrainSummary train_translation(const TranslationTrainOptions& o) {
  if (o.accumulate < 1) throw std::invalid_argument("--accumulate must be >= 1");
  const io::Dataset dataset = io::read_dataset(o.data);
  if (dataset.task != "translate") {
    throw io::DataError(o.data + ": a '" + dataset.task + "' dataset, not a translation dataset");
  }
  const io::DatasetSplit* train = dataset.split("train");
  if (train == nullptr || !train->tgt) throw io::DataError(o.data + ": /train: not found");
  const io::DatasetSplit* valid = dataset.split("valid");
  // An empty valid split (a small corpus split by fraction) measures nothing: none at all.
  if (valid != nullptr && valid->src.size() == 0) valid = nullptr;
  // Training without a limit ends as Marian's does by default: at a run of validations without a
  // better loss. Without a valid split nothing would end it.
  int patience = o.patience;
  if (o.max_steps <= 0 && o.max_epochs <= 0 && o.max_minutes <= 0) {
    if (valid == nullptr) {
      throw std::invalid_argument(
          "give --max-steps, --max-epochs or --max-time: " + o.data +
          " has no valid split, so early stopping (--patience) cannot end training");
    }
    if (patience <= 0) patience = kDefaultPatience;
  }
  const SubwordModel src_tokenizer =
      SubwordModel::from_bytes(dataset.src_tokenizer, o.data + ": /tokenizer/src");
  const SubwordModel tgt_tokenizer =
      SubwordModel::from_bytes(dataset.tgt_tokenizer, o.data + ": /tokenizer/tgt");
  check_token_ids(o.data, dataset, src_tokenizer.vocab_size(), tgt_tokenizer.vocab_size());

  // The vocabularies and the embedding sharing come from the dataset, whatever the architecture.
  const auto sized = [&](auto config) {
    config.src_vocab = src_tokenizer.vocab_size();
    config.tgt_vocab = tgt_tokenizer.vocab_size();
    config.share_embeddings = dataset.joint_tokenizer;
    config.pad_id = 0;
    return to_json(config);
  };
  if (o.arch != "transformer" && o.arch != "rnn")
    throw std::invalid_argument("--arch: transformer or rnn, got '" + o.arch + "'");
  const nlohmann::json model_json = o.arch == "rnn" ? sized(o.rnn) : sized(o.model);
  nlohmann::json file_config = {
      {"task", "translate"},
      {"arch", o.arch},
      {"model", model_json},
      {"data", o.data},
      {"special_ids", {{"pad", 0}, {"unk", 1}, {"bos", kBos}, {"eos", kEos}}},
      {"batching",
       {{"batch_tokens", o.batch_tokens}, {"max_length", o.max_length}, {"seed", o.seed}}},
      // What a resume takes for the options it is not given.
      {"training",
       {{"accumulate", o.accumulate},
        {"lr", o.lr},
        {"warmup", o.warmup},
        {"schedule", o.schedule},
        {"label_smoothing", o.label_smoothing},
        {"weight_decay", o.weight_decay},
        {"clip_norm", o.clip_norm},
        {"max_steps", o.max_steps},
        {"max_epochs", o.max_epochs},
        {"valid_every", o.valid_every},
        {"patience", patience},
        {"valid_bleu", o.valid_bleu},
        {"valid_beam", o.valid_beam},
        {"keep_checkpoints", o.keep_checkpoints}}}};

  const std::unique_ptr<nn::Seq2Seq> model_owner =
      make_translation_model(file_config, nn::Random(o.seed));
  nn::Seq2Seq& model = *model_owner;
  // Settings that would fail only later, at a validation or on a long batch, fail now.
  if (o.max_length > longest_pair(o)) {
    throw std::invalid_argument("--max-length " + std::to_string(o.max_length) +
                                ": the model has " + std::to_string(o.model.max_positions) +
                                " learned positions, so at most " +
                                std::to_string(longest_pair(o)));
  }
  if (o.valid_beam < 1 || o.valid_beam > 1000) {  // as translate's --beam
    throw std::invalid_argument("--valid-beam must be between 1 (greedy) and 1000");
  }
  model.train(true);
  nn::Adam adam(model.parameters(), 0.9f, 0.98f, 1e-9f, o.weight_decay);
  if (o.schedule == "linear" && o.max_steps <= 0) {
    throw std::invalid_argument(
        std::string("--schedule linear needs --max-steps (it decays to 0 there)") +
        (o.resume ? "; a resume keeps the run's schedule: give --max-steps, or another --schedule"
                  : ""));
  }
  const auto schedule = nn::make_schedule(o.schedule, o.lr, o.warmup, o.max_steps);

  TrainingCursor cursor;
  cursor.best = INFINITY;  // the best validation loss so far
  auto& [step, epoch, batch_in_epoch, best_valid, stale, loss_sum, loss_count, validated_step] =
      cursor;
  const std::string last_path = last_model_path(o.output);
  if (o.resume) {
    check_resumes_same_model(last_path, file_config,
                             {{"src", dataset.src_tokenizer}, {"tgt", dataset.tgt_tokenizer}});
    cursor = cursor_from(resume_training_state(last_path, model, adam), last_path);
  }
  if (!o.resume) {
    file_config["run"] = new_run_id();
  } else if (const auto run = run_of(last_path); run && !run->empty()) {
    file_config["run"] = *run;
  }

  const auto save = [&](const std::string& path, bool with_state) {
    ModelFile file;
    file.config_json = file_config.dump();
    file.tokenizers = {{"src", dataset.src_tokenizer}, {"tgt", dataset.tgt_tokenizer}};
    add_training_state(file, model, with_state ? &adam : nullptr, cursor_counters(cursor));
    save_model(path, file);
  };
  const auto say = [&](const std::string& line) {
    if (o.log) o.log(line);
  };
  if (patience != o.patience) {
    say("no --max-steps, --max-epochs or --max-time: training stops after " +
        std::to_string(patience) + " validations without a better valid loss (--patience)");
  }

  TranslationTrainSummary summary;
  int64_t tokens_seen = 0;
  TrainingProgress progress(cursor, {o.max_steps, o.max_epochs, o.max_minutes, o.accumulate}, "tok",
                            o.progress, o.log);
  nn::Graph graph;
  bool stop = false;
  // The valid split's sources and reference texts, read once. A pair without a reference text
  // is found now, not at the first validation after training steps.
  std::vector<std::vector<int32_t>> valid_sources;
  std::vector<std::string> references;
  if (valid != nullptr && o.valid_bleu) {
    valid_sources.resize(valid->src.size());
    references.resize(valid->src.size());
    for (size_t i = 0; i < valid_sources.size(); ++i) {
      const auto src = valid->src[i];
      const auto n = std::min<size_t>(src.size(), static_cast<size_t>(model.max_length()));
      valid_sources[i].assign(src.begin(), src.begin() + static_cast<int64_t>(n));
      const auto ref = (*valid->tgt)[i];
      references[i] = tgt_tokenizer.decode_ids(std::vector<int>(ref.begin(), ref.end()));
      if (references[i].empty()) {
        throw io::DataError(o.data + ": /valid: pair " + std::to_string(i + 1) +
                            " has an empty target, and BLEU needs a reference (preprocess drops "
                            "such pairs; or train with --no-valid-bleu)");
      }
    }
  }
  const auto valid_bleu = [&]() -> double {
    const auto& sources = valid_sources;
    TranslateOptions decode;
    decode.beam = o.valid_beam;
    decode.n_best = 1;
    decode.batch_sentences = 64;
    model.train(false);
    const auto hypotheses = translate_ids(model, sources, decode);
    model.train(true);
    std::vector<std::string> outputs;
    for (const auto& h : hypotheses) {
      outputs.push_back(h.empty() ? "" : tgt_tokenizer.decode_ids(h[0].tokens));
    }
    return corpus_bleu(outputs, {references}).score;
  };
  const auto validate = [&] {
    // Before the state is saved: a resume starts a new sum, and does not validate this step again.
    summary.last_train_loss = loss_sum / std::max<int64_t>(1, loss_count);
    loss_sum = 0;
    loss_count = 0;
    validated_step = step;
    const double loss =
        valid ? validation_loss(model, *valid, o.batch_tokens, longest_pair(o)) : 0.0;
    const bool with_bleu = valid && o.valid_bleu;
    if (with_bleu) summary.last_valid_bleu = valid_bleu();
    const bool better = valid == nullptr || loss < best_valid;
    if (better) {
      if (valid) best_valid = loss;  // without a valid split the best stays unmeasured
      stale = 0;
      save(o.output, false);
    } else {
      ++stale;
    }
    // The checkpoint before the run's state: a stop while writing it leaves NAME.last.h5 at the
    // step before, so the resume writes it again instead of going on without it.
    if (o.keep_checkpoints > 0) save(checkpoint_path(o.output, step), false);
    save(last_path, true);
    if (o.keep_checkpoints > 0) {
      // Only this run's older checkpoints go: another run's stay (unless this run saved over
      // them at the same step).
      std::vector<std::string> kept = latest_run_checkpoints(o.output).paths;
      const std::string current = checkpoint_path(o.output, step);
      const auto newest = std::find(kept.begin(), kept.end(), current);
      const auto keep_from =
          newest - std::min<std::ptrdiff_t>(o.keep_checkpoints - 1, newest - kept.begin());
      for (auto it = kept.begin(); it != keep_from; ++it) std::filesystem::remove(*it);
      // A checkpoint whose writing was killed leaves a temporary file under a name no later write
      // reuses: it goes here.
      io::remove_abandoned_temporaries(checkpoint_prefix(o.output));
    }
    progress.finish();
    say("step " + std::to_string(step) + " epoch " + std::to_string(cursor.epoch_of_last_step()) +
        " loss " + fixed(summary.last_train_loss, 4) +
        (valid ? " valid loss " + fixed(loss, 4) + " ppl " + fixed(std::exp(loss), 2) : "") +
        (with_bleu ? " bleu " + fixed(summary.last_valid_bleu, 2) : "") +
        (valid ? (better ? " (best, saved)" : "") : " (saved)"));
    if (patience > 0 && stale >= patience) {
      say("early stop: " + std::to_string(stale) + " validations without a better loss");
      stop = true;
    }
  };

  // Runs without a valid split saved a best of 0 before 2026-12-02: unmeasured, as now.
  if (best_valid <= 0) best_valid = INFINITY;
  check_valid_split(valid != nullptr, o.resume,
                    std::isfinite(best_valid) ? "best valid loss " + fixed(best_valid, 4) : "",
                    o.data, last_path, say);
  TrainingRun run(cursor,
                  {o.max_steps, o.max_epochs, patience, o.resume, o.output, file_config,
                   o.keep_checkpoints > 0},
                  o.stop_requested, say);
  if (run.done_before_starting()) stop = true;
  if (!stop) {
    // As token_batches leaves them out.
    size_t over = 0;
    for (size_t i = 0; i < train->src.size(); ++i) {
      over += static_cast<int64_t>(train->src[i].size()) > o.max_length ||
                      static_cast<int64_t>((*train->tgt)[i].size()) > o.max_length
                  ? 1
                  : 0;
    }
    if (over > 0 && over < train->src.size()) {
      say(std::to_string(over) + " of " + std::to_string(train->src.size()) +
          " training pairs have more than --max-length " + std::to_string(o.max_length) +
          " tokens on a side: they are left out");
    }
  }
  while (!stop && (o.max_epochs <= 0 || epoch < o.max_epochs)) {
    const auto batches = token_batches(train->src, *train->tgt, o.batch_tokens, o.max_length,
                                       o.seed + static_cast<uint64_t>(epoch));
    if (batches.empty()) throw io::DataError(o.data + ": /train has no pair within --max-length");
    for (; batch_in_epoch < static_cast<int64_t>(batches.size()) && !stop;) {
      double step_loss = 0;
      // An epoch's last step may have fewer batches than --accumulate.
      const int parts = static_cast<int>(
          std::min<int64_t>(o.accumulate, static_cast<int64_t>(batches.size()) - batch_in_epoch));
      for (int part = 0; part < parts; ++part) {
        const Seq2SeqBatch batch =
            make_batch(graph, train->src, *train->tgt,
                       batches[static_cast<size_t>(batch_in_epoch++)], kBos, kEos);
        const nn::Tensor memory = model.encode(batch.src, batch.src_lengths);
        const nn::Tensor logits = model.decode(batch.tgt_in, memory, batch.src_lengths);
        const nn::Tensor loss =
            nn::cross_entropy(nn::reshape(logits, {batch.tgt_out.numel(), logits.shape()[-1]}),
                              batch.tgt_out, o.label_smoothing, -1);
        const nn::Tensor auxiliary = model.auxiliary_loss(logits, batch.tgt_out);
        const nn::Tensor objective = auxiliary.defined() ? nn::add(loss, auxiliary) : loss;
        // Each part weighs by its share of the step's batches.
        graph.backward(nn::affine(objective, 1.0f / static_cast<float>(parts)));
        step_loss += loss.item();
        tokens_seen += batch.target_tokens;
        graph.reset();
      }
      if (o.clip_norm > 0) nn::clip_grad_norm(model.parameters(), o.clip_norm);
      ++step;
      const float lr = schedule->lr(step);
      adam.step(lr);
      adam.zero_grad();
      step_loss /= parts;
      check_loss_is_finite(step_loss, step, "lower --lr, raise --warmup or set --clip-norm",
                           o.resume || validated_step >= 0, last_path);
      loss_sum += step_loss;
      ++loss_count;
      progress.step_taken(cursor, static_cast<int64_t>(batches.size()),
                          static_cast<double>(tokens_seen), step_loss, lr);
      if (o.valid_every > 0 && step % o.valid_every == 0) validate();
      if (o.max_steps > 0 && step >= o.max_steps) stop = true;
      if (o.max_minutes > 0 && progress.seconds() >= o.max_minutes * 60) stop = true;
      if (run.stop_asked(stop)) stop = true;
    }
    if (batch_in_epoch >= static_cast<int64_t>(batches.size())) {
      ++epoch;
      batch_in_epoch = 0;
      if (o.valid_every == 0 && validated_step != step) validate();
    }
  }
  // Whatever stopped training, the model as it ended is validated and saved; when asked to stop
  // at once, only saved.
  run.finish(cursor, validate, [&] { save(last_path, true); });
  summary.interrupted = run.interrupted();
  summary.nothing_to_train = run.nothing_left();
  progress.finish();

  summary.steps = step;
  summary.epochs = cursor.epoch_of_last_step();
  summary.best_valid_loss = valid ? best_valid : -1;
  summary.seconds = progress.seconds();
  summary.target_tokens_per_second = tokens_seen / std::max(summary.seconds, 1e-9);
  return summary;
}

}  // namespace huiyan::pipeline
