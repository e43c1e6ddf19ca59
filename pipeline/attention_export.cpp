#include "pipeline/attention_export.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>

#include "io/atomic_file.h"
#include "io/hdf5_file.h"

namespace huiyan::pipeline {

struct AttentionExport::Impl {
  io::AtomicFile file;
  bool json;
  int64_t count = 0;
  bool finished = false;
  std::ofstream lines;             // json
  std::optional<io::h5::File> h5;  // hdf5

  Impl(const std::string& path, bool as_json) : file(path), json(as_json) {}
};

AttentionExport::AttentionExport(const std::string& path, bool json, const std::string& model)
    : impl_(std::make_unique<Impl>(path, json)) {
  if (json) {
    impl_->lines = impl_->file.open_stream();
    return;
  }
  impl_->h5 = io::h5::File::create(impl_->file.seekable_temp_path(), impl_->file.destination());
  io::h5::Group root = impl_->h5->root();
  root.set_attr("format", "huiyan-attention");
  root.set_attr("model", model);
  root.create_group("sentences");
}

AttentionExport::~AttentionExport() = default;

void AttentionExport::write(const AttentionRecord& r) {
  if (r.weights.size() != r.source.size() * r.target.size())
    throw std::logic_error("attention export: weights do not match the pieces");
  ++impl_->count;
  if (impl_->json) {
    nlohmann::json rows = nlohmann::json::array();
    for (size_t t = 0; t < r.target.size(); ++t) {
      rows.push_back(
          std::vector<float>(r.weights.begin() + static_cast<int64_t>(t * r.source.size()),
                             r.weights.begin() + static_cast<int64_t>((t + 1) * r.source.size())));
    }
    const nlohmann::json line = {
        {"index", r.index}, {"source", r.source}, {"target", r.target}, {"weights", rows}};
    // Pieces are valid UTF-8 (they come from the tokenizer); replace anything else all the same.
    impl_->lines << line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    return;
  }
  io::h5::Group group = impl_->h5->root().create_group("sentences/" + std::to_string(r.index));
  group.write_strings("source", r.source);
  group.write_strings("target", r.target);
  const uint64_t shape[] = {r.target.size(), r.source.size()};
  group.write_matrix<float>("weights", std::span<const float>(r.weights), shape);
}

void AttentionExport::finish() {
  if (impl_->finished) return;
  if (impl_->json) {
    impl_->file.finish(impl_->lines);
  } else {
    impl_->h5->root().set_attr("sentences", impl_->count);
    impl_->h5->close();
  }
  impl_->finished = true;
}

void AttentionExport::commit() {
  finish();
  impl_->file.commit();
}

}  // namespace huiyan::pipeline
