// The huiyan binary as users run it: exit codes, one-line messages, pipes.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "io/dataset.h"
#include "tests/cli/run_huiyan.h"
#include "tests/temp_dir.h"

namespace huiyan {
namespace {

using huiyan::testing::read_file;
using huiyan::testing::TempDir;

const std::string kBinary = HUIYAN_BINARY;
const std::string kData = HUIYAN_TEST_DATA_DIR;

// Runs `huiyan <args>` through the shell with `input` on stdin.
testing::Outcome huiyan(const std::string& args, const std::string& input = "") {
  return testing::run_huiyan(args, input);
}

size_t count_lines(const std::string& text) {
  return std::count(text.begin(), text.end(), '\n');
}

// Output that cannot be written (a full disk) fails the command, whatever it printed: no score or
// help is lost with a successful exit.
TEST(Cli, AFailedWriteToStdoutExitsWithOne) {
  if (::access("/dev/full", W_OK) != 0) GTEST_SKIP() << "no writable /dev/full";
  TempDir dir;
  const std::string text = dir.write("text.txt", "a cat sat\non the mat\n");
  for (const std::string& args :
       {"eval --hyp " + text + " --ref " + text, "eval --json --hyp " + text + " --ref " + text,
        std::string("--help"), std::string("--version"), std::string("eval --help")}) {
    const std::string command =
        std::string(HUIYAN_BINARY) + " " + args + " > /dev/full 2> " + (dir / "err");
    const int status = std::system(command.c_str());
    ASSERT_TRUE(WIFEXITED(status)) << args;
    EXPECT_EQ(WEXITSTATUS(status), 1) << args;
    EXPECT_NE(read_file(dir / "err").find("<stdout>: write failed (No space left on device)"),
              std::string::npos)
        << args;
  }
}

// Standard descriptors the caller closed are errors on use, not a hang: a closed stdin once
// became the signal watcher's descriptor, read signals as text and ignored Ctrl-C.
TEST(Cli, ClosedStandardDescriptorsAreErrorsOnUse) {
  TempDir dir;
  const std::string text = dir.write("text.txt", "a cat sat\n");
  const std::string eval = "timeout -k 5 60 " + std::string(HUIYAN_BINARY) + " eval --ref " + text;
  for (const auto& [redirect, message] :
       {std::pair<std::string, std::string>{" --hyp - <&-",
                                            "<stdin>: cannot read: Bad file descriptor"},
        std::pair<std::string, std::string>{" --hyp " + text + " >&-",
                                            "<stdout>: write failed (Bad file descriptor)"}}) {
    const std::string command = eval + redirect + " 2> " + (dir / "err");
    const int status = std::system(command.c_str());
    ASSERT_TRUE(WIFEXITED(status)) << redirect;
    EXPECT_EQ(WEXITSTATUS(status), 1) << redirect;  // timeout's would be 124
    EXPECT_NE(read_file(dir / "err").find(message), std::string::npos) << read_file(dir / "err");
  }
}

TEST(Cli, HelpListsBuiltCommandsAndVersion) {
  const auto help = huiyan("--help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("preprocess"), std::string::npos);
  EXPECT_NE(help.out.find("tokenize"), std::string::npos);
  EXPECT_NE(help.out.find("translate"), std::string::npos);
  EXPECT_NE(help.out.find("recommend"), std::string::npos);
  EXPECT_NE(help.out.find("classify"), std::string::npos);
  const auto version = huiyan("--version");
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_EQ(version.out.rfind("huiyan ", 0), 0u);
  for (const char* command :
       {"preprocess", "tokenize", "tokenize train", "tokenize encode", "tokenize decode",
        "tokenize build", "tokenize sentences", "recommend", "train --task recommend", "classify",
        "train --task classify"}) {
    const auto result = huiyan(std::string(command) + " --help");
    EXPECT_EQ(result.exit_code, 0) << command;
    EXPECT_NE(result.out.find("Usage: huiyan " + std::string(command)), std::string::npos)
        << command;
  }
}

TEST(Cli, UsageErrorsExitWithTwoAndOneLine) {
  for (const char* args : {"", "frobnicate", "preprocess", "preprocess --format parallel",
                           "preprocess --format nonsense --out-dir x -i y", "tokenize",
                           "tokenize explode", "tokenize train --vocab-size many",
                           "preprocess --format text -i a --out-dir b --threads -3",
                           "preprocess --format text -i a --out-dir b --max-length -1",
                           "tokenize train -i a -o b --max-sentences -5",
                           "preprocess --format parallel --src - --tgt - --out-dir b",
                           // Options of another format are mistakes, not no-ops.
                           "preprocess --format interactions -i a --out-dir b --valid-size 0.1",
                           "preprocess --format interactions -i a --out-dir b --split train",
                           "preprocess --format text -i a --out-dir b --items c",
                           // An empty name is not "not given".
                           "preprocess --format text -i a --out-dir b --split ''",
                           "tokenize build --task text --data-dir a -m b -o c --splits ,",
                           // A file where a directory belongs.
                           "preprocess --format text -i a --out-dir /dev/null"}) {
    const auto result = huiyan(args);
    EXPECT_EQ(result.exit_code, 2) << args << ": " << result.err;
    if (std::string(args).empty()) continue;  // bare `huiyan` prints the help
    EXPECT_EQ(count_lines(result.err), 1u) << args << ": " << result.err;
  }
}

TEST(Cli, BadDataExitsWithOneNamingFileAndLine) {
  TempDir dir;
  const std::string bad = dir.write("bad.txt", "fine\nbroken \xFE\n");
  const auto result =
      huiyan("preprocess --format text -i " + bad + " --out-dir " + (dir / "o") + " --split train");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.err, "huiyan preprocess: error: " + bad +
                            ": line 2: invalid UTF-8 at byte 8 (use --skip-invalid to skip such "
                            "lines)\n");
  // Held-out sizes that leave nothing to train on are an error, and write nothing.
  const std::string two = dir.write("two.txt", "one line\nanother line\n");
  const auto no_train = huiyan("preprocess --format text -i " + two + " --out-dir " +
                               (dir / "held") + " --valid-size 1 --test-size 1");
  EXPECT_EQ(no_train.exit_code, 1) << no_train.err;
  EXPECT_NE(no_train.err.find("leaving none to train on"), std::string::npos) << no_train.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "held/train.txt"));
  const auto missing = huiyan("tokenize encode -m " + (dir / "none.model"));
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(count_lines(missing.err), 1u);
  EXPECT_NE(missing.err.find("none.model"), std::string::npos);

