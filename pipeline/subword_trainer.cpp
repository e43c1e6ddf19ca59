#include "pipeline/subword_trainer.h"

#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <unordered_map>

#include "io/atomic_file.h"
#include "io/error.h"
#include "io/line_reader.h"
#include "io/utf8.h"
#include "pipeline/sentence_splitter.h"
#include "pipeline/split.h"
#include "pipeline/subword_model.h"

namespace huiyan::pipeline {

namespace {

// Hands SentencePiece the sampled sentences we already hold in memory.
class VectorSentenceIterator : public sentencepiece::SentenceIterator {
 public:
  explicit VectorSentenceIterator(const std::vector<std::string>& sentences)
      : sentences_(sentences) {}
  bool done() const override { return index_ >= sentences_.size(); }
  void Next() override { ++index_; }
  const std::string& value() const override { return sentences_[index_]; }
  sentencepiece::util::Status status() const override { return {}; }

 private:
  const std::vector<std::string>& sentences_;
  size_t index_ = 0;
};

// Uniform sample of at most `capacity` items from a stream (reservoir sampling, seeded).
class Reservoir {
 public:
  Reservoir(size_t capacity, uint64_t seed) : capacity_(capacity), rng_(seed) {}

  void add(std::string item) {
    ++seen_;
    if (items_.size() < capacity_) {
      items_.push_back(std::move(item));
      return;
    }
    const uint64_t slot = rng_.below(seen_);
    if (slot < capacity_) items_[slot] = std::move(item);
  }

  const std::vector<std::string>& items() const { return items_; }

