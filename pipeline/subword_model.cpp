#include "pipeline/subword_model.h"

#include <sentencepiece_processor.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include "io/error.h"
#include "io/utf8.h"

namespace huiyan::pipeline {

std::string encodable(std::string_view text) {
  static constexpr std::string_view kSpaceMark = "\xE2\x96\x81";
  const std::string line = io::one_line(text);
  std::string out;
  out.reserve(line.size());
  for (size_t i = 0; i < line.size(); ++i) {
    if (std::string_view(line).substr(i, kSpaceMark.size()) == kSpaceMark) {
      out += ' ';
      i += kSpaceMark.size() - 1;
    } else {
      out += line[i];
    }
  }
  return out;
}

SubwordModel SubwordModel::load(const std::string& path) {
  std::error_code error;
  if (!std::filesystem::exists(path, error)) {
    throw io::DataError(path + ": cannot open SentencePiece model (no such file)");
  }
  if (!std::filesystem::is_regular_file(path, error)) {
    throw io::DataError(path + ": cannot open SentencePiece model (not a regular file)");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw io::DataError(path + ": cannot open SentencePiece model");
  std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) throw io::DataError(path + ": cannot read SentencePiece model");
  return from_bytes(std::move(bytes), path);
}

SubwordModel SubwordModel::from_bytes(std::string bytes, const std::string& origin) {
  auto processor = std::make_unique<sentencepiece::SentencePieceProcessor>();
  const auto status = processor->LoadFromSerializedProto(bytes);
  if (!status.ok()) {
    throw io::DataError(origin + ": not a SentencePiece model (" + status.ToString() + ")");
  }
  return SubwordModel(std::move(processor), std::move(bytes), origin);
}

SubwordModel::SubwordModel(std::unique_ptr<sentencepiece::SentencePieceProcessor> processor,
                           std::string bytes, std::string origin)
    : processor_(std::move(processor)), bytes_(std::move(bytes)), origin_(std::move(origin)) {}

SubwordModel::SubwordModel(SubwordModel&&) noexcept = default;
SubwordModel& SubwordModel::operator=(SubwordModel&&) noexcept = default;
SubwordModel::~SubwordModel() = default;

std::vector<int> SubwordModel::encode_ids(std::string_view text) const {
  std::vector<int> ids;
  const auto status = processor_->Encode(encodable(text), &ids);
  if (!status.ok()) throw io::DataError(origin_ + ": cannot encode: " + status.ToString());
  return ids;
}

std::vector<int> SubwordModel::encode_ids(std::string_view text,
                                          std::vector<std::string>& surfaces) const {
  sentencepiece::ImmutableSentencePieceText encoded;
  const auto status = processor_->Encode(encodable(text), encoded.mutable_proto());
  if (!status.ok()) throw io::DataError(origin_ + ": cannot encode: " + status.ToString());
  std::vector<int> ids;
  surfaces.clear();
  for (const auto& piece : encoded.pieces()) {
    ids.push_back(static_cast<int>(piece.id()));
    surfaces.push_back(piece.surface());
  }
  return ids;
}

std::vector<std::string> SubwordModel::encode_pieces(std::string_view text) const {
  std::vector<std::string> pieces;
  const auto status = processor_->Encode(encodable(text), &pieces);
  if (!status.ok()) throw io::DataError(origin_ + ": cannot encode: " + status.ToString());
  return pieces;
}

std::string SubwordModel::decode_ids(std::span<const int> ids) const {
  const int size = vocab_size();
  for (const int id : ids) {
    if (id < 0 || id >= size) {
      throw io::DataError("id " + std::to_string(id) + " is outside the vocabulary of " + origin_ +
                          " (0.." + std::to_string(size - 1) + ")");
    }
  }
  std::string text;
  const auto status = processor_->Decode(std::vector<int>(ids.begin(), ids.end()), &text);
  if (!status.ok()) throw io::DataError(origin_ + ": cannot decode: " + status.ToString());
  return io::one_line(text);
}

std::string SubwordModel::decode_pieces(const std::vector<std::string>& pieces) const {
  std::string text;
  const auto status = processor_->Decode(pieces, &text);
  if (!status.ok()) throw io::DataError(origin_ + ": cannot decode: " + status.ToString());
  return io::one_line(text);
}

int SubwordModel::vocab_size() const {
  return processor_->GetPieceSize();
}
int SubwordModel::pad_id() const {
  return processor_->pad_id();
}
int SubwordModel::unk_id() const {
  return processor_->unk_id();
}
int SubwordModel::bos_id() const {
  return processor_->bos_id();
}
int SubwordModel::eos_id() const {
  return processor_->eos_id();
}

const std::string& SubwordModel::piece(int id) const {
  return processor_->IdToPiece(id);
}
float SubwordModel::score(int id) const {
  return processor_->GetScore(id);
}

}  // namespace huiyan::pipeline
