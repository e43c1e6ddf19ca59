#include "pipeline/dataset_builder.h"

#include <omp.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <exception>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>

#include "io/atomic_file.h"
#include "io/dataset.h"
#include "io/error.h"
#include "io/line_reader.h"
#include "io/tsv.h"
#include "io/utf8.h"
#include "pipeline/parallel.h"
#include "pipeline/sentence_splitter.h"
#include "pipeline/subword_model.h"

namespace huiyan::pipeline {

namespace fs = std::filesystem;

namespace {

struct TaskFiles {
  std::string input;   // extension of the model input: ".src" or ".txt"
  std::string second;  // ".tgt", ".label" or ""
};

TaskFiles files_for(const std::string& task) {
  if (task == "translate") return {".src", ".tgt"};
  if (task == "classify") return {".txt", ".label"};
  if (task == "text") return {".txt", ""};
  throw std::invalid_argument("--task must be translate, classify or text, got '" + task + "'");
}

bool is_split_name(const std::string& name) {
  return !name.empty() && name != "tokenizer" && name != "label_names" &&
         name.find_first_not_of(
             "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") ==
             std::string::npos;
}

// Models must use the ids every huiyan model assumes (`tokenize train` sets them).
void require_huiyan_special_ids(const SubwordModel& model, const std::string& path) {
  if (model.pad_id() != 0 || model.unk_id() != 1 || model.bos_id() != 2 || model.eos_id() != 3) {
    throw io::DataError(
        path + ": special ids are pad " + std::to_string(model.pad_id()) + ", unk " +
        std::to_string(model.unk_id()) + ", bos " + std::to_string(model.bos_id()) + ", eos " +
        std::to_string(model.eos_id()) +
        "; huiyan needs pad 0, unk 1, bos 2, eos 3 (train it with huiyan tokenize train)");
  }
}

// Splits present in `dir`: train, valid, test first, then the others by name. Files whose stem
// can't be a split name are left alone (README.txt); those that lack their partner file are
// left out with a warning.
std::vector<std::string> find_splits(const fs::path& dir, const TaskFiles& files,
                                     std::vector<std::string>& warnings) {
  std::vector<std::string> found;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string stem = entry.path().stem().string();
    if (!entry.is_regular_file() || entry.path().extension() != files.input ||
        !is_split_name(stem)) {
      continue;
    }
    if (files.second.empty() || fs::exists(dir / (stem + files.second))) {
      found.push_back(stem);
    } else {
      warnings.push_back(entry.path().string() + " has no " + stem + files.second +
                         " beside it: that split is left out");
    }
  }
  const auto rank = [](const std::string& name) {
    if (name == "train") return 0;
    if (name == "valid") return 1;
    if (name == "test") return 2;
    return 3;
  };
  std::sort(found.begin(), found.end(), [&](const std::string& a, const std::string& b) {
    return std::pair(rank(a), a) < std::pair(rank(b), b);
  });
  return found;
}

std::vector<std::string> read_text(const fs::path& path) {
  io::LineReader reader(path.string());
  std::vector<std::string> lines;
  std::string line;
  while (reader.next(line)) {
    io::require_valid_utf8(line, reader.name(), reader.line_number());
    lines.push_back(std::move(line));
  }
  return lines;
}

io::Ragged flatten(const std::vector<std::vector<int>>& sequences) {
  io::Ragged ragged;
  size_t total = 0;
  for (const auto& s : sequences) total += s.size();
  ragged.values.reserve(total);
  ragged.offsets.reserve(sequences.size() + 1);
  for (const auto& s : sequences) ragged.append(std::span<const int32_t>(s.data(), s.size()));
  return ragged;
}

io::Ragged encode_all(const SubwordModel& model, const std::vector<std::string>& lines) {
  std::vector<std::vector<int>> ids(lines.size());
  parallel_for(lines.size(), [&](size_t i) { ids[i] = model.encode_ids(lines[i]); });
  return flatten(ids);
}

// Documents as sentences: `doc_offsets` groups the sentence sequences.
io::Ragged encode_documents(const SubwordModel& model, const std::vector<std::string>& docs,
                            const std::string& locale, std::vector<int64_t>& doc_offsets) {
  std::vector<std::vector<std::vector<int>>> encoded(docs.size());
  // ICU break iterators are not thread-safe: one per thread, made before the parallel loop.
  const SentenceSplitter prototype(locale);
  std::vector<SentenceSplitter> splitters(static_cast<size_t>(omp_get_max_threads()), prototype);
  parallel_for(docs.size(), [&](size_t d) {
    auto& splitter = splitters[static_cast<size_t>(omp_get_thread_num())];
    for (const auto& sentence : splitter.split(docs[d])) {
      encoded[d].push_back(model.encode_ids(sentence));
    }
  });
  std::vector<std::vector<int>> sentences;
  doc_offsets.assign(1, 0);
  for (auto& doc : encoded) {
    for (auto& sentence : doc) sentences.push_back(std::move(sentence));
    doc_offsets.push_back(static_cast<int64_t>(sentences.size()));
  }
  return flatten(sentences);
}

std::vector<std::string> label_fields(const std::string& field, bool multi, char separator) {
  if (!multi) return {std::string(io::trim_blanks(field))};
  return io::split_labels(field, separator);
}

bool is_integer(const std::string& text) {
  long value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() && end == text.data() + text.size();
}

// Label names in a stable order: numerically when every label is an integer, else by text.
std::vector<std::string> order_labels(const std::set<std::string>& labels) {
  std::vector<std::string> names(labels.begin(), labels.end());
  if (std::all_of(names.begin(), names.end(), is_integer)) {
    std::sort(names.begin(), names.end(), [](const std::string& a, const std::string& b) {
      return std::stol(a) < std::stol(b);
    });
  }
  return names;
}

struct RawSplit {
  std::string name;
  fs::path input_path;
  fs::path second_path;
  std::vector<std::string> inputs;
  std::vector<std::string> seconds;  // targets or label fields
};

}  // namespace