  const std::string not_a_model = dir.write("fake.model", "not a model at all");
  const auto corrupt = huiyan("tokenize encode -m " + not_a_model);
  EXPECT_EQ(corrupt.exit_code, 1);
  EXPECT_EQ(count_lines(corrupt.err), 1u);
}

TEST(Cli, SampleEndToEndPreprocessTokenizeBuild) {
  TempDir dir;
  const std::string out = dir / "data";
  ASSERT_EQ(
      huiyan("preprocess --format parallel --src " + kData + "/multi30k/train.de --tgt " + kData +
             "/multi30k/train.en --out-dir " + out + " --valid-size 40 --test-size 0 -q")
          .exit_code,
      0);
  const auto summary = nlohmann::json::parse(read_file(out + "/summary.json"));
  EXPECT_EQ(summary["splits"]["train"], 360);
  EXPECT_EQ(summary["splits"]["valid"], 40);
  const auto train =
      huiyan("tokenize train -i " + out + "/train.src -i " + out +
             "/train.tgt --vocab-size 400 --byte-fallback -o " + (dir / "joint.model"));
  ASSERT_EQ(train.exit_code, 0) << train.err;
  const auto build = huiyan("tokenize build --task translate --data-dir " + out + " -m " +
                            (dir / "joint.model") + " -o " + (dir / "data.h5"));
  ASSERT_EQ(build.exit_code, 0) << build.err;
  const auto dataset = io::read_dataset(dir / "data.h5");
  EXPECT_TRUE(dataset.joint_tokenizer);
  ASSERT_EQ(dataset.splits.size(), 2u);  // --test-size 0 writes no test split
  for (const auto& split : dataset.splits) {
    EXPECT_EQ(split.src.size(), split.name == "train" ? 360u : 40u);
  }

  // Encode -> decode through pipes gives the cleaned text back, line for line (byte fallback
  // spells characters unseen in training, such as valid's "Ü", as bytes).
  const std::string text = read_file(out + "/valid.src");
  const auto ids = huiyan("tokenize encode --ids -m " + (dir / "joint.model"), text);
  ASSERT_EQ(ids.exit_code, 0) << ids.err;
  EXPECT_EQ(count_lines(ids.out), 40u);
  const auto decoded = huiyan("tokenize decode --ids -m " + (dir / "joint.model"), ids.out);
  EXPECT_EQ(decoded.out, text);
  const auto bad_id = huiyan("tokenize decode --ids -m " + (dir / "joint.model"), "5 x 7\n");
  EXPECT_EQ(bad_id.exit_code, 1);
  EXPECT_NE(bad_id.err.find("<stdin>: line 1: 'x' is not a token id"), std::string::npos);
}

