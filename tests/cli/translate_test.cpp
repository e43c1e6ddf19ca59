// huiyan train and huiyan translate as users run them, on the committed sample.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "io/hdf5_file.h"
#include "tests/cli/run_huiyan.h"
#include "tests/temp_dir.h"

namespace huiyan {
namespace {

using huiyan::testing::read_file;
using huiyan::testing::TempDir;

const std::string kData = HUIYAN_TEST_DATA_DIR;

using testing::Outcome;
using testing::run_huiyan;

// A child process running `command` through the shell, with the signals a test sends at their
// default action whatever the test runner ignores or blocks (nohup, a background job); killed
// and reaped when the test ends without waiting for it (a failed assertion).
class Child {
 public:
  explicit Child(const std::string& command) : pid_(::fork()) {
    if (pid_ != 0) return;
    sigset_t all;
    sigemptyset(&all);
    for (const int number : {SIGINT, SIGTERM, SIGHUP, SIGPIPE}) {
      ::signal(number, SIG_DFL);
      sigaddset(&all, number);
    }
    ::sigprocmask(SIG_UNBLOCK, &all, nullptr);
    const std::string line = "exec " + command;
    ::execl("/bin/sh", "sh", "-c", line.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ~Child() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const { return pid_; }
  // The child's wait status once it ended within `seconds` (then SIGKILL): -1 if it had to be
  // killed.
  int wait(int seconds) {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    int status = 0;
    while (::waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > give_up) return -1;  // the destructor kills it
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    pid_ = -1;
    return status;
  }

 private:
  pid_t pid_;
};

size_t lines(const std::string& text) {
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

// One small model for every test here: trained once through the CLI.
class TranslateCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::make_unique<TempDir>();  // lives for the whole suite
    const TempDir& d = *dir_;
    ASSERT_EQ(
        run_huiyan("preprocess -q --format parallel --src " + kData + "/multi30k/train.de --tgt " +
                   kData + "/multi30k/train.en --valid-size 40 --test-size 0 --out-dir " +
                   (d / "data"))
            .exit_code,
        0);
    ASSERT_EQ(run_huiyan("tokenize train -q -i " + (d / "data/train.src") + " -i " +
                         (d / "data/train.tgt") + " --vocab-size 500 --byte-fallback -o " +
                         (d / "joint.model"))
                  .exit_code,
              0);
    ASSERT_EQ(run_huiyan("tokenize build -q --task translate --data-dir " + (d / "data") + " -m " +
                         (d / "joint.model") + " -o " + (d / "data.h5"))
                  .exit_code,
              0);
    const Outcome train = run_huiyan(
        "train -q --task translate --data " + (d / "data.h5") + " -o " + (d / "model.h5") +
        " --dim 32 --heads 2 --layers 1 --ff-dim 64 --batch-tokens 600 --max-steps 40 "
        "--valid-every 20 --warmup 10 --lr 2e-3");
    ASSERT_EQ(train.exit_code, 0) << train.err;
    const Outcome rnn =
        run_huiyan("train -q --task translate --arch rnn --attention luong-general --data " +
                   (d / "data.h5") + " -o " + (d / "rnn.h5") +
                   " --embed-dim 16 --hidden 32 --layers 1 --batch-tokens 600 --max-steps 20 "
                   "--valid-every 10 --warmup 10 --lr 2e-3 --keep-checkpoints 2");
    ASSERT_EQ(rnn.exit_code, 0) << rnn.err;
  }
  static void TearDownTestSuite() { dir_.reset(); }
  static std::unique_ptr<TempDir> dir_;
};

std::unique_ptr<TempDir> TranslateCli::dir_;

TEST_F(TranslateCli, OneLineOutPerLineInWithEmptyLinesKept) {
  TempDir scratch;
  const Outcome r = run_huiyan("translate -m " + (*dir_ / "model.h5") + " --beam 2",
                               "Ein Mann.\n\nZwei Hunde spielen.\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(lines(r.out), 3u);
  EXPECT_EQ(r.out.substr(r.out.find('\n') + 1, 1), "\n");  // the empty line stays empty
  const Outcome nbest =
      run_huiyan("translate -m " + (*dir_ / "model.h5") + " --beam 3 --n-best 2", "Ein Mann.\n");
  EXPECT_EQ(lines(nbest.out), 2u);
  EXPECT_EQ(nbest.out.rfind("0 ||| ", 0), 0u);
}

// Lines read ahead and sorted by length together come back in input order: with one sentence per
// batch, every sentence decodes alone either way, so the outputs must match line for line.
TEST_F(TranslateCli, MaxiBatchSortingKeepsInputOrder) {
  const std::string source = read_file(*dir_ / "data/valid.src");
  const std::string model = " -m " + (*dir_ / "model.h5") + " --beam 2 --batch 1";
  const Outcome alone = run_huiyan("translate" + model + " --maxi-batch 1", source);
  const Outcome sorted = run_huiyan("translate" + model + " --maxi-batch 16", source);
  ASSERT_EQ(alone.exit_code, 0) << alone.err;
  ASSERT_EQ(sorted.exit_code, 0) << sorted.err;
  EXPECT_EQ(lines(sorted.out), lines(source));
  EXPECT_EQ(sorted.out, alone.out);
  EXPECT_EQ(run_huiyan("translate" + model + " --maxi-batch 0", "Ein Mann.\n").exit_code, 2);
  EXPECT_EQ(run_huiyan("translate" + model + " --batch 0", "Ein Mann.\n").exit_code, 2);
  // 64 default greedy sentences × 20,000 batches read ahead: over the cap of 1,000,000 lines.
  EXPECT_EQ(run_huiyan("translate -m " + (*dir_ / "model.h5") + " --beam 1 --maxi-batch 20000",
                       "Ein Mann.\n")
                .exit_code,
            2);
  // Greedy search by default in batches of 64 sentences: the same lines as one at a time.
  const std::string greedy = " -m " + (*dir_ / "model.h5") + " --beam 1";
  const Outcome batched = run_huiyan("translate" + greedy, source);
  ASSERT_EQ(batched.exit_code, 0) << batched.err;
  EXPECT_EQ(batched.out, run_huiyan("translate" + greedy + " --batch 1", source).out);
}

TEST_F(TranslateCli, BadInputWarnsAndKeepsAlignmentNeverCrashes) {
  TempDir scratch;
  std::string junk;
  for (int i = 1; i < 256; ++i) {
    if (i != '\n') junk.push_back(static_cast<char>(i));
  }
  const std::string long_line(100'000, 'a');
  const Outcome r = run_huiyan("translate -m " + (*dir_ / "model.h5") + " --beam 1",
                               "gut \xff kaputt\n" + junk + "\n" + long_line + "\nEin Hund.\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(lines(r.out), 4u);
  EXPECT_NE(r.err.find("<stdin>: line 1: invalid UTF-8"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("<stdin>: line 3: "), std::string::npos) << r.err;  // truncated
}

TEST_F(TranslateCli, EvalTranslatesAndScoresInOneGo) {
  const Outcome r = run_huiyan("eval --task translate -m " + (*dir_ / "model.h5") + " --src " +
                               (*dir_ / "data/valid.src") + " --ref " + (*dir_ / "data/valid.tgt") +
                               " --metric bleu,chrf --json --beam 2");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"bleu\""), std::string::npos);
  EXPECT_NE(r.out.find("\"chrf\""), std::string::npos);
  EXPECT_EQ(run_huiyan("eval --task translate -m " + (*dir_ / "model.h5")).exit_code, 2);
}

// --attention-out: one record per translated line, with a row per output piece (and eos) over
// the source pieces, each row a distribution.
TEST_F(TranslateCli, AttentionOutHasOneDistributionPerOutputPiece) {
  for (const char* model : {"model.h5", "rnn.h5"}) {
    TempDir scratch;
    const Outcome r = run_huiyan("translate -m " + (*dir_ / model) +
                                     " --beam 3 --max-length-offset 3 --json --attention-out " +
                                     (scratch / "att.jsonl"),
                                 "Ein Mann schläft.\n\nZwei Hunde spielen im Schnee.\n");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const std::string text = read_file(scratch / "att.jsonl");
    ASSERT_EQ(lines(text), 2u) << model;
    std::istringstream in(text);
    std::string line;
    std::vector<size_t> indices;
    while (std::getline(in, line)) {
      const auto record = nlohmann::json::parse(line);
      indices.push_back(record.at("index"));
      const size_t sources = record.at("source").size();
      const auto& weights = record.at("weights");
      ASSERT_EQ(weights.size(), record.at("target").size());
      EXPECT_EQ(record.at("target").back(), "</s>");
      for (const auto& row : weights) {
        ASSERT_EQ(row.size(), sources);
        double sum = 0;
        for (const auto& w : row) sum += w.get<double>();
        EXPECT_NEAR(sum, 1.0, 1e-4) << model;
      }
    }
    EXPECT_EQ(indices, (std::vector<size_t>{0, 2}));

    const Outcome h5 = run_huiyan(
        "translate -m " + (*dir_ / model) + " --beam 2 --attention-out " + (scratch / "att.h5"),
        "Ein Mann schläft.\n");
    ASSERT_EQ(h5.exit_code, 0) << h5.err;
    const io::h5::File file = io::h5::File::open_read(scratch / "att.h5");
    const io::h5::Group root = file.root();
    EXPECT_EQ(root.attr_string("format"), "huiyan-attention");
    EXPECT_EQ(root.attr_int("sentences"), 1);
    const auto weights = root.open_group("sentences/0").read_matrix<float>("weights");
    EXPECT_EQ(weights.shape[0], root.open_group("sentences/0").read_strings("target").size());
    EXPECT_EQ(weights.shape[1], root.open_group("sentences/0").read_strings("source").size());
  }
  EXPECT_EQ(run_huiyan("translate -m " + (*dir_ / "model.h5") + " --json", "x\n").exit_code, 2);
}

// -o and --attention-out write through what is not a regular file, as `>` does: a link to a
// file stays a link (its target gets the text) and /dev/null stays a device.
TEST_F(TranslateCli, OutputsWriteThroughLinksAndDevices) {
  TempDir scratch;
  std::filesystem::create_symlink(scratch / "real.en", scratch / "out.en");
  const std::string model = " -m " + (*dir_ / "model.h5") + " --beam 1";
  const Outcome to_file =
      run_huiyan("translate" + model + " -o " + (scratch / "out.en"), "Ein Mann.\n");
  ASSERT_EQ(to_file.exit_code, 0) << to_file.err;
  EXPECT_TRUE(std::filesystem::is_symlink(scratch / "out.en"));
  EXPECT_EQ(read_file(scratch / "real.en"), run_huiyan("translate" + model, "Ein Mann.\n").out);
  if (::access("/dev/null", W_OK) == 0) {
    const Outcome to_null = run_huiyan(
        "translate" + model + " --json --attention-out /dev/null -o /dev/null", "Ein Mann.\n");
    EXPECT_EQ(to_null.exit_code, 0) << to_null.err;
    EXPECT_EQ(to_null.out, "");
    EXPECT_TRUE(std::filesystem::is_character_file("/dev/null"));
  }
  // Translations and attention into one file would interleave: a usage error before any work.
  const Outcome same = run_huiyan("translate" + model + " --json -o " + (scratch / "out.en") +
                                      " --attention-out " + (scratch / "real.en"),
                                  "Ein Mann.\n");
  EXPECT_EQ(same.exit_code, 2) << same.err;
  EXPECT_NE(same.err.find("--attention-out"), std::string::npos) << same.err;
}

// The average of one checkpoint is that checkpoint: the same translations. The same file twice
// is refused (it would count double).
TEST_F(TranslateCli, AveragedCheckpointsTranslate) {
  TempDir scratch;
  const Outcome avg = run_huiyan("average -o " + (scratch / "avg.h5") + " --last 2 " +
                                 "--checkpoints-of " + (*dir_ / "rnn.h5"));
  ASSERT_EQ(avg.exit_code, 0) << avg.err;
  const Outcome same =
      run_huiyan("average -o " + (scratch / "same.h5") + " " + (*dir_ / "model.h5"));
  ASSERT_EQ(same.exit_code, 0) << same.err;
  EXPECT_NE(same.err.find("averaged 1 checkpoint ("), std::string::npos) << same.err;
  const Outcome twice = run_huiyan("average -o " + (scratch / "twice.h5") + " " +
                                   (*dir_ / "model.h5") + " " + (*dir_ / "model.h5"));
  EXPECT_EQ(twice.exit_code, 2) << twice.err;
  EXPECT_NE(twice.err.find("is given twice"), std::string::npos) << twice.err;
  const std::string input = "Ein Mann schläft.\nZwei Hunde.\n";
  EXPECT_EQ(run_huiyan("translate -m " + (scratch / "same.h5"), input).out,
            run_huiyan("translate -m " + (*dir_ / "model.h5"), input).out);
  EXPECT_EQ(run_huiyan("translate -m " + (scratch / "avg.h5"), input).exit_code, 0);
  EXPECT_EQ(run_huiyan("average -o " + (scratch / "x.h5") + " " + (*dir_ / "model.h5") + " " +
                       (*dir_ / "rnn.h5"))
                .exit_code,
            1);
  EXPECT_EQ(run_huiyan("average -o " + (scratch / "x.h5")).exit_code, 2);
}

TEST_F(TranslateCli, MissingOrWrongModelIsAnError) {
  TempDir scratch;
  const Outcome missing = run_huiyan("translate -m " + (scratch / "none.h5"), "x\n");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(lines(missing.err), 1u);
  const Outcome dataset = run_huiyan("translate -m " + (*dir_ / "data.h5"), "x\n");
  EXPECT_EQ(dataset.exit_code, 1);
  EXPECT_NE(dataset.err.find("not a huiyan model file"), std::string::npos) << dataset.err;
  EXPECT_EQ(
      run_huiyan("translate -m " + (*dir_ / "model.h5") + " --beam 2 --n-best 3", "").exit_code, 2);
}

// Options that cannot work are usage errors (exit 2, one line) before any work: a file name where
// stdin is read, length limits that leave no room, an option of the other architecture, and
// training settings that used to fail only at the first validation or on a long batch.
TEST_F(TranslateCli, UsageErrorsComeBeforeAnyWork) {
  const std::string model = " -m " + (*dir_ / "model.h5");
  const std::string data = " --data " + (*dir_ / "data.h5");
  TempDir scratch;
  // A dataset under a name that training with -o m.h5 would give a checkpoint.
  std::filesystem::copy_file(*dir_ / "data.h5", scratch / "m.step20.h5");
  const std::string out = " -o " + (scratch / "m.h5") + " --max-steps 5";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"translate" + model + " input.de", "unexpected argument 'input.de'"},
      // An output that would destroy an input, or two outputs in one file (one spelt ./).
      {"translate" + model + " -o " + (*dir_ / "model.h5"), "which is also an input"},
      {"translate" + model + " --attention-out " + (*dir_ / "model.h5"), "which is also an input"},
      {"translate" + model + " -o " + (scratch / "t.out") + " --attention-out " +
           scratch.path().string() + "/./t.out",
       "names where the translations go"},
      {"tokenize encode -m " + (*dir_ / "joint.model") + " -o " + (*dir_ / "joint.model"),
       "which is also an input"},
      {"translate" + model + " --max-length-ratio -5", "--max-length-ratio"},
      {"translate" + model + " --max-length-ratio nan", "--max-length-ratio"},
      {"translate" + model + " --max-length-offset -100", "--max-length-offset"},
      {"translate" + model + " --max-length-ratio 0 --max-length-offset 0", "no room"},
      {"translate" + model + " --length-penalty -1", "--length-penalty"},
      {"eval --task translate" + model + " --src a --ref b --beam 0", "--beam must be between 1"},
      {"translate" + model + " --beam -1", "--beam must be between 1"},
      {"translate" + model + " --beam 1001", "--beam must be between 1 (greedy) and 1000"},
      {"translate" + model + " --attention-out -", "--attention-out needs a file name, not stdout"},
      {"train --task translate" + data + out + " --attention luong-dot",
       "--attention is for --arch rnn"},
      {"train --task translate" + data + out + " --hard-attention", "--hard-attention is for"},
      {"train --task translate --arch rnn" + data + out + " --heads 4",
       "--heads is for --arch transformer"},
      {"train --task translate" + data + out + " --valid-beam 0", "--valid-beam"},
      {"train --task translate" + data + out + " --valid-beam 1001", "between 1 (greedy) and 1000"},
      {"train --task translate" + data + out + " --learned-positions --max-length 5000",
       "--max-length 5000"},
      {"train --task translate" + data + out + " --dim 0", "--dim must be > 0"},
      {"train --task translate" + data + out + " --layers -1", "--layers must be > 0"},
      {"train --task translate --arch rnn" + data + out + " --hidden 0", "--hidden must be > 0"},
      {"train --task translate" + data + out + " --dropout -0.5", "--dropout must be in [0, 1)"},
      {"train --task translate" + data + out + " --attention-dropout 1",
       "--attention-dropout must be in [0, 1)"},
      {"train --task translate" + data + out + " --patience -1", "--patience must be >= 0"},
      {"train --task translate --arch rnn" + data + out + " --window 3",
       "--window is for --attention-scope local"},
      {"train --task translate --arch rnn" + data + out + " --no-input-feeding",
       "--no-input-feeding is for --attention luong-*"},
      {"train --task translate" + data + out + " --max-time -1", "--max-time must be >= 0"},
      {"train --task translate" + data + " --max-steps 5 -o " + (*dir_ / "data.h5"),
       "is also an input"},
      {"train --task translate" + data + " --max-steps 5 -o " + scratch.path().string(),
       "is a directory"},
      // Every command's output, as train's -o.
      {"translate -m " + (*dir_ / "rnn.h5") + " -o " + scratch.path().string(), "is a directory"},
      {"translate -m " + (*dir_ / "rnn.h5") + " --attention-out " + scratch.path().string(),
       "--attention-out " + scratch.path().string() + " is a directory"},
      {"train --task translate --data " + (scratch / "m.last.h5") + " --max-steps 5 -o " +
           (scratch / "m.h5"),
       "saves its state to"},
      {"train --task translate --data " + (scratch / "m.step20.h5") +
           " --max-steps 5 --keep-checkpoints 1 -o " + (scratch / "m.h5"),
       "keeps checkpoints as"},
      {"average -o " + (*dir_ / "rnn.last.h5") + " --last 2 --checkpoints-of " + (*dir_ / "rnn.h5"),
       "is also an input"},
      {"train --task translate" + data + " --max-steps 5 -o " + (scratch / "d.h5"),
       "saves its state to " + (scratch / "d.last.h5") + ", which is a directory"},
      {"train --task translate" + data + " --max-steps 5 --keep-checkpoints 2 -o " +
           (scratch / "c.h5"),
       "keeps checkpoints as " + (scratch / "c.step20.h5") + ", which is a directory"},
  };
  std::filesystem::create_directory(scratch / "d.last.h5");
  std::filesystem::create_directory(scratch / "c.step20.h5");
  for (const auto& [args, message] : cases) {
    const Outcome r = run_huiyan(args, "Ein Hund.\n");
    EXPECT_EQ(r.exit_code, 2) << args << ": " << r.err;
    EXPECT_EQ(lines(r.err), 1u) << args << ": " << r.err;
    EXPECT_NE(r.err.find(message), std::string::npos) << args << ": " << r.err;
    EXPECT_EQ(r.out, "") << args;
  }
  EXPECT_FALSE(std::filesystem::exists(scratch / "m.h5"));
}

// A model that cannot be written is found before training: a device HDF5 cannot seek in, or a
// directory that does not exist.
TEST_F(TranslateCli, UnwritableModelFileFailsBeforeTraining) {
  const std::string train = "train -q --task translate --max-steps 5 --data " + (*dir_ / "data.h5");
  TempDir scratch;
  for (const std::string& output : {std::string("/dev/full"), scratch / "none/m.h5"}) {
    if (output == "/dev/full" && ::access("/dev/full", W_OK) != 0) continue;
    const Outcome r = run_huiyan(train + " -o " + output, "");
    EXPECT_EQ(r.exit_code, 1) << output << ": " << r.err;
    EXPECT_EQ(lines(r.err), 1u) << r.err;
    EXPECT_NE(r.err.find(output), std::string::npos) << r.err;
  }
  EXPECT_TRUE(std::filesystem::is_character_file("/dev/full") ||
              !std::filesystem::exists("/dev/full"));
}

// A write that fails midway (a full disk; here a file size limit) is an error naming the file the
// user asked for, with the system's reason, and leaves no temporary file. HDF5 used to crash at
// exit after such a failure.
TEST_F(TranslateCli, AWriteThatFailsMidwayIsAnErrorNotACrash) {
  TempDir scratch;
  const std::string command = "sh -c \"ulimit -f 20; exec " + std::string(HUIYAN_BINARY) +
                              " train -q --task translate --max-steps 5 --valid-every 5 --data " +
                              (*dir_ / "data.h5") +
                              " --dim 32 --heads 2 --layers 1 --ff-dim 64 --batch-tokens 600 -o " +
                              (scratch / "m.h5") + "\" 2> " + (scratch / "err");
  const int status = std::system(command.c_str());
  ASSERT_TRUE(WIFEXITED(status)) << "ended by a signal";
  EXPECT_EQ(WEXITSTATUS(status), 1);
  const std::string err = read_file(scratch / "err");
  EXPECT_EQ(lines(err), 1u) << err;
  EXPECT_NE(err.find(scratch / "m."), std::string::npos) << err;
  EXPECT_NE(err.find("(HDF5: File too large)"), std::string::npos) << err;
  EXPECT_EQ(err.find(".tmp."), std::string::npos) << err;
  for (const auto& entry : std::filesystem::directory_iterator(scratch.path())) {
    EXPECT_EQ(entry.path().string().find(".tmp."), std::string::npos) << entry.path();
  }
}

// Text output past `ulimit -f` (SIGXFSZ at its default, which would end the process and leave
// the temporary file) is an error with the reason, to a file by -o or to stdout, and the work
// stops there.
TEST_F(TranslateCli, TextOutputPastTheFileSizeLimitIsAnError) {
  TempDir scratch;
  std::string source;
  for (int i = 0; i < 3000; ++i) source += "Ein Mann fährt Fahrrad " + std::to_string(i) + ".\n";
  const std::string input = scratch.write("in.de", source);
  const std::string translate =
      std::string(HUIYAN_BINARY) + " translate --beam 1 -m " + (*dir_ / "model.h5");
  for (const std::string& output : {" -o " + (scratch / "out.en"), " > " + (scratch / "out.en")}) {
    const std::string command = "sh -c \"ulimit -f 4; exec " + translate + output + " < " + input +
                                "\" 2> " + (scratch / "err");
    const int status = std::system(command.c_str());
    ASSERT_TRUE(WIFEXITED(status)) << output << ": ended by a signal";
    EXPECT_EQ(WEXITSTATUS(status), 1) << output;
    const std::string err = read_file(scratch / "err");
    EXPECT_EQ(lines(err), 1u) << err;
    EXPECT_NE(err.find("(File too large)"), std::string::npos) << err;
    for (const auto& entry : std::filesystem::directory_iterator(scratch.path())) {
      EXPECT_EQ(entry.path().string().find(".tmp."), std::string::npos) << entry.path();
    }
    if (output.starts_with(" -o")) {
      EXPECT_FALSE(std::filesystem::exists(scratch / "out.en"));
    }
  }
  // stdout holds what fitted (sh counts the limit in 512-byte blocks).
  EXPECT_EQ(std::filesystem::file_size(scratch / "out.en"), 2048u);
}

// Translations and attention belong together: when the attention file cannot be written (here
// past a file size limit the translations fit within), -o's file keeps its old content too.
TEST_F(TranslateCli, AFailedAttentionFileLeavesTheTranslationsFileAsItWas) {
  TempDir scratch;
  std::string source;
  for (int i = 0; i < 200; ++i) source += "Ein Mann fährt Fahrrad " + std::to_string(i) + ".\n";
  const std::string input = scratch.write("in.de", source);
  const std::string out = scratch.write("out.en", "ORIG\n");
  const std::string command = "sh -c \"ulimit -f 100; exec " + std::string(HUIYAN_BINARY) +
                              " translate --beam 1 -m " + (*dir_ / "model.h5") + " -o " + out +
                              " --attention-out " + (scratch / "a.jsonl") + " --json < " + input +
                              "\" 2> " + (scratch / "err");
  const int status = std::system(command.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 1);
  const std::string err = read_file(scratch / "err");
  EXPECT_NE(err.find(scratch / "a.jsonl"), std::string::npos) << err;
  EXPECT_EQ(read_file(out), "ORIG\n");
  EXPECT_FALSE(std::filesystem::exists(scratch / "a.jsonl"));
  // Without the limit both are written.
  const Outcome r =
      run_huiyan("translate --beam 1 -m " + (*dir_ / "model.h5") + " -i " + input + " -o " + out +
                     " --attention-out " + (scratch / "a.jsonl") + " --json",
                 "");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(lines(read_file(out)), 200u);
  EXPECT_LT(std::filesystem::file_size(out), 51200u);  // the limit above left room for it
}

// Resuming a run that already reached --max-steps trains nothing and leaves its files as they are.
TEST_F(TranslateCli, ResumingAFinishedRunTrainsNothing) {
  TempDir scratch;
  std::filesystem::copy_file(*dir_ / "model.last.h5", scratch / "model.last.h5");
  const auto before = std::filesystem::last_write_time(scratch / "model.last.h5");
  const Outcome r = run_huiyan(
      "train --task translate --data " + (*dir_ / "data.h5") + " -o " + (scratch / "model.h5") +
          " --dim 32 --heads 2 --layers 1 --ff-dim 64 --batch-tokens 600 --max-steps 40 "
          "--valid-every 20 --warmup 10 --lr 2e-3 --resume",
      "");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("nothing to train: the model is at step 40"), std::string::npos) << r.err;
  EXPECT_EQ(std::filesystem::last_write_time(scratch / "model.last.h5"), before);
  EXPECT_FALSE(std::filesystem::exists(scratch / "model.h5"));
}

// Resuming with another model size or another tokenizer is an error naming what differs (it used
// to load same-shaped weights into another model); a new dropout is fine.
TEST_F(TranslateCli, ResumeRefusesAnotherModel) {
  TempDir scratch;
  std::filesystem::copy_file(*dir_ / "model.last.h5", scratch / "model.last.h5");
  const std::string resume = "train -q --task translate --data " + (*dir_ / "data.h5") + " -o " +
                             (scratch / "model.h5") +
                             " --dim 32 --layers 1 --ff-dim 64 --batch-tokens 600 --max-steps 41 "
                             "--valid-every 20 --warmup 10 --lr 2e-3 --resume";
  const Outcome heads = run_huiyan(resume + " --heads 4", "");
  EXPECT_EQ(heads.exit_code, 2) << heads.err;  // options against the run's: a usage mistake
  EXPECT_NE(heads.err.find("trained with --heads 2, but this run has --heads 4"), std::string::npos)
      << heads.err;
  // A preset's sizes are named as the preset's; sizes given as options override it.
  const Outcome preset = run_huiyan(resume + " --preset base", "");
  EXPECT_EQ(preset.exit_code, 2) << preset.err;
  EXPECT_NE(preset.err.find("--preset base has --heads 8"), std::string::npos) << preset.err;
  const std::string bare_resume = "train -q --task translate --data " + (*dir_ / "data.h5") +
                                  " -o " + (scratch / "model.h5") + " --max-steps 41 --resume";
  const Outcome preset_sizes = run_huiyan(bare_resume + " --preset small", "");
  EXPECT_EQ(preset_sizes.exit_code, 2) << preset_sizes.err;
  EXPECT_NE(preset_sizes.err.find("--preset small has --dim 256, but " +
                                  (scratch / "model.last.h5") + " was trained with --dim 32"),
            std::string::npos)
      << preset_sizes.err;
  // --layers is named as given, not as the stack it sets that differs.
  const Outcome layers = run_huiyan(bare_resume + " --layers 2", "");
  EXPECT_EQ(layers.exit_code, 2) << layers.err;
  EXPECT_NE(layers.err.find("--layers 2, but " + (scratch / "model.last.h5") +
                            " was trained with --encoder-layers 1 --decoder-layers 1"),
            std::string::npos)
      << layers.err;
  const Outcome dropout = run_huiyan(resume + " --heads 2 --dropout 0.3", "");
  EXPECT_EQ(dropout.exit_code, 0) << dropout.err;
}

// A resume given no options but a new --max-steps goes on with every setting of its run (model,
// batches, learning rate, warm-up, label smoothing, validation interval): it ends where the same
// run without a stop does. (--no-valid-bleu is not kept: a switch without an opposite could not
// be undone.)
TEST_F(TranslateCli, ABareResumeKeepsTheRunsSettings) {
  TempDir scratch;
  const std::string data = " --data " + (*dir_ / "data.h5");
  const std::string run = "train --task translate" + data +
                          " --dim 32 --heads 2 --layers 1 --ff-dim 64 --batch-tokens 500 "
                          "--warmup 7 --lr 3e-3 --label-smoothing 0.2 --valid-every 10 "
                          "--no-valid-bleu --seed 3 --threads 1 -o ";
  const Outcome whole = run_huiyan(run + (scratch / "a.h5") + " --max-steps 20", "");
  ASSERT_EQ(whole.exit_code, 0) << whole.err;
  ASSERT_EQ(run_huiyan(run + (scratch / "b.h5") + " --max-steps 10", "").exit_code, 0);
  const Outcome rest = run_huiyan("train --task translate" + data + " -o " + (scratch / "b.h5") +
                                      " --resume --max-steps 20 --no-valid-bleu --threads 1",
                                  "");
  ASSERT_EQ(rest.exit_code, 0) << rest.err;
  const auto validation = [](const std::string& err) {
    const size_t at = err.find("step 20 epoch");
    return at == std::string::npos ? std::string() : err.substr(at, err.find('\n', at) - at);
  };
  EXPECT_FALSE(validation(whole.err).empty()) << whole.err;
  EXPECT_EQ(validation(rest.err), validation(whole.err)) << rest.err;
}

// Given no model options, a resume goes on with the model the file holds, Transformer or RNN; and
// given no batching options, it cuts batches as the run did (so it warns of no change mid-epoch).
TEST_F(TranslateCli, ResumeTakesTheModelFromItsFile) {
  TempDir scratch;
  for (const char* name : {"model", "rnn"}) {
    std::filesystem::copy_file(*dir_ / (std::string(name) + ".last.h5"),
                               scratch / (std::string(name) + ".last.h5"));
    const Outcome resumed = run_huiyan("train --task translate --data " + (*dir_ / "data.h5") +
                                       " -o " + (scratch / (std::string(name) + ".h5")) +
                                       " --max-steps 45 --valid-every 20 --no-valid-bleu --resume");
    EXPECT_EQ(resumed.exit_code, 0) << resumed.err;
    EXPECT_EQ(resumed.err.find("warning"), std::string::npos) << resumed.err;
    EXPECT_NE(resumed.err.find("trained 45 steps"), std::string::npos) << resumed.err;
  }
}

// Ctrl-C during training stops it after the step it is taking, saves the run and ends the process
// by SIGINT (so a script stops too); --resume goes on from the step it stopped at.
TEST_F(TranslateCli, CtrlCSavesTheRunForResume) {
  TempDir scratch;
  const std::string train = std::string(HUIYAN_BINARY) + " train --task translate --data " +
                            (*dir_ / "data.h5") + " -o " + (scratch / "model.h5") +
                            " --dim 32 --heads 2 --layers 1 --ff-dim 64 --batch-tokens 600 "
                            "--valid-every 20 --warmup 10 --lr 2e-3 --threads 1 --no-valid-bleu";
  const std::string err = scratch / "stderr";
  Child child(train + " --max-steps 1000000 2> " + err);
  ASSERT_GE(child.pid(), 0);
  // Once the first validation saved the model, training is under way: interrupt it.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (read_file(err).find("valid loss") == std::string::npos &&
         std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(child.pid(), SIGINT);
  const int status = child.wait(120);
  const std::string said = read_file(err);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGINT) << status << "\n" << said;
  const std::string stopped = "stopped by Ctrl-C (SIGINT) at step ";
  const size_t at = said.find(stopped);
  ASSERT_NE(at, std::string::npos) << said;
  const int64_t step = std::stoll(said.substr(at + stopped.size()));
  EXPECT_NE(said.find((scratch / "model.last.h5") + " holds the run"), std::string::npos) << said;