DatasetBuildSummary build_dataset(const DatasetBuildOptions& o) {
  const auto start = std::chrono::steady_clock::now();
  const TaskFiles files = files_for(o.task);
  if (o.output.empty()) throw std::invalid_argument("-o/--output is required");
  if (o.data_dir.empty()) throw std::invalid_argument("--data-dir is required");
  const bool per_side = !o.src_model.empty() || !o.tgt_model.empty();
  if (per_side == !o.model.empty()) {
    throw std::invalid_argument("give either -m/--model, or --src-model and --tgt-model");
  }
  if (per_side && (o.task != "translate" || o.src_model.empty() || o.tgt_model.empty())) {
    throw std::invalid_argument("--src-model and --tgt-model go together, for --task translate");
  }
  if (o.sentences && o.task == "translate") {
    throw std::invalid_argument("--sentences is for documents (--task classify or text)");
  }
  if (!fs::is_directory(o.data_dir)) throw io::DataError(o.data_dir + ": not a directory");

  const SubwordModel src_model = SubwordModel::load(per_side ? o.src_model : o.model);
  std::optional<SubwordModel> tgt_model;
  if (per_side) tgt_model = SubwordModel::load(o.tgt_model);
  const SubwordModel& tgt = tgt_model ? *tgt_model : src_model;
  require_huiyan_special_ids(src_model, per_side ? o.src_model : o.model);
  if (per_side) require_huiyan_special_ids(tgt, o.tgt_model);

  std::vector<std::string> warnings;
  std::vector<std::string> split_names =
      o.splits.empty() ? find_splits(o.data_dir, files, warnings) : o.splits;
  std::set<std::string> seen_names;
  for (const auto& name : split_names) {
    if (!is_split_name(name) || !seen_names.insert(name).second) {
      throw std::invalid_argument("'" + name +
                                  "' is not a usable split name (letters, digits, '_' "
                                  "or '-', not 'tokenizer' or 'label_names', each once)");
    }
  }
  if (split_names.empty()) {
    std::string why;
    for (const auto& warning : warnings) why += "; " + warning;
    throw io::DataError(o.data_dir + ": no <split>" + files.input +
                        " files (run huiyan preprocess)" + why);
  }
  std::vector<std::string> inputs = {o.model, o.src_model, o.tgt_model};
  std::erase(inputs, std::string());
  for (const auto& name : split_names) {
    inputs.push_back(fs::path(o.data_dir) / (name + files.input));
    if (!files.second.empty()) inputs.push_back(fs::path(o.data_dir) / (name + files.second));
  }
  for (const char* summary : {"summary.json", "summary.train.json"}) {
    inputs.push_back(fs::path(o.data_dir) / summary);  // preprocess's, read for its settings
  }
  io::check_output_is_not_an_input(o.output, inputs);

  std::vector<RawSplit> raw;
  std::set<std::string> labels;
  for (const auto& name : split_names) {
    RawSplit split{name, fs::path(o.data_dir) / (name + files.input), {}, {}, {}};
    if (!fs::exists(split.input_path))
      throw io::DataError(split.input_path.string() + ": not found");
    split.inputs = read_text(split.input_path);
    if (!files.second.empty()) {
      split.second_path = fs::path(o.data_dir) / (name + files.second);
      if (!fs::exists(split.second_path)) {
        throw io::DataError(split.second_path.string() + ": not found (it pairs with " +
                            split.input_path.string() + ")");
      }
      split.seconds = read_text(split.second_path);
      if (split.seconds.size() != split.inputs.size()) {
        throw io::DataError(split.second_path.string() + ": has " +
                            std::to_string(split.seconds.size()) + " lines but " +
                            split.input_path.string() + " has " +
                            std::to_string(split.inputs.size()));
      }
    }
    if (o.task == "classify") {
      for (size_t i = 0; i < split.seconds.size(); ++i) {
        const auto fields = label_fields(split.seconds[i], o.multi_label, o.label_separator);
        if (fields.empty() || (!o.multi_label && fields.front().empty())) {
          throw io::DataError(split.second_path.string() + ": line " + std::to_string(i + 1) +
                              ": empty label");
        }
        labels.insert(fields.begin(), fields.end());
      }
    }
    raw.push_back(std::move(split));
  }

  io::Dataset dataset;
  dataset.task = o.task;
  dataset.src_tokenizer = src_model.bytes();
  if (o.task == "translate") {
    dataset.joint_tokenizer = !per_side;
    dataset.tgt_tokenizer = tgt.bytes();
  }
  dataset.label_names = order_labels(labels);
  dataset.attributes["created_by"] = std::string("huiyan ") + HUIYAN_VERSION;
  dataset.attributes["data_dir"] = o.data_dir;
  if (o.sentences) dataset.attributes["sentence_locale"] = o.sentence_locale;
  // How preprocess normalized the text, so a model trained on it treats new text the same way.
  for (const char* name : {"summary.json", "summary.train.json"}) {
    const fs::path summary = fs::path(o.data_dir) / name;
    if (!fs::exists(summary)) continue;
    try {
      std::ifstream in(summary);
      if (nlohmann::json::parse(in).value("lowercase", false))
        dataset.attributes["lowercase"] = "1";
    } catch (const nlohmann::json::exception& e) {
      throw io::DataError(summary.string() + ": " + e.what());
    }
    break;
  }
  dataset.attributes["structure"] = o.sentences ? "documents of sentences" : "sequences";
  dataset.attributes["special_ids"] =
      "pad " + std::to_string(src_model.pad_id()) + ", unk " + std::to_string(src_model.unk_id()) +
      ", bos " + std::to_string(src_model.bos_id()) + ", eos " + std::to_string(src_model.eos_id());

  std::map<std::string, int32_t> label_ids;
  for (size_t i = 0; i < dataset.label_names.size(); ++i) {
    label_ids[dataset.label_names[i]] = static_cast<int32_t>(i);
  }

  DatasetBuildSummary summary;
  summary.warnings = std::move(warnings);
  summary.threads = omp_get_max_threads();
  summary.label_names = dataset.label_names;
  double encode_seconds = 0;
  for (auto& split : raw) {
    io::DatasetSplit out;
    out.name = split.name;
    out.source_files.push_back(split.input_path.string());
    const auto encode_start = std::chrono::steady_clock::now();
    if (o.sentences) {
      std::vector<int64_t> doc_offsets;
      out.src = encode_documents(src_model, split.inputs, o.sentence_locale, doc_offsets);
      out.doc_offsets = std::move(doc_offsets);
    } else {
      out.src = encode_all(src_model, split.inputs);
    }
    summary.sequences_encoded += out.src.size();
    if (o.task == "translate") {
      out.tgt = encode_all(tgt, split.seconds);
      summary.sequences_encoded += out.tgt->size();
    }
    encode_seconds +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - encode_start).count();
    if (o.task == "classify") {
      out.source_files.push_back(split.second_path.string());
      if (o.multi_label) {
        io::Ragged sets;
        for (const auto& field : split.seconds) {
          std::vector<int32_t> ids;
          for (const auto& label : label_fields(field, true, o.label_separator)) {
            ids.push_back(label_ids.at(label));
          }
          std::sort(ids.begin(), ids.end());
          ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
          sets.append(ids);
        }
        out.label_sets = std::move(sets);
      } else {
        std::vector<int32_t> ids;
        ids.reserve(split.seconds.size());
        for (const auto& field : split.seconds)
          ids.push_back(label_ids.at(std::string(io::trim_blanks(field))));
        out.labels = std::move(ids);
      }
    } else if (o.task == "translate") {
      out.source_files.push_back(split.second_path.string());
    }

    SplitCounts& counts = summary.splits.emplace_back(split.name, SplitCounts{}).second;
    counts.examples = out.num_examples();
    counts.sequences = out.src.size();
    counts.src_tokens = out.src.values.size();
    counts.tgt_tokens = out.tgt ? out.tgt->values.size() : 0;
    dataset.splits.push_back(std::move(out));
    split.inputs.clear();
    split.seconds.clear();
  }

  io::write_dataset(o.output, dataset);
  summary.encode_seconds = encode_seconds;
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return summary;
}

std::string DatasetBuildSummary::to_text() const {
  std::ostringstream out;
  for (const auto& [name, counts] : splits) {
    out << name << ": " << counts.examples << " examples";
    if (counts.sequences != counts.examples) out << " (" << counts.sequences << " sentences)";
    out << ", " << counts.src_tokens << " tokens";
    if (counts.tgt_tokens > 0) out << " + " << counts.tgt_tokens << " target tokens";
    out << "\n";
  }
  if (!label_names.empty()) {
    out << "labels:";
    for (const auto& label : label_names) out << " " << label;
    out << "\n";
  }
  const double rate =
      encode_seconds > 0 ? static_cast<double>(sequences_encoded) / encode_seconds : 0;
  out << "encoded " << sequences_encoded << " sequences in " << encode_seconds << " s ("
      << static_cast<long>(rate) << "/s on " << threads << " threads)\n";
  return out.str();
}

}  // namespace huiyan::pipeline
