#include "pipeline/train_classify.h"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "io/dataset.h"
#include "io/error.h"
#include "pipeline/classify.h"
#include "pipeline/model_file.h"
#include "pipeline/training_state.h"
#include "tests/pipeline/classify_fixture.h"

namespace huiyan::pipeline {
namespace {

using huiyan::testing::TempDir;
using testing::sentiment_dataset;
using testing::tiny_training;

// Accuracy of a saved model on the dataset's test split.
double test_accuracy(const std::string& model_path, const std::string& data) {
  ClassifierFile model = load_classifier(model_path);
  const io::DatasetSplit test = io::read_split(data, "test");
  std::vector<DocumentView> docs;
  for (size_t i = 0; i < test.num_examples(); ++i) docs.push_back(document_of(test, i));
  return score_predictions(predict(*model.model, docs), gold_label_sets(test), model.labels, false,
                           0.5f)
      .accuracy;
}

class EveryArch : public ::testing::TestWithParam<std::string> {};

TEST_P(EveryArch, LearnsWhichWordsCarryTheSentiment) {
  TempDir dir;
  const std::string data = sentiment_dataset(dir);
  ClassifyTrainOptions o = tiny_training(data, dir / "m.h5", GetParam());
  if (GetParam() == "transformer") {
    // Word pieces of this tiny vocabulary are mostly letters: attention alone takes longer to
    // compose them into the deciding word than a recurrent encoder does.
    o.max_epochs = 20;
    o.model.dropout = 0;
  }
  const ClassifyTrainSummary s = train_classify(o);
  EXPECT_EQ(s.epochs, o.max_epochs);
  EXPECT_GE(s.best_valid_accuracy, 0.9);
  EXPECT_GE(test_accuracy(dir / "m.h5", data), 0.9) << GetParam();

  // The file alone classifies new text, and attends to the word that decides.
  ClassifierFile model = load_classifier(dir / "m.h5");
  EXPECT_EQ(model.labels, (std::vector<std::string>{"neg", "pos"}));
  SentenceSplitter splitter;
  const auto encoded =
      encode_text(model, splitter, "The story was quite long. My friend saw a wonderful film.");
  DocumentView doc;
  for (const auto& s : encoded) doc.emplace_back(s);
  const auto p = predict(*model.model, {doc}, true);
  EXPECT_GT(p[0].probabilities[1], 0.5f);
  const Explanation e = explain(model, p[0], doc);
  float total = 0;
  const WordWeight* heaviest = &e.words.front();
  for (const auto& w : e.words) {
    total += w.weight;
    if (w.weight > heaviest->weight) heaviest = &w;
  }
  EXPECT_NEAR(total, 1.0f, 1e-4f);
  EXPECT_EQ(e.words.size(), 11u);
}

INSTANTIATE_TEST_SUITE_P(TrainClassify, EveryArch,
                         ::testing::Values("han", "selfattn", "transformer"));

// A diverging run stops with an error, as every trainer does (it used to skip the step and keep a
// NaN model as its best).
TEST(TrainClassify, DivergenceStopsTraining) {
  TempDir dir;
  ClassifyTrainOptions o = tiny_training(sentiment_dataset(dir), dir / "m.h5", "selfattn");
  o.lr = 1e30f;
  o.warmup = 1;
  o.max_steps = 20;
  o.valid_every = 5;
  try {
    train_classify(o);
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("training diverged"), std::string::npos) << e.what();
  }
}

// A validated run resumed on a dataset without a valid split would take whatever comes last as its
// best model: refused, as translation refuses it, and the best model stays.
TEST(TrainClassify, AValidatedRunDoesNotResumeWithoutAValidSplit) {
  TempDir dir;
  ClassifyTrainOptions o = tiny_training(sentiment_dataset(dir), dir / "m.h5", "selfattn");
  o.max_steps = 4;
  o.valid_every = 2;
  train_classify(o);
  std::filesystem::create_directories(dir / "train_only");
  for (const char* name : {"train.txt", "train.label"})
    std::filesystem::copy_file(dir.path() / "data" / name, dir.path() / "train_only" / name);
  const auto best = std::filesystem::last_write_time(dir / "m.h5");
  o.data = testing::build_sentiment_dataset(dir, dir / "train_only", dir / "train_only.h5");
  o.resume = true;
  o.max_steps = 8;
  try {
    train_classify(o);
    FAIL() << "no error";
  } catch (const io::DataError& e) {
    EXPECT_NE(std::string(e.what()).find("has no valid split, but"), std::string::npos) << e.what();
  }
  EXPECT_EQ(std::filesystem::last_write_time(dir / "m.h5"), best);
}

TEST(TrainClassify, ResumeContinuesExactly) {
  TempDir dir;
  const std::string data = sentiment_dataset(dir);
  // A constant rate: a linear decay would end at the interrupted run's --max-steps.
  ClassifyTrainOptions straight = tiny_training(data, dir / "straight.h5", "selfattn");
  straight.schedule = "constant";
  straight.max_epochs = 2;
  straight.valid_every = 7;  // a validation saves the state mid-epoch
  train_classify(straight);
  ClassifyTrainOptions split = tiny_training(data, dir / "split.h5", "selfattn");
  split.schedule = "constant";
  split.max_epochs = 2;
  split.valid_every = 7;
  split.max_steps = 7;  // stops in the middle of the first epoch
  train_classify(split);
  split.max_steps = 0;
  split.resume = true;
  train_classify(split);
  const auto a = read_params(last_model_path(straight.output));
  const auto b = read_params(last_model_path(split.output));
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(a[i].name, b[i].name);
    EXPECT_EQ(std::memcmp(a[i].tensor.data(), b[i].tensor.data(),
                          static_cast<size_t>(a[i].tensor.numel()) * sizeof(float)),
              0)
        << a[i].name;
  }
}

