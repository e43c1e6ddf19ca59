#include "pipeline/word_vectors.h"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <stdexcept>

#include "nn/random.h"
#include "pipeline/progress.h"

namespace huiyan::pipeline {

namespace {

// Draws ids in proportion to count^0.75 (word2vec's table of 1e8 slots, smaller here).
class UnigramTable {
 public:
  UnigramTable(const std::vector<int64_t>& counts, int32_t first_real) {
    double total = 0;
    for (size_t i = static_cast<size_t>(first_real); i < counts.size(); ++i)
      total += std::pow(static_cast<double>(counts[i]), 0.75);
    if (total == 0) throw std::invalid_argument("word vectors: the corpora have no tokens");
    const size_t size = 10'000'000;
    table_.reserve(size);
    double cumulative = 0;
    for (size_t i = static_cast<size_t>(first_real); i < counts.size(); ++i) {
      cumulative += std::pow(static_cast<double>(counts[i]), 0.75) / total;
      while (table_.size() < size && static_cast<double>(table_.size()) < cumulative * size)
        table_.push_back(static_cast<int32_t>(i));
    }
    while (table_.size() < size) table_.push_back(table_.back());
  }
  int32_t draw(nn::Random& rng) const { return table_[rng.below(table_.size())]; }

 private:
  std::vector<int32_t> table_;
};

}  // namespace

std::vector<float> train_word_vectors(const std::vector<const io::Ragged*>& corpora, int64_t vocab,
                                      int32_t first_real, const WordVectorOptions& o,
                                      WordVectorSummary* summary) {
  if (vocab <= first_real || o.dim <= 0 || o.window <= 0 || o.negatives <= 0 || o.epochs <= 0)
    throw std::invalid_argument("word vectors: bad options");
  const auto dim = static_cast<size_t>(o.dim);
  std::vector<int64_t> counts(static_cast<size_t>(vocab), 0);
  std::vector<std::span<const int32_t>> sequences;
  int64_t total = 0;
  for (const io::Ragged* corpus : corpora) {
    for (size_t i = 0; i < corpus->size(); ++i) {
      const auto s = (*corpus)[i];
      for (const int32_t id : s) {
        if (id < 0 || id >= vocab)
          throw std::invalid_argument("word vectors: token id " + std::to_string(id) +
                                      " outside the vocabulary of " + std::to_string(vocab));
        ++counts[static_cast<size_t>(id)];
      }
      total += static_cast<int64_t>(s.size());
      if (s.size() > 1) sequences.push_back(s);
    }
  }
  const UnigramTable table(counts, first_real);
  std::vector<float> keep(static_cast<size_t>(vocab), 1.0f);
  for (size_t i = 0; i < keep.size(); ++i) {
    if (counts[i] == 0 || o.subsample <= 0) continue;
    const double f = static_cast<double>(counts[i]) / static_cast<double>(total);
    keep[i] = static_cast<float>(std::min(1.0, (std::sqrt(f / o.subsample) + 1) * o.subsample / f));
  }

  // word2vec's start: inputs uniform in ±0.5/dim, outputs zero.
  std::vector<float> input(static_cast<size_t>(vocab) * dim, 0.0f), output(input.size(), 0.0f);
  nn::Random init(o.seed);
  for (size_t i = static_cast<size_t>(first_real) * dim; i < input.size(); ++i)
    input[i] = (init.uniform() - 0.5f) / static_cast<float>(dim);

  const auto start = std::chrono::steady_clock::now();
  const auto planned = static_cast<int64_t>(sequences.size()) * o.epochs;
  std::atomic<int64_t> done{0};
  Progress progress("word vectors", "sequences", o.progress);
  for (int epoch = 0; epoch < o.epochs; ++epoch) {
#pragma omp parallel
    {
      nn::Random rng(nn::mix64(o.seed * 7919 + static_cast<uint64_t>(epoch) * 104729 +
                               static_cast<uint64_t>(omp_get_thread_num())));
      std::vector<int32_t> kept;
      std::vector<float> gradient(dim);
#pragma omp for schedule(dynamic, 256)
      for (long q = 0; q < static_cast<long>(sequences.size()); ++q) {
        const float progress_share =
            static_cast<float>(done.fetch_add(1, std::memory_order_relaxed)) /
            static_cast<float>(planned);
        const float lr = o.lr * std::max(1e-4f, 1.0f - progress_share);
        kept.clear();
        for (const int32_t id : sequences[static_cast<size_t>(q)]) {
          if (id >= first_real && rng.uniform() < keep[static_cast<size_t>(id)]) kept.push_back(id);
        }
        const auto n = static_cast<int64_t>(kept.size());
        for (int64_t t = 0; t < n; ++t) {
          const int64_t reach =
              1 + static_cast<int64_t>(rng.below(static_cast<uint64_t>(o.window)));
          float* v = &input[static_cast<size_t>(kept[static_cast<size_t>(t)]) * dim];
          for (int64_t c = std::max<int64_t>(0, t - reach); c <= std::min(n - 1, t + reach); ++c) {
            if (c == t) continue;
            std::fill(gradient.begin(), gradient.end(), 0.0f);
            for (int k = 0; k <= o.negatives; ++k) {
              const int32_t target = k == 0 ? kept[static_cast<size_t>(c)] : table.draw(rng);
              if (k > 0 && target == kept[static_cast<size_t>(c)]) continue;
              float* u = &output[static_cast<size_t>(target) * dim];
              float score = 0;
              for (size_t d = 0; d < dim; ++d) score += v[d] * u[d];
              const float label = k == 0 ? 1.0f : 0.0f;
              const float g = lr * (label - 1.0f / (1.0f + std::exp(-score)));
              for (size_t d = 0; d < dim; ++d) {
                gradient[d] += g * u[d];
                u[d] += g * v[d];
              }
            }
            for (size_t d = 0; d < dim; ++d) v[d] += gradient[d];
          }
        }
        if (omp_get_thread_num() == 0) progress.update(static_cast<size_t>(done.load()));
      }
    }
    progress.finish();
    // A rate too high for the data grows vectors past float's range, and NaN follows: a file of
    // them would only poison the classifier started from it.
    const auto not_finite = [](float x) { return !std::isfinite(x); };
    if (std::any_of(input.begin(), input.end(), not_finite) ||
        std::any_of(output.begin(), output.end(), not_finite)) {
      throw std::runtime_error("word vectors: epoch " + std::to_string(epoch + 1) +
                               ": the vectors are no longer finite: training diverged; lower --lr");
    }
    if (o.log) {
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      o.log("word vectors: epoch " + std::to_string(epoch + 1) + " of " + std::to_string(o.epochs) +
            ", " + std::to_string(static_cast<int64_t>(seconds)) + " s");
    }
  }
  if (summary) {
    summary->tokens = total;
    summary->seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  return input;
}

}  // namespace huiyan::pipeline

#include <nlohmann/json.hpp>

#include "io/dataset.h"
#include "io/error.h"
#include "pipeline/model_file.h"
#include "pipeline/subword_model.h"

namespace huiyan::pipeline {

WordVectorSummary train_embeddings(const EmbeddingTrainOptions& o) {
  if (o.data.empty()) throw std::invalid_argument("give --data DATA.h5 (one or more)");
  std::vector<io::Dataset> datasets;
  for (const auto& path : o.data) {
    datasets.push_back(io::read_dataset(path));
    if (datasets.back().src_tokenizer.empty())
      throw io::DataError(path + ": /tokenizer/src: not found");
    if (datasets.back().src_tokenizer != datasets.front().src_tokenizer) {
      throw io::DataError(path + ": /tokenizer/src differs from " + o.data.front() +
                          "'s: the token ids would mean different things");
    }
  }
  const SubwordModel tokenizer =
      SubwordModel::from_bytes(datasets.front().src_tokenizer, o.data.front() + ": /tokenizer/src");
  std::vector<const io::Ragged*> corpora;
  for (size_t i = 0; i < datasets.size(); ++i) {
    const io::DatasetSplit* train = datasets[i].split("train");
    if (train == nullptr) throw io::DataError(o.data[i] + ": /train: not found");
    corpora.push_back(&train->src);
  }
  // Ids below the first real piece are pad, unk, bos and eos (subword_model.h).
  const int32_t first_real =
      std::max({tokenizer.pad_id(), tokenizer.unk_id(), tokenizer.bos_id(), tokenizer.eos_id()}) +
      1;
  WordVectorSummary summary;
  const std::vector<float> vectors =
      train_word_vectors(corpora, tokenizer.vocab_size(), first_real, o.vectors, &summary);
  ModelFile file;
  file.config_json =
      nlohmann::json{{"task", "embeddings"},       {"method", "skip-gram, negative sampling"},
                     {"dim", o.vectors.dim},       {"vocab", tokenizer.vocab_size()},
                     {"window", o.vectors.window}, {"negatives", o.vectors.negatives},
                     {"epochs", o.vectors.epochs}, {"data", o.data}}
          .dump();
  file.tokenizers["src"] = datasets.front().src_tokenizer;
  nn::Tensor table = nn::Tensor::persistent({tokenizer.vocab_size(), o.vectors.dim}, false);
  std::copy(vectors.begin(), vectors.end(), table.data());
  file.params.push_back({"embedding", table});
  save_model(o.output, file);
  return summary;
}

std::vector<float> load_embeddings(const std::string& path, const std::string& tokenizer,
                                   int64_t vocab, int64_t dim) {
  const ModelHeader header = read_model_header(path);
  nlohmann::json config;
  try {
    config = nlohmann::json::parse(header.config_json);
  } catch (const nlohmann::json::exception& e) {
    throw io::DataError(path + ": bad config: " + e.what());
  }
  if (config.value("task", "") != "embeddings")
    throw io::DataError(path + ": not an embeddings file (huiyan train --task embeddings)");
  const auto it = header.tokenizers.find("src");
  if (it == header.tokenizers.end() || it->second != tokenizer) {
    throw io::DataError(path + ": trained with another SentencePiece model than the dataset's");
  }
  std::vector<nn::NamedTensor> tensors = {
      {"embedding", nn::Tensor::persistent({vocab, dim}, false)}};
  load_tensors(path, tensors);  // a different size is a DataError naming the HDF5 path
  const float* data = tensors[0].tensor.data();
  return std::vector<float>(data, data + vocab * dim);
}

}  // namespace huiyan::pipeline
