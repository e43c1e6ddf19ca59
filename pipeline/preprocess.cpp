#include "pipeline/preprocess.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

#include "io/atomic_file.h"
#include "io/error.h"
#include "io/line_reader.h"
#include "io/tsv.h"
#include "io/utf8.h"
#include "pipeline/progress.h"
#include "pipeline/split.h"

namespace huiyan::pipeline {

namespace {

// Reasons a line is dropped, as they appear in the summary.
constexpr const char* kInvalidUtf8 = "invalid_utf8";
constexpr const char* kMalformed = "malformed";
constexpr const char* kEmpty = "empty";
constexpr const char* kTooLong = "too_long";
constexpr const char* kLengthRatio = "length_ratio";
constexpr const char* kDuplicate = "duplicate";

// One cleaned example: parallel (src, tgt), labeled (text, label), text (text, "").
struct Example {
  std::string first;
  std::string second;
};

std::vector<std::string> output_names(CorpusFormat format, const std::string& split) {
  switch (format) {
    case CorpusFormat::parallel:
      return {split + ".src", split + ".tgt"};
    case CorpusFormat::labeled:
      return {split + ".txt", split + ".label"};
    case CorpusFormat::text:
      return {split + ".txt"};
  }
  return {};
}

// Of the non-empty lines of a held-out split, how many there are and how many also occur in
// train. A 64-bit hash per line of the smaller file only: a train split of millions of lines is
// streamed, not held.
struct HeldOutOverlap {
  size_t shared = 0;
  size_t lines = 0;
};
HeldOutOverlap held_out_overlap(const std::string& held_out, const std::string& train) {
  HeldOutOverlap overlap;
  const auto hash = [](const std::string& text) { return std::hash<std::string>{}(text); };
  std::error_code error;
  std::string line;
  if (std::filesystem::file_size(held_out, error) <= std::filesystem::file_size(train, error)) {
    std::unordered_map<size_t, size_t> held;  // hash -> held-out lines with it
    for (io::LineReader reader(held_out); reader.next(line);) {
      if (line.empty()) continue;
      ++held[hash(line)];
      ++overlap.lines;
    }
    for (io::LineReader reader(train); !held.empty() && reader.next(line);) {
      const auto found = held.find(hash(line));
      if (found == held.end() || line.empty()) continue;
      overlap.shared += found->second;
      held.erase(found);
    }
  } else {
    std::unordered_set<size_t> in_train;
    for (io::LineReader reader(train); reader.next(line);) {
      if (!line.empty()) in_train.insert(hash(line));
    }
    for (io::LineReader reader(held_out); reader.next(line);) {
      if (line.empty()) continue;
      ++overlap.lines;
      overlap.shared += in_train.contains(hash(line)) ? 1 : 0;
    }
  }
  return overlap;
}

size_t count_words(const std::string& normalized) {
  if (normalized.empty()) return 0;
  return static_cast<size_t>(std::count(normalized.begin(), normalized.end(), ' ')) + 1;
}

void validate(const PreprocessOptions& o) {
  const bool two_files = !o.src_path.empty() || !o.tgt_path.empty();
  if (o.format == CorpusFormat::parallel) {
    if (two_files && (o.src_path.empty() || o.tgt_path.empty())) {
      throw std::invalid_argument("parallel text needs both --src and --tgt");
    }
    if (two_files == !o.input_path.empty()) {
      throw std::invalid_argument("parallel text needs either --src and --tgt, or --input (TSV)");
    }
    if (two_files && o.src_path == "-" && o.tgt_path == "-") {
      throw std::invalid_argument("--src and --tgt cannot both be standard input");
    }
    if (!two_files && (o.src_column < 1 || o.tgt_column < 1 || o.src_column == o.tgt_column)) {
      throw std::invalid_argument("--src-column and --tgt-column must be distinct and >= 1");
    }
  } else {
    if (two_files) throw std::invalid_argument("--src/--tgt are for --format parallel");
    if (o.input_path.empty()) throw std::invalid_argument("--input is required");
    if (o.format == CorpusFormat::labeled &&
        (o.label_column < 1 || o.text_column < 1 || o.label_column == o.text_column)) {
      throw std::invalid_argument("--label-column and --text-column must be distinct and >= 1");
    }
  }
  if (o.out_dir.empty()) throw std::invalid_argument("--out-dir is required");
  std::error_code error;
  if (std::filesystem::exists(o.out_dir, error) &&
      !std::filesystem::is_directory(o.out_dir, error)) {
    throw std::invalid_argument("--out-dir " + o.out_dir + " is a file; give a directory");
  }
  if (!o.split.empty() && o.split.find_first_not_of(
                              "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") !=
                              std::string::npos) {
    throw std::invalid_argument(
        "--split must be a plain name (letters, digits, '_' or '-'), got '" + o.split + "'");
  }
  if (o.max_length_ratio != 0 && o.max_length_ratio < 1) {
    throw std::invalid_argument("--max-length-ratio must be >= 1 (or 0 for no limit)");
  }
}

// Text files for one split, written under temporary names and renamed together at the end.
class SplitWriter {
 public:
  SplitWriter(const std::filesystem::path& dir, const std::vector<std::string>& names) {
    for (const auto& name : names) {
      auto& file = files_.emplace_back(std::make_unique<io::AtomicFile>((dir / name).string()));
      streams_.push_back(file->open_stream());
    }
  }

