#include "pipeline/subword_trainer.h"

#include <gtest/gtest.h>

#include <fstream>

#include "io/error.h"
#include "io/line_reader.h"
#include "io/utf8.h"
#include "pipeline/normalize.h"
#include "pipeline/subword_model.h"
#include "tests/temp_dir.h"

namespace huiyan::pipeline {
namespace {

using huiyan::testing::read_file;
using huiyan::testing::TempDir;

const std::string kSample = std::string(HUIYAN_TEST_DATA_DIR) + "/multi30k/train";

SubwordTrainOptions options(const TempDir& dir, const std::string& type) {
  SubwordTrainOptions o;
  o.inputs = {kSample + ".de", kSample + ".en"};
  o.output = dir / (type + ".model");
  o.vocab_size = 400;
  o.model_type = type;
  o.character_coverage = 1.0;
  return o;
}

class SubwordRoundTrip : public ::testing::TestWithParam<std::string> {};

TEST_P(SubwordRoundTrip, TrainEncodeDecodeGivesTheTextBack) {
  TempDir dir;
  const auto summary = train_subword_model(options(dir, GetParam()));
  EXPECT_EQ(summary.lines_read, 800u);
  EXPECT_EQ(summary.vocab_size, 400);

  const auto model = SubwordModel::load(dir / (GetParam() + ".model"));
  EXPECT_EQ(model.vocab_size(), 400);
  EXPECT_EQ(model.pad_id(), 0);
  EXPECT_EQ(model.unk_id(), 1);
  EXPECT_EQ(model.bos_id(), 2);
  EXPECT_EQ(model.eos_id(), 3);
  // SentencePiece sees text after `huiyan preprocess`, whose normalization it keeps.
  const TextNormalizer normalize;
  for (const char* side : {".de", ".en"}) {
    for (const auto& raw : io::read_lines(kSample + side)) {
      const std::string line = normalize(raw);
      const auto ids = model.encode_ids(line);
      ASSERT_EQ(model.decode_ids(ids), line);
      ASSERT_EQ(model.decode_pieces(model.encode_pieces(line)), line);
    }
  }
  // The vocabulary listing beside the model has one line per piece.
  const auto vocab = io::read_lines(dir / (GetParam() + ".vocab"));
  ASSERT_EQ(vocab.size(), 400u);
  EXPECT_EQ(vocab[1].substr(0, vocab[1].find('\t')), "<unk>");
}

INSTANTIATE_TEST_SUITE_P(ModelTypes, SubwordRoundTrip, ::testing::Values("unigram", "bpe"));

// A model with byte pieces can spell a line break; decoding gives a space there, so one line
// stays one line.
TEST(SubwordModel, DecodingNeverBreaksTheLine) {
  TempDir dir;
  SubwordTrainOptions o = options(dir, "unigram");
  o.byte_fallback = true;
  train_subword_model(o);
  const auto model = SubwordModel::load(o.output);
  std::vector<int> ids = model.encode_ids("a dog");
  const std::vector<int> dog = model.encode_ids("runs");
  int newline = -1, carriage_return = -1;
  for (int id = 0; id < model.vocab_size(); ++id) {
    if (model.piece(id) == "<0x0A>") newline = id;
    if (model.piece(id) == "<0x0D>") carriage_return = id;
  }
  ASSERT_GE(newline, 0);
  ASSERT_GE(carriage_return, 0);
  ids.push_back(newline);
  ids.push_back(carriage_return);
  ids.insert(ids.end(), dog.begin(), dog.end());
  const std::string text = model.decode_ids(ids);
  EXPECT_EQ(text.find_first_of("\r\n"), std::string::npos) << text;
  EXPECT_TRUE(text.starts_with("a dog")) << text;
  EXPECT_TRUE(text.ends_with("runs")) << text;
  std::vector<std::string> pieces = {model.piece(newline), "▁x"};
  EXPECT_EQ(model.decode_pieces(pieces).find('\n'), std::string::npos);
  // Breaks other readers split at (Python's splitlines: VT, FF, NEL, U+2028, U+2029) go too; other
  // characters spelt in bytes stay (an em dash).
  pieces = model.encode_pieces("a");
  for (const char* byte : {"<0x0B>", "<0x0C>", "<0xC2>", "<0x85>", "<0xE2>", "<0x80>", "<0xA8>",
                           "<0xE2>", "<0x80>", "<0xA9>", "<0xE2>", "<0x80>", "<0x94>"})
    pieces.emplace_back(byte);
  for (const std::string& piece : model.encode_pieces("b")) pieces.push_back(piece);
  EXPECT_EQ(model.decode_pieces(pieces), "a     — b");
}

// Text not cleaned by preprocess may hold characters that some readers break lines at (NEL is
// kept by SentencePiece's normalization): no piece is learned with one, and encoding prints none.
TEST(SubwordTrainer, NoPieceHoldsALineBreak) {
  TempDir dir;
  const std::string words[] = {"alpha",      "beta",      "eps\u0085ilon",
                               "ze\u2028ta", "et\u000ca", "th\u000beta"};
  {
    std::ofstream text(dir / "text.txt");
    for (int i = 0; i < 600; ++i) {
      text << words[i % 6] << ' ' << words[(i / 6) % 6] << ' ' << words[(i / 36) % 6] << '\n';
    }
  }
  SubwordTrainOptions o;
  o.inputs = {dir / "text.txt"};
  o.output = dir / "m.model";
  o.vocab_size = 30;
  o.model_type = "unigram";
  o.character_coverage = 1.0;
  train_subword_model(o);
  const auto model = SubwordModel::load(o.output);
  for (int id = 0; id < model.vocab_size(); ++id) {
    EXPECT_EQ(io::one_line(model.piece(id)), model.piece(id)) << id;
  }
  std::string pieces;
  for (const auto& piece : model.encode_pieces("eps\u0085ilon ze\u2028ta et\u000ca"))
    pieces += piece;
  EXPECT_EQ(io::one_line(pieces), pieces);
  EXPECT_EQ(model.encode_ids("eps\u0085ilon"), model.encode_ids("eps ilon"));
}

TEST(SubwordTrainer, SameSeedSameModel) {
  TempDir dir;
  auto o = options(dir, "unigram");
  o.max_sentences = 300;  // forces the seeded sample
  train_subword_model(o);
  const std::string first = read_file(o.output);
  train_subword_model(o);
  EXPECT_EQ(read_file(o.output), first);
}

TEST(SubwordTrainer, BadInputAndOptionsAreReported) {
  TempDir dir;
  auto o = options(dir, "unigram");
  o.model_type = "wordpiece";
  EXPECT_THROW(train_subword_model(o), std::invalid_argument);

  o = options(dir, "unigram");
  o.inputs = {dir.write("bad.txt", "good line\nbad \xFF line\n")};
  try {
    train_subword_model(o);
    FAIL() << "no error";
  } catch (const io::DataError& e) {
    EXPECT_NE(std::string(e.what()).find("bad.txt: line 2: invalid UTF-8"), std::string::npos);
  }

  o = options(dir, "unigram");
  o.vocab_size = 100000;  // more pieces than the sample can give
  try {
    train_subword_model(o);
    FAIL() << "no error";
  } catch (const io::DataError& e) {
    // SentencePiece's own words, without the source line and check they came with.
    EXPECT_NE(std::string(e.what()).find("failed: Vocabulary size too high (100000)"),
              std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(o.output));

  // The output may not be a file it reads.
  o = options(dir, "unigram");
  o.inputs = {dir.write("corpus.vocab", "a line\n")};
  o.output = dir / "corpus.model";  // its listing would be corpus.vocab
  EXPECT_THROW(train_subword_model(o), std::invalid_argument);
  EXPECT_EQ(io::read_lines(dir / "corpus.vocab").size(), 1u);
}

TEST(SubwordModel, RejectsBytesThatAreNotAModel) {
  EXPECT_THROW(SubwordModel::from_bytes("not a model", "x.h5:/tokenizer/src"), io::DataError);
  EXPECT_THROW(SubwordModel::load("/nonexistent.model"), io::DataError);
}

}  // namespace
}  // namespace huiyan::pipeline