TEST(TrainClassify, MultiLabelTunesItsThreshold) {
  TempDir dir;
  const std::string data = sentiment_dataset(dir, true);
  ClassifyTrainOptions o = tiny_training(data, dir / "m.h5", "han");
  o.max_epochs = 10;
  const ClassifyTrainSummary s = train_classify(o);
  EXPECT_GE(s.best_valid_score, 0.85);  // micro-F1
  ClassifierFile model = load_classifier(o.output);
  EXPECT_TRUE(model.model->config().multi_label);
  EXPECT_GT(model.threshold, 0.0f);
  EXPECT_LT(model.threshold, 1.0f);
  const io::DatasetSplit test = io::read_split(data, "test");
  std::vector<DocumentView> docs;
  for (size_t i = 0; i < test.num_examples(); ++i) docs.push_back(document_of(test, i));
  const auto m = score_predictions(predict(*model.model, docs), gold_label_sets(test), model.labels,
                                   true, model.threshold);
  EXPECT_GE(m.micro_f1, 0.85);
}

TEST(TrainClassify, AModelOfLowerCasedTextLowerCasesWhatItReads) {
  TempDir dir;
  sentiment_dataset(dir);
  // As `preprocess --lowercase` records it beside the split files.
  std::ofstream(dir / "data/summary.json") << R"({"lowercase": true})";
  const std::string lower = testing::build_sentiment_dataset(dir, dir / "data", dir / "lower.h5");
  ClassifyTrainOptions o = tiny_training(lower, dir / "m.h5", "selfattn");
  o.max_epochs = 1;
  train_classify(o);
  ClassifierFile model = load_classifier(o.output);
  EXPECT_TRUE(model.lowercase);
  SentenceSplitter splitter;
  EXPECT_EQ(encode_text(model, splitter, "A GREAT film."),
            encode_text(model, splitter, "A great film."));
  train_classify(tiny_training(dir / "data.h5", dir / "cased.h5", "selfattn"));
  EXPECT_FALSE(load_classifier(dir / "cased.h5").lowercase);
}

