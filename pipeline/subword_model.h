#pragma once
// A trained SentencePiece model: text <-> pieces <-> ids. Special ids are fixed across huiyan:
// pad 0, unk 1, bos 2, eos 3 (set when the model is trained, see subword_trainer.h).

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sentencepiece {
class SentencePieceProcessor;
}

namespace huiyan::pipeline {

// `text` as SentencePiece is given it, to train on or to encode: io::one_line, and U+2581 (▁,
// SentencePiece's own mark for a space, which it could not tell from one) a space.
std::string encodable(std::string_view text);

class SubwordModel {
 public:
  // From a .model file; throws io::DataError naming the file if it is not a SentencePiece model.
  static SubwordModel load(const std::string& path);
  // From the serialized model bytes (as stored in datasets and model files); `origin` names
  // where they came from, for messages.
  static SubwordModel from_bytes(std::string bytes, const std::string& origin);

  SubwordModel(SubwordModel&&) noexcept;
  SubwordModel& operator=(SubwordModel&&) noexcept;
  ~SubwordModel();

  // Encoding and decoding are const and safe to call from several threads at once. Text is
  // encoded as `encodable` makes it, so that no piece printed holds a line break.
  std::vector<int> encode_ids(std::string_view text) const;
  std::vector<std::string> encode_pieces(std::string_view text) const;
  // As encode_ids, with each token's text as it stands in `text` (spaces before it included), so
  // that an unknown token shows what it stood for rather than <unk>.
  std::vector<int> encode_ids(std::string_view text, std::vector<std::string>& surfaces) const;
  // Decoding gives io::one_line of the text: a line break spelled by byte pieces (<0x0A>, <0x0D>)
  // or learned in a piece becomes a space, so that a line in gives a line out whatever a model
  // generates.
  std::string decode_ids(std::span<const int> ids) const;
  std::string decode_pieces(const std::vector<std::string>& pieces) const;

  int vocab_size() const;
  int pad_id() const;
  int unk_id() const;
  int bos_id() const;
  int eos_id() const;
  const std::string& piece(int id) const;
  float score(int id) const;

  // The serialized model, for storing inside HDF5 files.
  const std::string& bytes() const { return bytes_; }

 private:
  SubwordModel(std::unique_ptr<sentencepiece::SentencePieceProcessor> processor, std::string bytes,
               std::string origin);

  std::unique_ptr<sentencepiece::SentencePieceProcessor> processor_;
  std::string bytes_;
  std::string origin_;
};

}  // namespace huiyan::pipeline
