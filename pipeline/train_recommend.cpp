#include "pipeline/train_recommend.h"

#include <algorithm>
#include <bit>
#include <filesystem>
#include <functional>
#include <limits>
#include <numeric>
#include <sstream>

#include "io/dataset.h"
#include "io/error.h"
#include "nn/optimizer.h"
#include "pipeline/batching.h"
#include "pipeline/fixed.h"
#include "pipeline/model_file.h"
#include "pipeline/recommend_model.h"
#include "pipeline/training_progress.h"
#include "pipeline/training_state.h"

namespace huiyan::pipeline {

namespace {

// An item in [1, items] that is not in `sorted` (the user's items, sorted).
int32_t negative_item(const std::vector<int32_t>& sorted, int64_t items, nn::Random& rng) {
  int32_t item;
  do {
    item = static_cast<int32_t>(1 + rng.below(static_cast<uint64_t>(items)));
  } while (std::binary_search(sorted.begin(), sorted.end(), item));
  return item;
}

// One step's users: inputs s[0..L-2], positives s[1..L-1] (the newest max_length of each),
// negatives drawn per position from the items the user never touched; all left-padded.
struct SequenceBatch {
  nn::IntTensor inputs;     // [B, T]
  nn::IntTensor positives;  // [B, T], 0 at padding
  nn::IntTensor negatives;  // [B, T], 0 at padding
  nn::Tensor keep;          // [B, T], 1 where a positive is
};

SequenceBatch make_sequence_batch(nn::Graph& graph, const io::Ragged& sequences,
                                  std::span<const int32_t> users, int64_t max_length, int64_t items,
                                  nn::Random& rng) {
  size_t len = 1;
  for (const int32_t u : users) {
    len = std::max(len, std::min(sequences[u].size() - 1, static_cast<size_t>(max_length)));
  }
  const size_t batch = users.size();
  std::vector<int32_t> in(batch * len, 0), pos(batch * len, 0), neg(batch * len, 0);
  std::vector<float> keep(batch * len, 0.0f);
  std::vector<int32_t> sorted;
  for (size_t b = 0; b < batch; ++b) {
    const auto s = sequences[users[b]];
    sorted.assign(s.begin(), s.end());
    std::sort(sorted.begin(), sorted.end());
    const size_t n = std::min(s.size() - 1, len);
    for (size_t i = 0; i < n; ++i) {
      const size_t at = b * len + len - n + i;
      in[at] = s[s.size() - 1 - n + i];
      pos[at] = s[s.size() - n + i];
      keep[at] = 1.0f;
      neg[at] = negative_item(sorted, items, rng);
    }
  }
  const nn::Shape shape{static_cast<int64_t>(batch), static_cast<int64_t>(len)};
  return {graph.ids(shape, in), graph.ids(shape, pos), graph.ids(shape, neg),
          graph.from(shape, keep)};
}

nn::Tensor sequence_loss(nn::SasRec& model, const SequenceBatch& batch, const std::string& loss,
                         nn::Graph& graph) {
  const nn::Tensor table = model.item_table(graph);
  const nn::Tensor features = model.forward(batch.inputs, table);  // [B, T, D]
  if (loss == "softmax") {
    const int64_t rows = batch.inputs.numel();
    const nn::Tensor flat = nn::reshape(features, {rows, model.config().dim});
    const int64_t columns = model.config().items + 1;
    std::vector<float> not_padding(static_cast<size_t>(columns), 1.0f);
    not_padding[0] = 0.0f;
    const nn::Tensor logits = nn::mask_fill(nn::matmul(flat, table, false, true),
                                            graph.from({1, columns}, not_padding), -1e9f);
    std::vector<int32_t> targets(batch.positives.data, batch.positives.data + rows);
    for (int32_t& t : targets) t = t == 0 ? -1 : t;
    return nn::cross_entropy(logits, graph.ids({rows}, targets), 0, -1);
  }
  // −log σ(F·M_pos) − log(1 − σ(F·M_neg)) averaged over the positions that have an item.
  const int last = 2;
  const nn::Tensor positive =
      nn::sum(nn::mul(features, nn::embedding(table, batch.positives, 0)), last);
  const nn::Tensor negative =
      nn::sum(nn::mul(features, nn::embedding(table, batch.negatives, 0)), last);
  const nn::Tensor ones = graph.full(batch.keep.shape(), 1.0f);
  const nn::Tensor zeros = graph.zeros(batch.keep.shape());
  return nn::add(nn::binary_cross_entropy(positive, ones, batch.keep),
                 nn::binary_cross_entropy(negative, zeros, batch.keep));
}

// ACF's BPR (Rendle et al. 2009), as the paper trains it: −log σ(R̂_ij − R̂_ik) for every item j
// of user i's training items R(i) (the newest max_length) and a sampled item k user i never
// touched, user i attending over R(i). One user's pairs share one attention pass.
nn::Tensor bpr_loss(nn::Acf& model, const io::Ragged& sequences, std::span<const int32_t> users,
                    int64_t items, nn::Random& rng, nn::Graph& graph) {
  std::vector<std::span<const int32_t>> histories;
  for (const int32_t u : users) histories.push_back(sequences[static_cast<size_t>(u)]);
  const nn::IntTensor ids = left_padded(graph, histories, model.max_length());
  const int64_t batch = ids.shape[0], len = ids.shape[1], dim = model.config().dim;
  std::vector<int32_t> negatives(static_cast<size_t>(batch * len), 0);
  std::vector<float> keep(negatives.size(), 0.0f);
  std::vector<int32_t> sorted;
  for (int64_t b = 0; b < batch; ++b) {
    sorted.assign(histories[b].begin(), histories[b].end());
    std::sort(sorted.begin(), sorted.end());
    for (int64_t t = 0; t < len; ++t) {
      const int64_t at = b * len + t;
      if (ids.data[at] == 0) continue;
      keep[at] = 1.0f;
      negatives[at] = negative_item(sorted, items, rng);
    }
  }
  const nn::Tensor user = nn::reshape(
      model.user_vectors(ids, std::vector<int32_t>(users.begin(), users.end())), {batch, 1, dim});
  const auto score = [&](const nn::IntTensor& targets) {
    return nn::sum(nn::mul(model.item_vectors(targets), user), 2);  // [B, T]
  };
  const nn::Tensor margin = nn::sub(score(ids), score(graph.ids({batch, len}, negatives)));
  const nn::Tensor weights = graph.from({batch, len}, keep);
  return nn::binary_cross_entropy(margin, graph.full({batch, len}, 1.0f), weights);
}

}  // namespace

RecommendTrainSummary train_recommend(const RecommendTrainOptions& o) {
  if (o.arch != "sasrec" && o.arch != "acf") {
    throw std::invalid_argument("--arch: sasrec or acf, got '" + o.arch + "'");
  }
  if (o.loss != "bce" && o.loss != "softmax") {
    throw std::invalid_argument("--loss: bce or softmax, got '" + o.loss + "'");
  }
  if (o.batch_size <= 0) throw std::invalid_argument("--batch-size must be > 0");
  if (o.max_epochs <= 0 && o.max_steps <= 0 && o.max_minutes <= 0) {
    throw std::invalid_argument("give --max-epochs, --max-steps or --max-time");
  }
  const io::Dataset dataset = io::read_dataset(o.data);
  if (dataset.task != "recommend" || !dataset.items) {
    throw io::DataError(o.data + ": a '" + dataset.task +
                        "' dataset, not a recommendation dataset (preprocess --format "
                        "interactions)");
  }
  const io::DatasetSplit* train = dataset.split("train");
  if (train == nullptr) throw io::DataError(o.data + ": /train: not found");
  const io::DatasetSplit* valid = dataset.split("valid");
  if (valid != nullptr && valid->src.size() == 0) valid = nullptr;
  const auto items = static_cast<int64_t>(dataset.items->size());

  nlohmann::json model_json;
  std::vector<std::vector<int32_t>> item_features;
  if (o.side_info) {
    if (o.arch != "sasrec") throw std::invalid_argument("--side-info is for --arch sasrec");
    if (dataset.items->features.size() == 0) {
      throw io::DataError(o.data +
                          ": no item side information (preprocess with --items FILE for it)");
    }
    for (size_t i = 0; i < dataset.items->features.size(); ++i) {
      const auto f = dataset.items->features[i];
      item_features.emplace_back(f.begin(), f.end());
    }
  }
  if (o.arch == "sasrec") {
    nn::SasRecConfig config = o.sasrec;
    config.items = items;
    config.features = o.side_info ? static_cast<int64_t>(dataset.items->feature_names.size()) : 0;
    model_json = to_json(config);
  } else {
    nn::AcfConfig config = o.acf;
    config.items = items;
    config.users = static_cast<int64_t>(train->src.size());
    model_json = to_json(config);
  }
  const nlohmann::json file_config = {
      {"task", "recommend"},
      {"arch", o.arch},
      {"loss", o.arch == "acf" ? "bpr" : o.loss},
      {"model", model_json},
      {"data", o.data},
      {"batching", {{"batch_size", o.batch_size}, {"seed", o.seed}}},
      // What a resume takes for the options it is not given.
      {"training",
       {{"lr", o.lr},
        {"weight_decay", o.weight_decay},
        {"max_epochs", o.max_epochs},
        {"max_steps", o.max_steps},
        {"valid_every", o.valid_every},
        {"patience", o.patience},
        {"valid_users", o.valid.max_users},
        {"side_info", o.side_info}}}};
  const std::unique_ptr<nn::Recommender> model_owner =
      make_recommender(file_config, o.seed, item_features);
  nn::Recommender& model = *model_owner;
  model.train(true);
  nn::Adam adam(model.parameters(), 0.9f, 0.98f, 1e-8f, o.weight_decay);
  nn::Random sampler(nn::mix64(o.seed + 0x5A5A));

  // A step's rows are users: for SASRec those with a history and a next item, for ACF those with
  // an item.
  const size_t fewest = o.arch == "sasrec" ? 2 : 1;
  std::vector<int32_t> rows;
  for (size_t u = 0; u < train->src.size(); ++u) {
    if (train->src[u].size() >= fewest) rows.push_back(static_cast<int32_t>(u));
  }
  if (rows.empty()) throw io::DataError(o.data + ": /train: no user has enough items");
  const auto history_shape = [&](int32_t u) {
    return BatchShape{1, static_cast<int64_t>(train->src[static_cast<size_t>(u)].size())};
  };

  TrainingCursor cursor;
  auto& [step, epoch, batch_in_epoch, best, stale, loss_sum, loss_count, validated_step] = cursor;
  const std::string last_path = last_model_path(o.output);
  if (o.resume) {
    check_resumes_same_model(last_path, file_config, {}, {{"item_names", dataset.items->names}});
    const auto counters = resume_training_state(last_path, model, adam);
    cursor = cursor_from(counters, last_path);
    // Runs without a valid split saved a best of 0 before 2026-12-02 (files without the
    // "loss_count" counter): unmeasured, as now.
    if (!counters.contains("loss_count") && best <= 0) best = -1;
    sampler.set_state(static_cast<uint64_t>(counters.at("sampler")));
  }

  const auto save = [&](const std::string& path, bool with_state) {
    ModelFile file;
    file.config_json = file_config.dump();
    file.tables["item_names"] = dataset.items->names;
    if (!dataset.items->titles.empty()) file.tables["item_titles"] = dataset.items->titles;
    if (!dataset.user_names.empty()) file.tables["user_names"] = dataset.user_names;
    if (o.side_info) {
      file.tables["item_features"] = feature_strings(item_features);
      file.tables["feature_names"] = dataset.items->feature_names;
    }
    add_training_state(
        file, model, with_state ? &adam : nullptr,
        cursor_counters(cursor, {{"sampler", static_cast<int64_t>(sampler.state())}}));
    save_model(path, file);
  };
  const auto say = [&](const std::string& line) {
    if (o.log) o.log(line);
  };

  RecommendTrainSummary summary;
  TrainingProgress progress(cursor, {o.max_steps, o.max_epochs, o.max_minutes, 1}, "seq",
                            o.progress, o.log);
  int64_t sequences_read = 0;
  bool stop = false;
  const auto validate = [&] {
    // Before the state is saved: a resume starts a new sum, and does not validate this step again.
    summary.last_train_loss = loss_sum / std::max<int64_t>(1, loss_count);
    loss_sum = 0;
    loss_count = 0;
    validated_step = step;
    double ndcg = 0;
    std::string line = "step " + std::to_string(step) + " epoch " +
                       std::to_string(cursor.epoch_of_last_step()) + " loss " +
                       fixed(summary.last_train_loss, 4);
    if (valid != nullptr) {
      const RankingMetrics m = evaluate_ranking(*valid, items, model_scorer(model), o.valid);
      model.train(true);
      ndcg = m.ndcg_sampled;
      line += " valid ndcg@" + std::to_string(o.valid.k) + " " + fixed(m.ndcg_sampled, 4) + " hr@" +
              std::to_string(o.valid.k) + " " + fixed(m.hr_sampled, 4) + " (sampled)";
    }
    // Without a valid split the newest model is the one to keep.
    const bool better = valid == nullptr || ndcg > best;
    if (better) {
      if (valid) best = ndcg;  // without a valid split the best stays unmeasured
      stale = 0;
      save(o.output, false);
    } else {
      ++stale;
    }
    save(last_path, true);
    progress.finish();
    say(line + (valid ? (better ? " (best, saved)" : "") : " (saved)"));
    if (o.patience > 0 && stale >= o.patience) {
      say("early stop: " + std::to_string(stale) + " validations without a better NDCG");
      stop = true;
    }
  };

  check_valid_split(
      valid != nullptr, o.resume,
      best >= 0 ? "best valid NDCG@" + std::to_string(o.valid.k) + " " + fixed(best, 4) : "",
      o.data, last_path, say);
  TrainingRun run(cursor,
                  {o.max_steps, o.max_epochs, o.patience, o.resume, o.output, file_config, false},
                  o.stop_requested, say);
  if (run.done_before_starting()) stop = true;
  nn::Graph graph;
  while (!stop && (o.max_epochs <= 0 || epoch < o.max_epochs)) {
    const std::vector<std::vector<int32_t>> batches = cost_sorted_batches(
        rows, history_shape, std::numeric_limits<int64_t>::max(), o.batch_size, o.batch_size * 50,
        nn::mix64(o.seed * 1000003 + static_cast<uint64_t>(epoch)));
    const auto per_epoch = static_cast<int64_t>(batches.size());
    while (batch_in_epoch < per_epoch && !stop) {
      const std::vector<int32_t>& batch_rows = batches[static_cast<size_t>(batch_in_epoch++)];
      nn::Tensor loss;
      if (auto* sasrec = dynamic_cast<nn::SasRec*>(&model)) {
        const SequenceBatch batch =
            make_sequence_batch(graph, train->src, batch_rows, model.max_length(), items, sampler);
        loss = sequence_loss(*sasrec, batch, o.loss, graph);
      } else {
        loss =
            bpr_loss(dynamic_cast<nn::Acf&>(model), train->src, batch_rows, items, sampler, graph);
      }
      graph.backward(loss);
      const double value = loss.item();
      check_loss_is_finite(value, step + 1, "lower --lr", o.resume || validated_step >= 0,
                           last_path);
      loss_sum += value;
      ++loss_count;
      graph.reset();
      adam.step(o.lr);
      adam.zero_grad();
      ++step;
      sequences_read += static_cast<int64_t>(batch_rows.size());
      progress.step_taken(cursor, per_epoch, static_cast<double>(sequences_read), value, o.lr);
      if (o.max_steps > 0 && step >= o.max_steps) stop = true;
      if (o.max_minutes > 0 && progress.seconds() >= o.max_minutes * 60) stop = true;
      if (run.stop_asked(stop)) stop = true;
    }
    if (batch_in_epoch >= static_cast<int64_t>(batches.size())) {
      ++epoch;
      batch_in_epoch = 0;
      if (o.valid_every > 0 && epoch % o.valid_every == 0 && validated_step != step) validate();
    }
  }
  run.finish(cursor, validate, [&] { save(last_path, true); });
  summary.interrupted = run.interrupted();
  summary.nothing_to_train = run.nothing_left();
  progress.finish();
  summary.steps = step;
  summary.epochs = cursor.epoch_of_last_step();
  summary.best_valid_ndcg = best;
  summary.seconds = progress.seconds();
  return summary;
}

}  // namespace huiyan::pipeline