  const Outcome resumed = run_huiyan(train.substr(train.find(" train ") + 1) +
                                     " --resume --max-steps " + std::to_string(step + 3));
  EXPECT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_NE(resumed.err.find("trained " + std::to_string(step + 3) + " steps"), std::string::npos)
      << resumed.err;
}

// Length limits beyond any sentence (a ratio of 1e20, the largest offset) allow as much as the
// model's positions do, not nothing; the offset counts output tokens, eos aside (the test model
// is too young to stop: it fills whatever room it gets).
TEST_F(TranslateCli, LengthLimitsCountOutputTokens) {
  TempDir scratch;
  const std::string translate = "translate --beam 1 -m " + (*dir_ / "model.h5");
  const std::string line = "Ein Hund läuft im Park.\n";
  const Outcome wide = run_huiyan(translate + " --max-length-ratio 1000", line);
  ASSERT_EQ(wide.exit_code, 0) << wide.err;
  for (const std::string limit :
       {" --max-length-ratio 1e20", " --max-length-offset 9223372036854775807"}) {
    const Outcome huge = run_huiyan(translate + limit, line);
    EXPECT_EQ(huge.exit_code, 0) << limit << ": " << huge.err;
    EXPECT_EQ(huge.out, wide.out) << limit;
  }
  // The target pieces exported with the attention: the output tokens, then eos.
  const auto pieces = [&](const std::string& limits) {
    const std::string json = scratch / "attention.jsonl";
    const Outcome run =
        run_huiyan(translate + limits + " --attention-out " + json + " --json", line);
    EXPECT_EQ(run.exit_code, 0) << run.err;
    return nlohmann::json::parse(read_file(json))["target"].size();
  };
  ASSERT_GT(pieces(" --max-length-ratio 1000"), 4u);
  EXPECT_EQ(pieces(" --max-length-ratio 0 --max-length-offset 3"), 4u);
  EXPECT_EQ(pieces(" --max-length-ratio 0 --max-length-offset 1"), 2u);
}

// A valid pair with an empty target (data that did not go through preprocess) is an error before
// training, naming the dataset and the pair, not a crash at the first validation.
TEST_F(TranslateCli, AnEmptyValidReferenceIsFoundBeforeTraining) {
  TempDir scratch;
  std::filesystem::copy(*dir_ / "data", scratch / "data");
  std::string targets = read_file(scratch / "data/valid.tgt");
  targets = "\n" + targets.substr(targets.find('\n') + 1);
  scratch.write("data/valid.tgt", targets);
  ASSERT_EQ(run_huiyan("tokenize build -q --task translate --data-dir " + (scratch / "data") +
                       " -m " + (*dir_ / "joint.model") + " -o " + (scratch / "data.h5"))
                .exit_code,
            0);
  const Outcome train =
      run_huiyan("train -q --task translate --data " + (scratch / "data.h5") + " -o " +
                 (scratch / "m.h5") + " --dim 16 --heads 2 --layers 1 --ff-dim 32 --max-steps 5");
  EXPECT_EQ(train.exit_code, 1) << train.err;
  EXPECT_NE(train.err.find((scratch / "data.h5") + ": /valid: pair 1 has an empty target"),
            std::string::npos)
      << train.err;
  EXPECT_FALSE(std::filesystem::exists(scratch / "m.h5"));
}

// Ctrl-C while translate waits for more input quits at once, by the signal: the output and the
// attention file stay as they were (an earlier file keeps its content, a new one is not made),
// no temporary file is left beside them, and stderr names them. SIGTERM and SIGHUP do the same.
TEST_F(TranslateCli, ASignalLeavesTheOutputsAsTheyWere) {
  for (const int number : {SIGINT, SIGTERM, SIGHUP}) {
    TempDir scratch;
    const std::string fifo = scratch / "stdin";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    const std::string out = scratch.write("out.en", "earlier\n");
    const std::string err = scratch / "stderr";
    // Opened for reading and writing, the pipe has a reader from the start (no open blocks, and no
    // write raises SIGPIPE should translate end early), and a writer until the test ends.
    const int input = ::open(fifo.c_str(), O_RDWR | O_CLOEXEC);
    ASSERT_GE(input, 0);
    Child child(std::string(HUIYAN_BINARY) + " translate -m " + (*dir_ / "model.h5") +
                " --threads 1 -o " + out + " --attention-out " + (scratch / "att.h5") + " < " +
                fifo + " 2> " + err);
    ASSERT_GE(child.pid(), 0);
    const std::string line = "Ein Hund.\n";
    ASSERT_EQ(::write(input, line.data(), line.size()), static_cast<ssize_t>(line.size()));
    // One line, and the input held open: translate has its outputs' temporary files and waits.
    const auto temporaries = [&] {
      size_t count = 0;
      for (const auto& entry : std::filesystem::directory_iterator(scratch.path()))
        count += entry.path().filename().string().find(".tmp.") != std::string::npos ? 1 : 0;
      return count;
    };
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (temporaries() < 2 && std::chrono::steady_clock::now() < give_up) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ASSERT_EQ(temporaries(), 2u);
    ::kill(child.pid(), number);
    const int status = child.wait(60);
    ::close(input);
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == number) << status;
    std::vector<std::string> left;
    for (const auto& entry : std::filesystem::directory_iterator(scratch.path()))
      left.push_back(entry.path().filename().string());
    std::sort(left.begin(), left.end());
    EXPECT_EQ(left, (std::vector<std::string>{"out.en", "stderr", "stdin"}));
    EXPECT_EQ(read_file(out), "earlier\n");
    const std::string said = read_file(err);
    EXPECT_NE(said.find("huiyan translate: stopped by "), std::string::npos) << said;
    const auto at = std::filesystem::canonical(scratch.path());
    EXPECT_NE(said.find((at / "out.en").string()), std::string::npos) << said;
    EXPECT_NE(said.find((at / "att.h5").string()), std::string::npos) << said;
  }
}

