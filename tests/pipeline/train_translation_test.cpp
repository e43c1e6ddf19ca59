#include "pipeline/train_translation.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

#include "io/dataset.h"
#include "io/error.h"
#include "io/line_reader.h"
#include "pipeline/bleu.h"
#include "pipeline/dataset_builder.h"
#include "pipeline/model_file.h"
#include "pipeline/subword_trainer.h"
#include "pipeline/training_state.h"
#include "pipeline/translate.h"
#include "tests/temp_dir.h"

namespace huiyan::pipeline {
namespace {

using huiyan::testing::TempDir;

const std::string kData = HUIYAN_TEST_DATA_DIR;

// A dataset from <dir>/data/{train,valid}.{src,tgt} with a joint SentencePiece model.
std::string make_dataset(const TempDir& dir, int vocab_size, bool byte_fallback) {
  SubwordTrainOptions spm;
  spm.inputs = {dir / "data/train.src", dir / "data/train.tgt"};
  spm.output = dir / "joint.model";
  spm.vocab_size = vocab_size;
  spm.byte_fallback = byte_fallback;
  spm.character_coverage = 1.0;
  train_subword_model(spm);
  DatasetBuildOptions build;
  build.task = "translate";
  build.data_dir = dir / "data";
  build.model = spm.output;
  build.output = dir / "data.h5";
  build_dataset(build);
  return build.output;
}

// The committed Multi30k sample as a dataset: 400 training pairs, 50 for valid.
std::string sample_dataset(const TempDir& dir) {
  std::filesystem::create_directories(dir / "data");
  std::filesystem::copy_file(kData + "/multi30k/train.de", dir / "data/train.src");
  std::filesystem::copy_file(kData + "/multi30k/train.en", dir / "data/train.tgt");
  std::filesystem::copy_file(kData + "/multi30k/test.de", dir / "data/valid.src");
  std::filesystem::copy_file(kData + "/multi30k/test.en", dir / "data/valid.tgt");
  return make_dataset(dir, 500, true);
}

// The dataset's training pairs alone, as a dataset without a valid split (same joint model).
std::string train_only_dataset(const TempDir& dir) {
  std::filesystem::create_directories(dir / "train_only");
  std::filesystem::copy_file(dir / "data/train.src", dir / "train_only/train.src");
  std::filesystem::copy_file(dir / "data/train.tgt", dir / "train_only/train.tgt");
  DatasetBuildOptions build;
  build.task = "translate";
  build.data_dir = dir / "train_only";
  build.model = dir / "joint.model";
  build.output = dir / "train_only.h5";
  build_dataset(build);
  return build.output;
}

// The sample's first `pairs` training pairs as both train and valid splits.
std::string first_pairs_dataset(const TempDir& dir, size_t pairs) {
  const auto de = io::read_lines(kData + "/multi30k/train.de");
  const auto en = io::read_lines(kData + "/multi30k/train.en");
  std::string src, tgt;
  for (size_t i = 0; i < pairs; ++i) {
    src += de[i] + "\n";
    tgt += en[i] + "\n";
  }
  for (const char* split : {"train", "valid"}) {
    dir.write(std::string("data/") + split + ".src", src);
    dir.write(std::string("data/") + split + ".tgt", tgt);
  }
  return make_dataset(dir, 150, false);
}

TranslationTrainOptions tiny(const std::string& data, const std::string& output) {
  TranslationTrainOptions o;
  o.data = data;
  o.output = output;
  o.model.dim = 32;
  o.model.heads = 2;
  o.model.encoder_layers = 1;
  o.model.decoder_layers = 1;
  o.model.ff_dim = 64;
  o.model.max_positions = 128;
  o.batch_tokens = 600;
  o.lr = 2e-3f;
  o.warmup = 10;
  o.progress = false;
  return o;
}

std::vector<uint32_t> parameter_bits(const std::string& path) {
  const ModelHeader header = read_model_header(path);
  Translator t = load_translator(path);
  std::vector<uint32_t> bits;
  for (const auto& p : t.model->parameters()) {
    std::vector<uint32_t> b(static_cast<size_t>(p.tensor.numel()));
    std::memcpy(b.data(), p.tensor.data(), b.size() * sizeof(float));
    bits.insert(bits.end(), b.begin(), b.end());
  }
  return bits;
}

TEST(TrainTranslation, LossFallsAndTheModelTranslates) {
  TempDir dir;
  const std::string data = sample_dataset(dir);
  auto o = tiny(data, dir / "model.h5");
  o.max_steps = 100;
  o.valid_every = 50;
  std::vector<std::string> log;
  o.log = [&](const std::string& line) { log.push_back(line); };
  const auto summary = train_translation(o);
  EXPECT_EQ(summary.steps, 100);
  // From ln(500) ≈ 6.2 at the start (label smoothing keeps it well above 0).
  EXPECT_LT(summary.last_train_loss, 5.3);
  ASSERT_GE(log.size(), 3u);
  // Off a terminal, a line every 100 steps: epoch, loss, lr, tok/s and the time to --max-steps.
  const auto periodic = std::find_if(log.begin(), log.end(), [](const std::string& line) {
    return line.starts_with("step 100 epoch ");
  });
  ASSERT_NE(periodic, log.end());
  for (const char* field : {" loss ", " lr ", " tok/s ", " ETA 0s"}) {
    EXPECT_NE(periodic->find(field), std::string::npos) << *periodic;
  }
  Translator translator = load_translator(dir / "model.h5");
  TranslateOptions t;
  t.beam = 2;
  const auto out = translate_lines(translator, {"Ein Mann.", "", "Zwei Hunde."}, "test", 1, t);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_FALSE(out[0].empty());
  EXPECT_TRUE(out[1].empty());  // an empty line is not translated
}

// Trains `whole` straight through, then the same up to `split_at` steps and on with --resume to
// the same end: the two last model files hold the very same parameters.
void expect_exact_resume(const TempDir& dir, TranslationTrainOptions whole, int64_t split_at) {
  whole.output = dir / "whole.h5";
  train_translation(whole);
  auto first = whole;
  first.output = dir / "split.h5";
  first.max_steps = split_at;
  train_translation(first);
  auto second = first;
  second.max_steps = whole.max_steps;
  second.resume = true;
  train_translation(second);
  EXPECT_EQ(parameter_bits(last_model_path(dir / "whole.h5")),
            parameter_bits(last_model_path(dir / "split.h5")));
}

// Stopping and resuming from the last model file gives the very same parameters as one run.
TEST(TrainTranslation, ResumeIsExact) {
  TempDir dir;
  auto whole = tiny(sample_dataset(dir), "");
  whole.max_steps = 16;
  whole.valid_every = 8;
  whole.model.dropout = 0.1f;
  expect_exact_resume(dir, whole, 8);
}

TranslationTrainOptions tiny_rnn(const std::string& data, const std::string& output,
                                 const std::string& attention) {
  TranslationTrainOptions o = tiny(data, output);
  o.arch = "rnn";
  o.rnn.embed_dim = 32;
  o.rnn.hidden = 48;
  o.rnn.encoder_layers = 1;
  o.rnn.decoder_layers = 1;
  o.rnn.attention = nn::rnn_attention_from(attention);
  o.rnn.dropout = 0.1f;
  return o;
}

TEST(TrainTranslation, RnnResumeIsExact) {
  TempDir dir;
  auto whole = tiny_rnn(sample_dataset(dir), "", "luong-general");
  whole.max_steps = 8;
  whole.valid_every = 4;
  expect_exact_resume(dir, whole, 4);
  EXPECT_EQ(load_translator(dir / "whole.h5").config.at("arch"), "rnn");
}

// Hard attention's sampling stream and REINFORCE baseline are training state too.
TEST(TrainTranslation, HardAttentionResumeIsExact) {
  TempDir dir;
  auto whole = tiny_rnn(sample_dataset(dir), "", "luong-general");
  whole.rnn.hard_attention = true;
  whole.max_steps = 8;
  whole.valid_every = 4;
  whole.valid_bleu = false;
  expect_exact_resume(dir, whole, 4);
}

// Validations without improvement count across a resume: stopped one validation before
// --patience ends it, the resumed run stops where the uninterrupted one did.
TEST(TrainTranslation, ResumeKeepsThePatienceCount) {
  TempDir dir;
  const std::string data = sample_dataset(dir);
  auto whole = tiny(data, dir / "whole.h5");
  whole.lr = 0.05f;  // a rate that makes validation loss worse, so patience runs out
  whole.schedule = "constant";
  whole.max_steps = 60;
  whole.valid_every = 2;
  whole.valid_bleu = false;
  whole.patience = 2;
  const int64_t stopped = train_translation(whole).steps;
  ASSERT_LT(stopped, 60);
  ASSERT_GE(stopped, 4);
  auto first = whole;
  first.output = dir / "split.h5";
  first.max_steps = stopped - 2;
  train_translation(first);
  auto second = first;
  second.max_steps = 60;
  second.resume = true;
  EXPECT_EQ(train_translation(second).steps, stopped);
}

// Given no step, epoch or time limit, training ends as Marian's does: after kDefaultPatience
// validations without a better loss (a learning rate of 0 keeps the loss where the first
// validation found it). Without a valid split nothing would end it: refused before any work.
TEST(TrainTranslation, WithoutALimitEarlyStoppingEndsTraining) {
  TempDir dir;
  const std::string data = sample_dataset(dir);
  auto o = tiny(data, dir / "model.h5");
  o.lr = 0;
  o.schedule = "constant";
  o.valid_every = 1;
  o.valid_bleu = false;
  EXPECT_EQ(train_translation(o).steps, 1 + kDefaultPatience);
  // The patience it ran with is the one a resume keeps.
  const auto config = nlohmann::json::parse(read_model_header(dir / "model.last.h5").config_json);
  EXPECT_EQ(config["training"]["patience"], kDefaultPatience);

  o.patience = 3;
  o.output = dir / "given.h5";
  EXPECT_EQ(train_translation(o).steps, 1 + 3);

  auto no_valid = tiny(train_only_dataset(dir), dir / "no_valid.h5");
  try {
    train_translation(no_valid);
    FAIL() << "trained without a limit or a valid split";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("has no valid split"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "no_valid.h5"));
}

// Stopped by --max-steps inside an epoch with validation only at epoch ends, training still
// validates and saves the model it ended with; --keep-checkpoints keeps the newest K.
TEST(TrainTranslation, SavesWhereverItStopsAndKeepsTheLastCheckpoints) {
  TempDir dir;
  const std::string data = sample_dataset(dir);
  auto o = tiny(data, dir / "model.h5");
  o.max_steps = 3;
  o.valid_every = 0;
  o.valid_bleu = false;
  train_translation(o);
  EXPECT_TRUE(std::filesystem::exists(dir / "model.h5"));
  EXPECT_TRUE(std::filesystem::exists(dir / "model.last.h5"));

  auto kept = tiny(data, dir / "kept.h5");
  kept.max_steps = 7;
  kept.valid_every = 2;
  kept.valid_bleu = false;
  kept.keep_checkpoints = 2;
  train_translation(kept);
  // Validations at steps 2, 4, 6 and 7 (the end): the two newest stay.
  EXPECT_EQ(checkpoint_paths(dir / "kept.h5"),
            (std::vector<std::string>{checkpoint_path(dir / "kept.h5", 6),
                                      checkpoint_path(dir / "kept.h5", 7)}));
}

// A new run under the same -o prunes and averages only its own checkpoints: an earlier, longer
// run's later ones stay on disk and are left out.
TEST(TrainTranslation, CheckpointsBelongToTheirRun) {
  TempDir dir;
  const std::string data = sample_dataset(dir);
  auto first = tiny(data, dir / "model.h5");
  first.max_steps = 6;
  first.valid_every = 2;
  first.valid_bleu = false;
  first.keep_checkpoints = 3;
  train_translation(first);
  auto second = first;
  second.max_steps = 4;
  second.keep_checkpoints = 1;
  train_translation(second);
  // The second run's step 4 replaced the first's; the first's step 6 stays, its step 2 too (the
  // second run's step 2 replaced it, then its own pruning removed it).
  EXPECT_EQ(checkpoint_paths(dir / "model.h5"),
            (std::vector<std::string>{checkpoint_path(dir / "model.h5", 4),
                                      checkpoint_path(dir / "model.h5", 6)}));
  const RunCheckpoints latest = latest_run_checkpoints(dir / "model.h5");
  EXPECT_EQ(latest.paths, std::vector<std::string>{checkpoint_path(dir / "model.h5", 4)});
  EXPECT_EQ(latest.others, 1u);

  // Resuming keeps the run: its new checkpoints join the ones it made before.
  auto resumed = second;
  resumed.resume = true;
  resumed.max_steps = 8;
  resumed.keep_checkpoints = 2;
  train_translation(resumed);
  const RunCheckpoints after = latest_run_checkpoints(dir / "model.h5");
  EXPECT_EQ(after.paths, (std::vector<std::string>{checkpoint_path(dir / "model.h5", 6),
                                                   checkpoint_path(dir / "model.h5", 8)}));
  EXPECT_EQ(after.others, 0u);
}

// A run validated on its epoch's last step and resumed to validate each epoch does not validate
// that step again at the epoch's end (which, with --patience 1, would stop it having trained
// nothing).
TEST(TrainTranslation, AResumeDoesNotValidateTheSameStepTwice) {
  TempDir dir;
  auto o = tiny(sample_dataset(dir), dir / "model.h5");
  o.valid_bleu = false;
  o.max_epochs = 1;
  o.valid_every = 0;
  const int64_t per_epoch = train_translation(o).steps;
  o.max_epochs = 0;
  o.max_steps = per_epoch;
  o.valid_every = per_epoch;
  train_translation(o);
  o.resume = true;
  o.max_steps = per_epoch + 2;
  o.valid_every = 0;
  o.patience = 1;
  std::vector<std::string> log;
  o.log = [&](const std::string& line) { log.push_back(line); };
  const auto resumed = train_translation(o);
  EXPECT_EQ(resumed.steps, per_epoch + 2);
  for (const auto& line : log) {
    EXPECT_FALSE(line.starts_with("step " + std::to_string(per_epoch) + " ")) << line;
  }
}

// A validated run resumed on a dataset without a valid split would take whatever comes last as its
// best model: refused, and the best model stays.
TEST(TrainTranslation, AValidatedRunDoesNotResumeWithoutAValidSplit) {
  TempDir dir;
  auto o = tiny(sample_dataset(dir), dir / "model.h5");
  o.max_steps = 4;
  o.valid_every = 2;
  o.valid_bleu = false;
  train_translation(o);
  const std::string train_only = train_only_dataset(dir);
  const auto best = std::filesystem::last_write_time(dir / "model.h5");
  o.data = train_only;
  o.resume = true;
  o.max_steps = 8;
  try {
    train_translation(o);
    FAIL() << "no error";
  } catch (const io::DataError& e) {
    EXPECT_NE(std::string(e.what()).find("has no valid split, but"), std::string::npos) << e.what();
  }
  EXPECT_EQ(std::filesystem::last_write_time(dir / "model.h5"), best);
}

// A diverging run stops at the first loss that is not finite, saying so, rather than training
// on with NaN weights and exiting as if all went well.
TEST(TrainTranslation, DivergenceStopsTraining) {
  TempDir dir;
  auto o = tiny(sample_dataset(dir), dir / "model.h5");
  o.max_steps = 30;
  o.valid_bleu = false;
  o.lr = 1e30f;
  o.warmup = 1;
  try {
    train_translation(o);
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("training diverged; lower --lr"), std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "model.h5"));
}

// With all 24 pairs in one batch, each step of --accumulate 3 has only that batch: its
// gradient is the batch's mean, not a third of it, so the run matches --accumulate 1 bit for bit.
// (Adam nearly hides a gradient scaled alike at every step, its epsilon alone seeing the scale:
// the parameters' bits show it.)
TEST(TrainTranslation, AShortAccumulatedStepWeighsItsOwnBatches) {
  TempDir dir;
  auto one = tiny(first_pairs_dataset(dir, 24), dir / "one.h5");
  one.batch_tokens = 100'000;
  one.max_steps = 3;
  one.valid_bleu = false;
  train_translation(one);
  auto three = one;
  three.output = dir / "three.h5";
  three.accumulate = 3;
  train_translation(three);
  EXPECT_EQ(parameter_bits(last_model_path(dir / "one.h5")),
            parameter_bits(last_model_path(dir / "three.h5")));
}

// Validation at each epoch's end names the epoch just finished (the cursor already points at the
// next one).
TEST(TrainTranslation, ValidationAtAnEpochsEndNamesThatEpoch) {
  TempDir dir;
  const std::string data = sample_dataset(dir);
  auto o = tiny(data, dir / "model.h5");
  o.max_epochs = 2;
  o.valid_every = 0;
  o.valid_bleu = false;
  std::vector<std::string> validations;
  o.log = [&](const std::string& line) {
    if (line.find(" valid loss ") != std::string::npos) validations.push_back(line);
  };
  train_translation(o);
  ASSERT_EQ(validations.size(), 2u);
  EXPECT_NE(validations[0].find(" epoch 1 loss "), std::string::npos) << validations[0];
  EXPECT_NE(validations[1].find(" epoch 2 loss "), std::string::npos) << validations[1];
}

// A small model learns 24 training pairs by heart: translating their sources gives them back
// (BLEU far above the near-zero of an untrained model).
class Memorizes : public ::testing::TestWithParam<std::string> {};

TEST_P(Memorizes, ReproducesItsTrainingSentences) {
  TempDir dir;
  const std::string data = first_pairs_dataset(dir, 24);
  const auto sources = io::read_lines(dir / "data/train.src");
  const auto references = io::read_lines(dir / "data/train.tgt");

  auto o = tiny(data, dir / "model.h5");
  o.model.dim = 64;
  o.model.ff_dim = 128;
  o.model.dropout = 0;
  if (GetParam() != "transformer") {
    o = tiny_rnn(data, dir / "model.h5", GetParam());
    o.rnn.embed_dim = 64;
    o.rnn.hidden = 128;
    o.rnn.dropout = 0;
    o.lr = 3e-3f;
  }
  o.label_smoothing = 0;
  o.max_steps = 300;
  o.valid_every = 300;
  o.warmup = 30;
  const auto summary = train_translation(o);
  EXPECT_GT(summary.last_valid_bleu, 60.0);

  Translator translator = load_translator(dir / "model.h5");
  TranslateOptions greedy;
  greedy.beam = 1;
  const auto out = translate_lines(translator, sources, "test", 1, greedy);
  std::vector<std::string> hyps;
  for (const auto& h : out)
    hyps.push_back(h.empty() ? "" : translator.tgt_tokenizer->decode_ids(h[0].tokens));
  EXPECT_GT(corpus_bleu(hyps, {references}).score, 60.0);
}

INSTANTIATE_TEST_SUITE_P(Architectures, Memorizes,
                         ::testing::Values("transformer", "bahdanau", "luong-general"),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (auto& c : name)
                             if (c == '-') c = '_';
                           return name;
                         });

}  // namespace
}  // namespace huiyan::pipeline