 private:
  size_t capacity_;
  nn::Random rng_;
  size_t seen_ = 0;
  std::vector<std::string> items_;
};

// SentencePiece's message without the source file, line and check it failed in front of it,
// and with the options huiyan passes on named as huiyan names them.
std::string readable(std::string message) {
  static const std::regex check(R"(^.*\.cc\(\d+\) \[[^\]]*\] (.+)$)");
  std::smatch found;
  if (std::regex_match(message, found, check)) message = found[1];
  static const std::pair<const char*, const char*> kOptions[] = {
      {"vocab_size", "vocab-size"},
      {"model_type", "model-type"},
      {"character_coverage", "character-coverage"},
      {"input_sentence_size", "max-sentences"},
      {"max_sentence_length", "max-sentence-bytes"},
      {"byte_fallback", "byte-fallback"}};
  for (const auto& [theirs, ours] : kOptions) {
    const std::string from = std::string("--") + theirs, to = std::string("--") + ours;
    for (size_t at = message.find(from); at != std::string::npos; at = message.find(from, at)) {
      message.replace(at, from.size(), to);
      at += to.size();
    }
  }
  return message;
}

std::string vocab_path_for(const std::string& model_path) {
  const std::string suffix = ".model";
  if (model_path.size() > suffix.size() &&
      model_path.compare(model_path.size() - suffix.size(), suffix.size(), suffix) == 0) {
    return model_path.substr(0, model_path.size() - suffix.size()) + ".vocab";
  }
  return model_path + ".vocab";
}

void validate(const SubwordTrainOptions& o) {
  if (o.inputs.empty()) throw std::invalid_argument("at least one --input is required");
  if (o.output.empty()) throw std::invalid_argument("-o/--output is required");
  io::check_output_is_not_an_input(o.output, o.inputs);
  io::check_output_is_not_an_input(vocab_path_for(o.output), o.inputs, "the listing beside -o,");
  if (o.model_type != "unigram" && o.model_type != "bpe") {
    throw std::invalid_argument("--model-type must be unigram or bpe, got '" + o.model_type + "'");
  }
  if (o.vocab_size < 8) throw std::invalid_argument("--vocab-size must be at least 8");
  if (!(o.character_coverage > 0 && o.character_coverage <= 1)) {
    throw std::invalid_argument("--character-coverage must be in (0, 1]");
  }
  if (o.max_sentences == 0) throw std::invalid_argument("--max-sentences must be positive");
}

std::string vocab_listing(const SubwordModel& model) {
  std::ostringstream listing;
  for (int id = 0; id < model.vocab_size(); ++id) {
    listing << model.piece(id) << '\t' << model.score(id) << '\n';
  }
  return listing.str();
}

}  // namespace

SubwordTrainSummary train_subword_model(const SubwordTrainOptions& o) {
  validate(o);
  // Both outputs are claimed before the work and replaced together after it: an unwritable one
  // fails first, and never leaves the other behind.
  io::AtomicFile model_file(o.output), vocab_file(vocab_path_for(o.output));
  const auto start = std::chrono::steady_clock::now();
  SubwordTrainSummary summary;

  Reservoir sample(o.max_sentences, o.seed);
  std::unique_ptr<SentenceSplitter> splitter;
  if (o.split_sentences) splitter = std::make_unique<SentenceSplitter>();
  std::string line;
  for (const auto& input : o.inputs) {
    io::LineReader reader(input);
    while (reader.next(line)) {
      ++summary.lines_read;
      io::require_valid_utf8(line, reader.name(), reader.line_number(),
                             " (clean the text with huiyan preprocess first)");
      if (line.empty()) continue;
      // As encoding will see it: no piece learned holds a line break.
      line = encodable(line);
      if (splitter) {
        for (auto& sentence : splitter->split(line)) sample.add(std::move(sentence));
      } else {
        sample.add(line);
      }
    }
  }
  summary.sentences_used = sample.items().size();
  if (summary.sentences_used == 0) {
    throw io::DataError(o.inputs.front() + ": no text to train a SentencePiece model on");
  }

  if (o.log) {
    o.log("training a " + o.model_type + " model of " + std::to_string(o.vocab_size) +
          " pieces on " + std::to_string(summary.sentences_used) + " sentences (" +
          std::to_string(summary.lines_read) + " lines read)");
  }
  sentencepiece::SetRandomGeneratorSeed(static_cast<unsigned>(o.seed));
  const std::unordered_map<std::string, std::string> args = {
      {"model_type", o.model_type},
      {"vocab_size", std::to_string(o.vocab_size)},
      {"character_coverage", std::to_string(o.character_coverage)},
      {"num_threads", std::to_string(std::max(1, o.threads))},
      {"max_sentence_length", std::to_string(o.max_sentence_bytes)},
      {"byte_fallback", o.byte_fallback ? "true" : "false"},
      {"pad_id", "0"},
      {"unk_id", "1"},
      {"bos_id", "2"},
      {"eos_id", "3"},
      {"minloglevel", o.verbose ? "0" : "2"},
  };
  VectorSentenceIterator iterator(sample.items());
  std::string serialized;
  const auto status = sentencepiece::SentencePieceTrainer::Train(args, &iterator, &serialized);
  if (!status.ok()) {
    // SentencePiece leaves out sentences over its length limit, and fails a check when none is
    // left, with nothing but the check's code to say so.
    const std::string why =
        std::string(status.message()).find("!sentences_.empty()") != std::string::npos
            ? "no sentence left to train on: each is longer than --max-sentence-bytes " +
                  std::to_string(o.max_sentence_bytes) + " or empty after normalization"
            : readable(status.message());
    throw io::DataError("SentencePiece training on " + o.inputs.front() + " failed: " + why);
  }

  const SubwordModel model = SubwordModel::from_bytes(serialized, o.output);
  std::ofstream model_stream = model_file.open_stream(), vocab_stream = vocab_file.open_stream();
  model_stream << serialized;
  vocab_stream << vocab_listing(model);
  model_file.finish(model_stream);
  vocab_file.finish(vocab_stream);
  model_file.commit();
  vocab_file.commit();

  summary.vocab_size = model.vocab_size();
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return summary;
}

}  // namespace huiyan::pipeline