  void write(const Example& example) {
    streams_[0] << example.first << '\n';
    if (streams_.size() > 1) streams_[1] << example.second << '\n';
    ++count_;
  }

  size_t count() const { return count_; }

  // Writes and syncs every file, renaming none.
  void finish() {
    for (size_t i = 0; i < files_.size(); ++i) files_[i]->finish(streams_[i]);
  }

  void commit(std::vector<std::string>& outputs) {
    for (auto& file : files_) {
      file->commit();
      outputs.push_back(file->destination());
    }
  }

 private:
  std::vector<std::unique_ptr<io::AtomicFile>> files_;
  std::vector<std::ofstream> streams_;
  size_t count_ = 0;
};

class Preprocessor {
 public:
  explicit Preprocessor(const PreprocessOptions& options)
      : o_(options), normalize_(options.normalize) {
    summary_.lowercase = options.normalize.lowercase;
  }

  PreprocessSummary run() {
    const auto start = std::chrono::steady_clock::now();
    std::filesystem::create_directories(o_.out_dir);
    if (!o_.split.empty()) {
      streaming_ = std::make_unique<SplitWriter>(o_.out_dir, output_names(o_.format, o_.split));
    }
    Progress progress("preprocess", "lines", o_.progress);
    if (o_.format == CorpusFormat::parallel && o_.input_path.empty()) {
      read_two_files(progress);
    } else {
      read_one_file(progress);
    }
    progress.finish();
    write_outputs();
    summary_.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    write_summary();
    return summary_;
  }

 private:
  void read_two_files(Progress& progress) {
    io::LineReader src(o_.src_path);
    io::LineReader tgt(o_.tgt_path);
    summary_.inputs = {src.name(), tgt.name()};
    std::string a, b;
    while (true) {
      const bool has_a = src.next(a);
      const bool has_b = tgt.next(b);
      if (!has_a && !has_b) break;
      if (has_a != has_b) {
        const auto& longer = has_a ? src : tgt;
        const auto& shorter = has_a ? tgt : src;
        throw io::DataError(longer.name() + ": line " + std::to_string(longer.line_number()) +
                            ": " + shorter.name() + " ended after " +
                            std::to_string(shorter.line_number()) +
                            " lines; parallel files must have the same number of lines");
      }
      ++summary_.lines_read;
      progress.update(summary_.lines_read);
      if (!valid_utf8(src, a) || !valid_utf8(tgt, b)) continue;
      add(a, b, src);
    }
  }