// A closed pipe on stdout (`| head` after its lines) ends translate by SIGPIPE, silently as a
// pipeline's commands end, and leaves no temporary file of --attention-out beside it.
TEST_F(TranslateCli, AClosedPipeLeavesNoTemporaryFile) {
  TempDir scratch;
  std::string many;
  for (int i = 0; i < 500; ++i) many += "Ein Hund läuft über die Wiese.\n";
  const std::string input = scratch.write("in.de", many);
  const std::string err = scratch / "stderr";
  const std::string command = "set -o pipefail; " + std::string(HUIYAN_BINARY) + " translate -m " +
                              (*dir_ / "model.h5") + " --threads 1 --beam 1 --attention-out " +
                              (scratch / "att.h5") + " < " + input + " 2> " + err +
                              " | true";  // the reader is gone before the first translation
  // The test runner may ignore SIGPIPE; the command must see its default action.
  const std::string shell = "trap - PIPE; " + command;
  const int status = std::system(("bash -c '" + shell + "'").c_str());
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 128 + SIGPIPE) << read_file(err);
  EXPECT_EQ(read_file(err), "");
  std::vector<std::string> left;
  for (const auto& entry : std::filesystem::directory_iterator(scratch.path()))
    left.push_back(entry.path().filename().string());
  std::sort(left.begin(), left.end());
  EXPECT_EQ(left, (std::vector<std::string>{"in.de", "stderr"}));
}

