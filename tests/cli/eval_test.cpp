// `huiyan eval` as users run it: sacreBLEU's lines, --json, exit codes and one-line messages.

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "tests/cli/run_huiyan.h"
#include "tests/temp_dir.h"

namespace huiyan {
namespace {

using huiyan::testing::read_file;
using huiyan::testing::TempDir;

const std::string kVersion = std::string("version:huiyan-") + HUIYAN_VERSION;

testing::Outcome huiyan(const std::string& args) {
  return testing::run_huiyan(args);
}

size_t count_lines(const std::string& text) {
  return std::count(text.begin(), text.end(), '\n');
}

// sacreBLEU's README example: one hypothesis file and two reference files.
struct Files {
  TempDir dir;
  std::string hyp = dir.write(
      "hyp.txt", "The dog bit the man.\nIt wasn't surprising.\nThe man had just bitten him.\n");
  std::string ref1 = dir.write(
      "ref1.txt", "The dog bit the man.\nIt was not unexpected.\nThe man bit him first.\n");
  std::string ref2 = dir.write(
      "ref2.txt", "The dog had bit the man.\nNo one was surprised.\nThe man had bitten the dog.\n");
};

TEST(EvalCli, PrintsSacrebleuLinesWithSignatures) {
  Files f;
  const auto result =
      huiyan("eval --metric bleu,chrf --hyp " + f.hyp + " --ref " + f.ref1 + " --ref " + f.ref2);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(
      result.out,
      "BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)\n"
      "nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp|" +
          kVersion +
          "\n"
          "chrF2 = 59.73\n"
          "nrefs:2|case:mixed|eff:yes|nc:6|nw:0|space:no|" +
          kVersion + "\n");
  EXPECT_EQ(result.err, "");

  const auto intl = huiyan("eval --metric bleu --tokenize intl --lowercase --hyp " + f.hyp +
                           " --ref " + f.ref1 + " --ref " + f.ref2);
  ASSERT_EQ(intl.exit_code, 0) << intl.err;
  EXPECT_NE(intl.out.find("nrefs:2|case:lc|eff:no|tok:intl|smooth:exp|"), std::string::npos)
      << intl.out;
  EXPECT_EQ(intl.out.find("chrF2"), std::string::npos);
}

TEST(EvalCli, JsonHasUnroundedScoresSignaturesAndDetails) {
  Files f;
  const auto result = huiyan("eval --json --metric bleu --metric chrf --hyp " + f.hyp + " --ref " +
                             f.ref1 + " --ref " + f.ref2);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto json = nlohmann::json::parse(result.out);
  EXPECT_EQ(json["bleu"].get<double>(), 48.530827009929865);
  EXPECT_EQ(json["chrf"].get<double>(), 59.72751782684763);
  EXPECT_EQ(json["signature"]["bleu"], "nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp|" + kVersion);
  EXPECT_EQ(json["signature"]["chrf"], "nrefs:2|case:mixed|eff:yes|nc:6|nw:0|space:no|" + kVersion);
  const auto& details = json["bleu_details"];
  EXPECT_EQ(details["precisions"].size(), 4u);
  EXPECT_EQ(details["counts"], nlohmann::json({14, 7, 5, 3}));
  EXPECT_EQ(details["totals"], nlohmann::json({17, 14, 11, 8}));
  EXPECT_EQ(details["hyp_len"], 17);
  EXPECT_EQ(details["ref_len"], 18);
  EXPECT_NEAR(details["bp"].get<double>(), 0.9428731438548749, 1e-15);
  EXPECT_NEAR(details["ratio"].get<double>(), 17.0 / 18, 1e-15);
}

TEST(EvalCli, EmptyFilesScoreZero) {
  TempDir dir;
  const std::string hyp = dir.write("hyp.txt", "");
  const std::string ref = dir.write("ref.txt", "");
  const auto result = huiyan("eval --metric bleu,chrf --hyp " + hyp + " --ref " + ref);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(
      result.out.rfind(
          "BLEU = 0.00 0.0/0.0/0.0/0.0 (BP = 1.000 ratio = 0.000 hyp_len = 0 ref_len = 0)\n", 0),
      0u)
      << result.out;
  EXPECT_NE(result.out.find("chrF2 = 0.00\n"), std::string::npos);
}

TEST(EvalCli, BadDataExitsWithOneNamingFileAndLine) {
  TempDir dir;
  const std::string hyp = dir.write("hyp.txt", "a b\nc d\ne f\n");
  const std::string short_ref = dir.write("short.txt", "a b\nc d\n");
  const std::string bad_hyp = dir.write("bad.txt", "a b\nc \xFE\ne f\n");
  const std::string blank_ref = dir.write("blank.txt", "a b\n   \ne f\n");

  const auto misaligned = huiyan("eval --hyp " + hyp + " --ref " + short_ref);
  EXPECT_EQ(misaligned.exit_code, 1);
  EXPECT_EQ(count_lines(misaligned.err), 1u) << misaligned.err;
  EXPECT_NE(misaligned.err.find(short_ref + ": has 2 lines but " + hyp + " has 3"),
            std::string::npos)
      << misaligned.err;

  const auto invalid = huiyan("eval --hyp " + bad_hyp + " --ref " + hyp);
  EXPECT_EQ(invalid.exit_code, 1);
  EXPECT_EQ(count_lines(invalid.err), 1u) << invalid.err;
  EXPECT_NE(invalid.err.find(bad_hyp + ": line 2: invalid UTF-8"), std::string::npos)
      << invalid.err;

  // A reference line of spaces is empty once stripped; with no other reference, sacreBLEU
  // refuses it.
  const auto blank = huiyan("eval --hyp " + hyp + " --ref " + blank_ref);
  EXPECT_EQ(blank.exit_code, 1);
  EXPECT_NE(blank.err.find(blank_ref + ": line 2: the reference is empty"), std::string::npos)
      << blank.err;
  // With a second reference the line just has one reference fewer.
  const auto variable = huiyan("eval --hyp " + hyp + " --ref " + blank_ref + " --ref " + hyp);
  EXPECT_EQ(variable.exit_code, 0) << variable.err;
  EXPECT_NE(variable.out.find("nrefs:var|"), std::string::npos) << variable.out;
}

TEST(EvalCli, UsageErrorsExitWithTwoAndOneLine) {
  Files f;
  const std::string files = " --hyp " + f.hyp + " --ref " + f.ref1;
  const std::vector<std::string> cases = {"eval",
                                          "eval --hyp " + f.hyp,
                                          "eval --metric ter" + files,
                                          "eval --metric bleu," + files,
                                          "eval --tokenize moses" + files,
                                          "eval --bogus" + files,
                                          "eval --hyp - --ref -"};
  for (const auto& args : cases) {
    const auto result = huiyan(args);
    EXPECT_EQ(result.exit_code, 2) << args << ": " << result.err;
    EXPECT_EQ(count_lines(result.err), 1u) << args << ": " << result.err;
    EXPECT_EQ(result.out, "") << args;
  }
  const auto help = huiyan("eval --help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("Usage: huiyan eval"), std::string::npos);
  EXPECT_NE(huiyan("--help").out.find("eval"), std::string::npos);
}

}  // namespace
}  // namespace huiyan