  void read_one_file(Progress& progress) {
    io::LineReader in(o_.input_path);
    summary_.inputs = {in.name()};
    int first_column = 0;
    int second_column = 0;
    if (o_.format == CorpusFormat::parallel) {
      first_column = o_.src_column;
      second_column = o_.tgt_column;
    } else if (o_.format == CorpusFormat::labeled) {
      first_column = o_.text_column;
      second_column = o_.label_column;
    }
    const size_t needed = static_cast<size_t>(std::max(first_column, second_column));
    std::string line;
    std::vector<std::string_view> fields;
    while (in.next(line)) {
      ++summary_.lines_read;
      progress.update(summary_.lines_read);
      if (!valid_utf8(in, line)) continue;
      if (o_.format == CorpusFormat::text) {
        add(line, {}, in);
        continue;
      }
      io::split_tsv(line, fields);
      if (fields.size() < needed) {
        malformed(in, "expected at least " + std::to_string(needed) +
                          " tab-separated columns, found " + std::to_string(fields.size()));
        continue;
      }
      add(fields[first_column - 1], fields[second_column - 1], in);
    }
  }

  bool valid_utf8(const io::LineReader& reader, const std::string& line) {
    if (io::is_valid_utf8(line)) return true;
    if (!o_.skip_invalid) {
      io::require_valid_utf8(line, reader.name(), reader.line_number(),
                             " (use --skip-invalid to skip such lines)");
    }
    ++summary_.dropped[kInvalidUtf8];
    return false;
  }

  void malformed(const io::LineReader& reader, const std::string& what) {
    if (!o_.skip_invalid) {
      throw io::DataError(reader.name() + ": line " + std::to_string(reader.line_number()) + ": " +
                          what + " (use --skip-invalid to skip such lines)");
    }
    ++summary_.dropped[kMalformed];
  }

  void add(std::string_view first, std::string_view second, const io::LineReader& where) {
    Example example;
    example.first = normalize_(first);
    if (o_.format == CorpusFormat::parallel) {
      example.second = normalize_(second);
    } else if (o_.format == CorpusFormat::labeled) {
      example.second = normalize_label(second);
      if (example.second.empty()) {
        malformed(where, "empty label");
        return;
      }
    }
    if (const char* reason = filter(example)) {
      ++summary_.dropped[reason];
      return;
    }
    ++summary_.kept;
    if (streaming_) {
      streaming_->write(example);
    } else {
      kept_.push_back(std::move(example));
    }
  }

  // The reason to drop `example`, or nullptr to keep it.
  const char* filter(const Example& example) {
    const bool parallel = o_.format == CorpusFormat::parallel;
    if (!o_.keep_empty && (example.first.empty() || (parallel && example.second.empty()))) {
      return kEmpty;
    }
    if (o_.max_length > 0 || o_.max_length_ratio > 0) {
      const size_t a = count_words(example.first);
      const size_t b = parallel ? count_words(example.second) : 0;
      if (o_.max_length > 0 && std::max(a, b) > o_.max_length) return kTooLong;
      if (parallel && o_.max_length_ratio > 0 && a > 0 && b > 0 &&
          static_cast<double>(std::max(a, b)) > o_.max_length_ratio * std::min(a, b)) {
        return kLengthRatio;
      }
    }
    if (o_.dedup) {
      // A 64-bit hash per kept example keeps memory small on large corpora; two different
      // examples collide with probability about n^2 / 2^65 (1e-7 for 2 million examples).
      std::string key = example.first;
      key.push_back('\t');
      key += example.second;
      if (!seen_.insert(std::hash<std::string>{}(key)).second) return kDuplicate;
    }
    return nullptr;
  }