// eval --task translate warns about source lines as translate does, and checks the references'
// line count before translating, naming the source.
TEST_F(TranslateCli, EvalWarnsOnBadSourceLinesAndChecksReferencesFirst) {
  TempDir scratch;
  const std::string src = scratch.write("src.de", "gut \xff kaputt\nEin Hund.\n");
  const std::string ref = scratch.write("ref.en", "good\nA dog.\n");
  const std::string short_ref = scratch.write("short.en", "good\n");
  const std::string eval =
      "eval --task translate -m " + (*dir_ / "model.h5") + " --beam 1 --src " + src;
  const Outcome warned = run_huiyan(eval + " --ref " + ref);
  EXPECT_EQ(warned.exit_code, 0) << warned.err;
  EXPECT_NE(warned.err.find("warning"), std::string::npos) << warned.err;
  EXPECT_NE(warned.err.find("line 1: invalid UTF-8"), std::string::npos) << warned.err;
  EXPECT_EQ(run_huiyan(eval + " --ref " + ref + " -q").err, "");
  const Outcome mismatch = run_huiyan(eval + " --ref " + short_ref);
  EXPECT_EQ(mismatch.exit_code, 1);
  EXPECT_NE(mismatch.err.find(short_ref + ": has 1 lines but " + src + " has 2"), std::string::npos)
      << mismatch.err;
}

}  // namespace
}  // namespace huiyan