// An explanation spells words as the text has them: a character outside the vocabulary shows
// as typed, not as <unk>, and the words join back into the text.
TEST(TrainClassify, ExplanationsShowTheTextNotUnknownPieces) {
  TempDir dir;
  sentiment_dataset(dir);
  ClassifyTrainOptions o = tiny_training(dir / "data.h5", dir / "m.h5", "selfattn");
  o.max_epochs = 1;
  o.model.max_tokens = 40;
  train_classify(o);
  ClassifierFile model = load_classifier(o.output);
  SentenceSplitter splitter;
  const std::string text = "A great film \u2603 with \u6771\u4eac.";
  TokenSurfaces surfaces;
  const auto encoded = encode_text(model, splitter, text, &surfaces);
  EXPECT_EQ(encoded, encode_text(model, splitter, text));
  DocumentView doc;
  for (const auto& s : encoded) doc.emplace_back(s);
  const auto p = predict(*model.model, {doc}, true);
  std::string with_pieces, with_surfaces;
  for (const auto& w : explain(model, p[0], doc).words) with_pieces += w.word + " ";
  for (const auto& w : explain(model, p[0], doc, &surfaces).words) with_surfaces += w.word + " ";
  EXPECT_NE(with_pieces.find("<unk>"), std::string::npos) << with_pieces;
  EXPECT_EQ(with_surfaces, text + " ");

  // SentencePiece's own space mark in the text is a space: no word holds one or a space.
  std::string marked;
  encode_text(model, splitter, "good a\u2581b \u2581 film", &surfaces);
  for (const auto& sentence : surfaces) {
    for (const auto& s : sentence) marked += s;
  }
  EXPECT_EQ(marked.find("\u2581"), std::string::npos) << marked;

  // A document longer than the model reads: the words cut by the truncation are marked, and
  // every word shown is in the text.
  std::string long_text;
  for (const char* word : {"wonderful", "marvellous", "extraordinary", "splendid", "magnificent",
                           "delightful", "tremendous", "fantastic", "remarkable"}) {
    long_text += long_text.empty() ? word : std::string(" ") + word;
  }
  long_text += " " + long_text;
  const auto long_encoded = encode_text(model, splitter, long_text, &surfaces);
  ASSERT_GT(long_encoded[0].size(), 40u);
  DocumentView long_doc;
  for (const auto& s : long_encoded) long_doc.emplace_back(s);
  const auto long_p = predict(*model.model, {long_doc}, true);
  const Explanation cut = explain(model, long_p[0], long_doc, &surfaces);
  size_t marks = 0;
  for (const auto& w : cut.words) {
    std::string bare = w.word;
    for (size_t at; (at = bare.find("\u2026")) != std::string::npos;) {
      bare.erase(at, std::string("\u2026").size());
      ++marks;
    }
    EXPECT_FALSE(bare.empty());
    EXPECT_NE(long_text.find(bare), std::string::npos) << w.word;
  }
  EXPECT_GE(marks, 1u);
}

TEST(TrainClassify, HanNeedsSentences) {
  TempDir dir;
  io::Dataset d;
  d.task = "classify";
  d.label_names = {"a", "b"};
  d.src_tokenizer = "x";
  io::DatasetSplit train;
  train.name = "train";
  train.src.append(std::vector<int32_t>{4, 5});
  train.labels = std::vector<int32_t>{0};
  d.splits.push_back(train);
  io::write_dataset(dir / "flat.h5", d);
  EXPECT_THROW(train_classify(tiny_training(dir / "flat.h5", dir / "m.h5", "han")), io::DataError);
}

TEST(TrainClassify, RejectsADatasetOfAnotherTask) {
  TempDir dir;
  io::Dataset d;
  d.task = "translate";
  io::write_dataset(dir / "t.h5", d);
  EXPECT_THROW(train_classify(tiny_training(dir / "t.h5", dir / "m.h5", "selfattn")),
               io::DataError);
}

}  // namespace
}  // namespace huiyan::pipeline