  void write_outputs() {
    // An empty input (a failed `zcat` upstream, say) must not replace good splits with nothing.
    if (summary_.kept == 0) {
      throw io::DataError(
          (summary_.inputs.empty() ? std::string("the input") : summary_.inputs.front()) +
          ": no example to write (" + std::to_string(summary_.lines_read) +
          " lines read, none kept); the files in " + o_.out_dir + " are left as they were");
    }
    if (streaming_) {
      summary_.split_sizes[o_.split] = streaming_->count();
      streaming_->finish();
      streaming_->commit(summary_.outputs);
      // Held-out text from the same corpus as train would leak into training.
      if (o_.split == "train") {
        for (const char* held_out : {"valid", "test"}) warn_of_overlap(held_out, true, false);
      } else if (o_.split == "valid" || o_.split == "test") {
        warn_of_overlap(o_.split, false, false);
      }
      return;
    }
    const size_t total = kept_.size();
    const size_t valid = resolve_split_size(o_.valid_size, total);
    const size_t test = resolve_split_size(o_.test_size, total);
    if (valid + test >= total) {
      throw io::DataError("--valid-size and --test-size take " +
                          std::to_string(std::min(valid + test, total)) + " of the " +
                          std::to_string(total) +
                          " examples kept, leaving none to train on; the files in " + o_.out_dir +
                          " are left as they were");
    }
    const std::vector<Split> assignment = assign_splits(total, valid, test, o_.seed);
    // A split asked to be empty (--test-size 0) is not written: it must not replace a test set
    // that an earlier `--split test` run put in the same directory.
    const char* names[] = {"train", "valid", "test"};
    const bool wanted[] = {true, o_.valid_size != 0, o_.test_size != 0};
    std::vector<std::filesystem::path> stale_summaries;
    warn_of_replaced_given_splits(wanted, names, stale_summaries);
    std::vector<std::unique_ptr<SplitWriter>> writers(3);
    for (size_t s = 0; s < 3; ++s) {
      if (wanted[s]) {
        writers[s] = std::make_unique<SplitWriter>(o_.out_dir, output_names(o_.format, names[s]));
      }
    }
    for (size_t i = 0; i < total; ++i) {
      writers[static_cast<size_t>(assignment[i])]->write(kept_[i]);
    }
    // Every file is complete on disk before the first rename: a failure while writing leaves
    // the old splits as they were.
    for (auto& writer : writers) {
      if (writer) writer->finish();
    }
    for (size_t s = 0; s < 3; ++s) {
      if (!writers[s]) continue;
      summary_.split_sizes[names[s]] = writers[s]->count();
      writers[s]->commit(summary_.outputs);
    }
    for (const auto& stale : stale_summaries) {
      std::error_code ignored;
      std::filesystem::remove(stale, ignored);
    }
    // A held-out split this run does not write stays as an earlier run left it; when it came from
    // this same corpus (split with other sizes or another seed), its lines are now in train.
    for (size_t s = 1; s < 3; ++s) {
      if (!wanted[s]) warn_of_overlap(names[s], true, true);
    }
  }

  // A warning when 1% or more of the lines of a `held_out` split are also in train, one of them
  // from an earlier run (the held-out one when `held_out_is_earlier`; `kept`: a split this run
  // could have made anew): held-out text in training. A few common lines ("Thank you .") in two
  // separate corpora say nothing. The outputs are written by now: a file that cannot be read
  // only goes unchecked.
  void warn_of_overlap(const std::string& held_out, bool held_out_is_earlier, bool kept) {
    const auto path = [&](const std::string& split) {
      return (std::filesystem::path(o_.out_dir) / output_names(o_.format, split).front()).string();
    };
    const std::string held = path(held_out), train = path("train");
    if (!std::filesystem::is_regular_file(held) || !std::filesystem::is_regular_file(train)) return;
    HeldOutOverlap overlap;
    try {
      overlap = held_out_overlap(held, train);
    } catch (const std::exception&) {
      return;
    }
    if (overlap.shared == 0 || overlap.shared * 100 < overlap.lines) return;
    summary_.warnings.push_back(held + " has " + std::to_string(overlap.shared) + " of its " +
                                std::to_string(overlap.lines) + " lines in " + train + " (" +
                                (held_out_is_earlier ? held : train) + " from an earlier run" +
                                (kept ? ", kept" : "") + "): held-out text in training; " +
                                (kept
                                     ? "remove it, or give --" + held_out + "-size to split anew"
                                     : std::string("check that the two come from different data")));
  }

