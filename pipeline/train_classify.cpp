#include "pipeline/train_classify.h"

#include <bit>
#include <cmath>
#include <iomanip>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

#include "io/dataset.h"
#include "io/error.h"
#include "nn/optimizer.h"
#include "nn/schedule.h"
#include "pipeline/batching.h"
#include "pipeline/classify.h"
#include "pipeline/classify_model.h"
#include "pipeline/fixed.h"
#include "pipeline/model_file.h"
#include "pipeline/token_ids.h"
#include "pipeline/training_progress.h"
#include "pipeline/training_state.h"
#include "pipeline/word_vectors.h"

namespace huiyan::pipeline {

namespace {

// The loss of one batch: cross-entropy, or binary cross-entropy per label, plus the penalty.
nn::Tensor batch_loss(nn::Classifier& model, const io::DatasetSplit& split,
                      const std::vector<int32_t>& rows, nn::Graph& graph) {
  const nn::ClassifierConfig& c = model.config();
  std::vector<DocumentView> docs;
  for (const int32_t r : rows) docs.push_back(document_of(split, static_cast<size_t>(r)));
  const nn::ClassifierOutput out = model(classifier_input(graph, c, docs));
  const auto batch = static_cast<int64_t>(rows.size());
  nn::Tensor loss;
  if (c.multi_label) {
    std::vector<float> targets(static_cast<size_t>(batch * c.labels), 0.0f);
    for (int64_t b = 0; b < batch; ++b) {
      for (const int32_t k : (*split.label_sets)[static_cast<size_t>(rows[b])])
        targets[static_cast<size_t>(b * c.labels + k)] = 1.0f;
    }
    loss = nn::binary_cross_entropy(out.logits, graph.from({batch, c.labels}, targets),
                                    graph.full({batch, c.labels}, 1.0f));
  } else {
    std::vector<int32_t> targets;
    for (const int32_t r : rows) targets.push_back((*split.labels)[static_cast<size_t>(r)]);
    loss = nn::cross_entropy(out.logits, graph.ids({batch}, targets));
  }
  if (out.penalty.defined() && c.penalty > 0)
    loss = nn::add(loss, nn::affine(out.penalty, c.penalty / static_cast<float>(batch)));
  return loss;
}

}  // namespace

ClassifyTrainSummary train_classify(const ClassifyTrainOptions& o) {
  if (o.batch_tokens <= 0) throw std::invalid_argument("--batch-tokens must be > 0");
  if (o.max_epochs <= 0 && o.max_steps <= 0 && o.max_minutes <= 0) {
    throw std::invalid_argument("give --max-epochs, --max-steps or --max-time");
  }
  const io::Dataset dataset = io::read_dataset(o.data);
  if (dataset.task != "classify") {
    throw io::DataError(o.data + ": a '" + dataset.task +
                        "' dataset, not a classification dataset (tokenize build --task "
                        "classify)");
  }
  const io::DatasetSplit* train = dataset.split("train");
  if (train == nullptr || train->num_examples() == 0)
    throw io::DataError(o.data + ": /train: not found or empty");
  const io::DatasetSplit* valid = dataset.split("valid");
  if (valid != nullptr && valid->num_examples() == 0) valid = nullptr;
  const bool sentences = train->doc_offsets.has_value();
  if (o.model.hierarchical() && !sentences) {
    throw io::DataError(o.data + ": han needs documents of sentences (tokenize build --sentences)");
  }
  if (dataset.src_tokenizer.empty()) throw io::DataError(o.data + ": /tokenizer/src: not found");

  nn::ClassifierConfig config = o.model;
  config.vocab =
      SubwordModel::from_bytes(dataset.src_tokenizer, o.data + ": /tokenizer/src").vocab_size();
  check_token_ids(o.data, dataset, config.vocab);
  config.labels = static_cast<int64_t>(dataset.label_names.size());
  config.multi_label = train->label_sets.has_value();
  if (config.labels < 2 && !config.multi_label)
    throw io::DataError(o.data + ": /label_names: single-label training needs 2 labels or more");
  const std::unique_ptr<nn::Classifier> model_owner = nn::make_classifier(config, o.seed);
  nn::Classifier& model = *model_owner;
  model.train(true);
  if (!o.init_embeddings.empty()) {
    const std::vector<float> vectors = load_embeddings(o.init_embeddings, dataset.src_tokenizer,
                                                       config.vocab, config.embedding_dim);
    for (const auto& p : model.parameters()) {
      if (p.name == "embed.weight") std::copy(vectors.begin(), vectors.end(), p.tensor.data());
    }
  }
  nn::Adam adam(model.parameters(), 0.9f, 0.999f, 1e-8f, o.weight_decay);

  std::vector<int32_t> rows(train->num_examples());
  for (size_t i = 0; i < rows.size(); ++i) rows[i] = static_cast<int32_t>(i);
  std::vector<BatchShape> shapes(rows.size());
  std::vector<int64_t> tokens(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    shapes[i] = document_shape(config, document_of(*train, i));
    tokens[i] = document_tokens(config, document_of(*train, i));
  }
  const auto shape = [&](int32_t r) { return shapes[static_cast<size_t>(r)]; };
  // What cuts an epoch into batches: a resume with other values cuts the current epoch anew.
  const nlohmann::json batching = {{"batch_tokens", o.batch_tokens}, {"seed", o.seed}};
  const auto epoch_batches = [&](int64_t epoch) {
    return cost_sorted_batches(rows, shape, o.batch_tokens, std::numeric_limits<int64_t>::max(),
                               4096, nn::mix64(o.seed * 1000003 + static_cast<uint64_t>(epoch)));
  };
  int64_t total_steps = o.max_steps;
  // Only the linear decay needs the count, which cuts every epoch into batches.
  if (o.schedule == "linear" && total_steps <= 0 && o.max_epochs > 0) {
    // Batches are cut after each epoch's shuffle, so epochs differ a little in length.
    for (int64_t e = 0; e < o.max_epochs; ++e)
      total_steps += static_cast<int64_t>(epoch_batches(e).size());
  }
  if (o.schedule == "linear" && total_steps <= 0) {
    throw std::invalid_argument("--schedule linear needs --max-epochs or --max-steps");
  }
  const auto schedule = nn::make_schedule(o.schedule, o.lr, o.warmup, total_steps);

  const std::vector<std::vector<int32_t>> valid_gold =
      valid ? gold_label_sets(*valid) : std::vector<std::vector<int32_t>>{};
  std::vector<DocumentView> valid_docs;
  if (valid) {
    for (size_t i = 0; i < valid->num_examples(); ++i) valid_docs.push_back(document_of(*valid, i));
  }

  ClassifyTrainSummary summary;
  TrainingCursor cursor;
  auto& [step, epoch, batch_in_epoch, best, stale, loss_sum, loss_count, validated_step] = cursor;
  float threshold = 0.5f;
  const std::string last_path = last_model_path(o.output);
  if (o.resume) {
    check_resumes_same_model(last_path, {{"task", "classify"}, {"model", to_json(config)}},
                             {{"src", dataset.src_tokenizer}}, {{"labels", dataset.label_names}});
    const auto counters = resume_training_state(last_path, model, adam);
    cursor = cursor_from(counters, last_path);
    // Runs without a valid split saved a best of 0 before 2026-12-02 (files without the
    // "loss_count" counter): unmeasured, as now.
    if (!counters.contains("loss_count") && best <= 0) best = -1;
    threshold = std::bit_cast<float>(static_cast<int32_t>(counters.at("threshold_bits")));
    summary.best_valid_accuracy = std::bit_cast<double>(counters.at("best_accuracy_bits"));
  }

  const auto save = [&](const std::string& path, bool with_state, float decision_threshold) {
    ModelFile file;
    file.config_json = nlohmann::json{
        {"task", "classify"},
        {"model", to_json(config)},
        {"sentences", sentences},
        {"sentence_locale", dataset.attributes.count("sentence_locale")
                                ? dataset.attributes.at("sentence_locale")
                                : ""},
        {"lowercase",
         dataset.attributes.count("lowercase") && dataset.attributes.at("lowercase") == "1"},
        {"threshold", decision_threshold},
        {"data", o.data},
        {"batching", batching},
        // What a resume takes for the options it is not given.
        {"training",
         {{"lr", o.lr},
          {"schedule", o.schedule},
          {"warmup", o.warmup},
          {"weight_decay", o.weight_decay},
          {"clip_norm", o.clip_norm},
          {"max_epochs", o.max_epochs},
          {"max_steps", o.max_steps},
          {"valid_every", o.valid_every},
          {"patience",
           o.patience}}}}.dump();
    file.tokenizers["src"] = dataset.src_tokenizer;
    file.tables["labels"] = dataset.label_names;
    add_training_state(
        file, model, with_state ? &adam : nullptr,
        cursor_counters(
            cursor, {{"threshold_bits", std::bit_cast<int32_t>(threshold)},
                     {"best_accuracy_bits", std::bit_cast<int64_t>(summary.best_valid_accuracy)}}));
    save_model(path, file);
  };
  const auto say = [&](const std::string& line) {
    if (o.log) o.log(line);
  };

  TrainingProgress progress(cursor, {o.max_steps, o.max_epochs, o.max_minutes, 1}, "tok",
                            o.progress, o.log);
  int64_t tokens_read = 0;
  bool stop = false;
  const auto validate = [&] {
    // Before the state is saved: a resume starts a new sum, and does not validate this step again.
    summary.last_train_loss = loss_sum / std::max<int64_t>(1, loss_count);
    loss_sum = 0;
    loss_count = 0;
    validated_step = step;
    std::string line = "step " + std::to_string(step) + " epoch " +
                       std::to_string(cursor.epoch_of_last_step()) + " loss " +
                       fixed(summary.last_train_loss, 4);
    double score = 0;
    float tuned = threshold;
    if (valid) {
      model.train(false);
      const std::vector<Prediction> predictions = predict(model, valid_docs);
      model.train(true);
      if (config.multi_label) tuned = tune_threshold(predictions, valid_gold, dataset.label_names);
      const ClassificationMetrics m = score_predictions(
          predictions, valid_gold, dataset.label_names, config.multi_label, tuned);
      score = config.multi_label ? m.micro_f1 : m.macro_f1;
      line += " valid acc " + fixed(m.accuracy, 4) + " macro-F1 " + fixed(m.macro_f1, 4);
      if (config.multi_label)
        line += " micro-F1 " + fixed(m.micro_f1, 4) + " threshold " + fixed(tuned, 2);
      if (score > best) summary.best_valid_accuracy = m.accuracy;
    }
    // Without a valid split the newest model is the one to keep.
    const bool better = !valid || score > best;
    if (better) {
      if (valid) best = score;  // without a valid split the best stays unmeasured
      stale = 0;
      threshold = tuned;
      save(o.output, false, threshold);
    } else {
      ++stale;
    }
    save(last_path, true, threshold);
    progress.finish();
    say(line + " " + fixed(progress.seconds(), 0) + " s" +
        (valid ? (better ? " (best, saved)" : "") : " (saved)"));
    if (o.patience > 0 && stale >= o.patience) {
      say("early stop: " + std::to_string(stale) + " validations without a better score");
      stop = true;
    }
  };

  check_valid_split(valid != nullptr, o.resume, best >= 0 ? "best valid F1 " + fixed(best, 4) : "",
                    o.data, last_path, say);
  TrainingRun run(cursor,
                  {o.max_steps, o.max_epochs, o.patience, o.resume, o.output,
                   nlohmann::json{{"task", "classify"}, {"batching", batching}}, false},
                  o.stop_requested, say);
  if (run.done_before_starting()) stop = true;
  nn::Graph graph;
  while (!stop && (o.max_epochs <= 0 || epoch < o.max_epochs)) {
    const auto batches = epoch_batches(epoch);
    while (batch_in_epoch < static_cast<int64_t>(batches.size()) && !stop) {
      // The cursor moves before anything can save it: a resume starts at the next batch.
      const auto& batch = batches[static_cast<size_t>(batch_in_epoch++)];
      const nn::Tensor loss = batch_loss(model, *train, batch, graph);
      graph.backward(loss);
      const float value = loss.item();
      graph.reset();
      for (const int32_t r : batch) tokens_read += tokens[static_cast<size_t>(r)];
      ++step;
      check_loss_is_finite(value, step, "lower --lr, raise --warmup or set --clip-norm",
                           o.resume || validated_step >= 0, last_path);
      if (o.clip_norm > 0) nn::clip_grad_norm(adam.params(), o.clip_norm);
      adam.step(schedule->lr(step));
      loss_sum += value;
      ++loss_count;
      adam.zero_grad();
      progress.step_taken(cursor, static_cast<int64_t>(batches.size()),
                          static_cast<double>(tokens_read), value, schedule->lr(step));
      if (o.max_steps > 0 && step >= o.max_steps) stop = true;
      if (o.max_minutes > 0 && progress.seconds() >= o.max_minutes * 60) stop = true;
      if (o.valid_every > 0 && step % o.valid_every == 0) validate();
      if (run.stop_asked(stop)) stop = true;
    }
    if (batch_in_epoch >= static_cast<int64_t>(batches.size())) {
      ++epoch;
      batch_in_epoch = 0;
      if (o.valid_every == 0 && validated_step != step) validate();
    }
  }
  run.finish(cursor, validate, [&] { save(last_path, true, threshold); });
  summary.interrupted = run.interrupted();
  summary.nothing_to_train = run.nothing_left();
  progress.finish();
  summary.steps = step;
  summary.epochs = cursor.epoch_of_last_step();
  summary.best_valid_score = valid ? best : -1;
  summary.seconds = progress.seconds();
  summary.tokens_per_second = tokens_read / std::max(1e-9, summary.seconds);
  return summary;
}

}  // namespace huiyan::pipeline