TEST(Cli, ImdbSampleToDocumentsOfSentences) {
  TempDir dir;
  const std::string out = dir / "imdb";
  const auto prep = huiyan("preprocess --format labeled --input " + kData +
                           "/imdb/train.tsv --label-column 1 --text-column 4 --valid-size 30 "
                           "--test-size 0 --out-dir " +
                           out);
  ASSERT_EQ(prep.exit_code, 0) << prep.err;
  EXPECT_NE(prep.err.find("read 300 lines, kept 300"), std::string::npos) << prep.err;
  EXPECT_EQ(read_file(out + "/train.txt").find("<br"), std::string::npos);
  ASSERT_EQ(huiyan("tokenize train -i " + out +
                   "/train.txt --split-sentences --vocab-size 500 -o " + (dir / "spm.model"))
                .exit_code,
            0);
  const auto build = huiyan("tokenize build --task classify --sentences --data-dir " + out +
                            " -m " + (dir / "spm.model") + " -o " + (dir / "imdb.h5"));
  ASSERT_EQ(build.exit_code, 0) << build.err;
  const auto dataset = io::read_dataset(dir / "imdb.h5");
  EXPECT_EQ(dataset.label_names, (std::vector<std::string>{"0", "1"}));
  for (const auto& split : dataset.splits) {
    ASSERT_TRUE(split.doc_offsets && split.labels);
    EXPECT_EQ(split.num_examples(), split.name == "train" ? 270u : 30u);
    EXPECT_GT(split.src.size(), split.num_examples());  // reviews hold several sentences
  }
}

TEST(Cli, SentencesSplitDocuments) {
  const auto result = huiyan("tokenize sentences", "One. Two!\n\nThree?\n");
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.out, "One.\nTwo!\n\n\nThree?\n\n");
  const auto joined = huiyan("tokenize sentences --tab", "One. Two!\n\nThree?\n");
  EXPECT_EQ(joined.out, "One.\tTwo!\n\nThree?\n");
}

// The model and its .vocab listing are written together: one that cannot be written fails before
// training and leaves neither behind.
TEST(Cli, TokenizeTrainWritesBothFilesOrNeither) {
  TempDir dir;
  std::filesystem::create_directory(dir / "m.vocab");
  const auto r = huiyan("tokenize train -i " + kData + "/multi30k/train.en --vocab-size 300 -o " +
                        (dir / "m.model"));
  EXPECT_EQ(r.exit_code, 2) << r.err;  // a directory as an output is a usage mistake
  EXPECT_NE(r.err.find("m.vocab is a directory"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "m.model"));
  EXPECT_EQ(r.err.find("training a"), std::string::npos) << "trained first: " << r.err;
}

// A pipe that delivers one line gets its line back before the input ends.
TEST(Cli, EncodeStreamsLineByLine) {
  TempDir dir;
  const std::string model = dir / "m.model";
  ASSERT_EQ(huiyan("tokenize train -i " + kData + "/multi30k/train.en --vocab-size 300 -o " + model)
                .exit_code,
            0);
  int to_child[2];
  int from_child[2];
  ASSERT_EQ(pipe(to_child), 0);
  ASSERT_EQ(pipe(from_child), 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    dup2(to_child[0], STDIN_FILENO);
    dup2(from_child[1], STDOUT_FILENO);
    close(to_child[1]);
    close(from_child[0]);
    execl(kBinary.c_str(), kBinary.c_str(), "tokenize", "encode", "-m", model.c_str(), nullptr);
    _exit(127);
  }
  close(to_child[0]);
  close(from_child[1]);
  const std::string line = "A man rides a bike.\n";
  ASSERT_EQ(write(to_child[1], line.data(), line.size()), static_cast<ssize_t>(line.size()));

  std::string got;
  pollfd fd{from_child[0], POLLIN, 0};
  while (got.find('\n') == std::string::npos) {
    ASSERT_EQ(poll(&fd, 1, 20000), 1) << "no output within 20 s while stdin stays open";
    char buffer[256];
    const ssize_t n = read(from_child[0], buffer, sizeof buffer);
    ASSERT_GT(n, 0);
    got.append(buffer, static_cast<size_t>(n));
  }
  EXPECT_EQ(got.substr(0, 4), "▁A");
  close(to_child[1]);
  close(from_child[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

}  // namespace
}  // namespace huiyan