  // A split drawn at random over one an earlier --split run wrote (a test set given as such) is
  // a test set replaced: said, with how to keep it. That run's summary.<split>.json would then
  // describe a file no longer there: removed once the new splits are in place (`after_commit`).
  void warn_of_replaced_given_splits(const bool wanted[], const char* const names[],
                                     std::vector<std::filesystem::path>& after_commit) {
    for (size_t s = 1; s < 3; ++s) {
      const std::filesystem::path summary =
          std::filesystem::path(o_.out_dir) / ("summary." + std::string(names[s]) + ".json");
      if (!wanted[s] || !std::filesystem::is_regular_file(summary)) continue;
      summary_.warnings.push_back("this run's random " + std::string(names[s]) +
                                  " split replaces the one an earlier --split " + names[s] +
                                  " run wrote (its " + summary.string() + " is removed); give --" +
                                  names[s] + "-size 0 to keep such a split");
      after_commit.push_back(summary);
    }
  }

  void write_summary() {
    const std::string name = o_.split.empty() ? "summary.json" : "summary." + o_.split + ".json";
    const std::string path = (std::filesystem::path(o_.out_dir) / name).string();
    io::write_file_atomically(
        path,
        summary_.to_json().dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
    summary_.outputs.push_back(path);
  }

  const PreprocessOptions& o_;
  TextNormalizer normalize_;
  PreprocessSummary summary_;
  std::unique_ptr<SplitWriter> streaming_;
  std::vector<Example> kept_;
  std::unordered_set<size_t> seen_;
};

}  // namespace

nlohmann::json PreprocessSummary::to_json() const {
  nlohmann::json dropped_json = nlohmann::json::object();
  for (const auto& [reason, count] : dropped) dropped_json[reason] = count;
  nlohmann::json splits_json = nlohmann::json::object();
  for (const auto& [split, count] : split_sizes) splits_json[split] = count;
  return {{"inputs", inputs},        {"lines_read", lines_read}, {"kept", kept},
          {"dropped", dropped_json}, {"splits", splits_json},    {"outputs", outputs},
          {"seconds", seconds},      {"lowercase", lowercase},   {"warnings", warnings}};
}

std::string PreprocessSummary::to_text() const {
  std::ostringstream out;
  out << "read " << lines_read << " lines, kept " << kept;
  size_t total_dropped = 0;
  for (const auto& [reason, count] : dropped) total_dropped += count;
  out << ", dropped " << total_dropped;
  if (total_dropped > 0) {
    out << " (";
    const char* separator = "";
    for (const auto& [reason, count] : dropped) {
      out << separator << reason << " " << count;
      separator = ", ";
    }
    out << ")";
  }
  out << "\nsplits:";
  for (const auto& [split, count] : split_sizes) out << " " << split << " " << count;
  out << "\nwrote:";
  for (const auto& path : outputs) out << " " << path;
  out << "\n";
  return out.str();
}

PreprocessSummary preprocess(const PreprocessOptions& options) {
  validate(options);
  // The outermost directory this run creates, if any: a failed run removes what it made of the
  // path, as long as no file came into it.
  namespace fs = std::filesystem;
  std::error_code error;
  fs::path created;
  for (fs::path at = fs::absolute(options.out_dir, error); !error && !at.empty();
       at = at.parent_path()) {
    std::error_code missing;  // set for a path that is not there: what is looked for
    if (fs::exists(fs::symlink_status(at, missing))) break;
    created = at;
    if (at == at.parent_path()) break;
  }
  try {
    return Preprocessor(options).run();
  } catch (...) {
    bool only_directories = !created.empty() && fs::is_directory(fs::symlink_status(created));
    for (fs::recursive_directory_iterator it(created, error), end;
         only_directories && !error && it != end; it.increment(error)) {
      only_directories = it->is_directory(error) && !it->is_symlink(error);
    }
    if (only_directories && !error) fs::remove_all(created, error);
    throw;
  }
}

}  // namespace huiyan::pipeline
