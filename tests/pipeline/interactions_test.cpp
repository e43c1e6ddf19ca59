#include "pipeline/interactions.h"

#include <gtest/gtest.h>

#include "io/error.h"
#include "pipeline/preprocess_interactions.h"
#include "tests/temp_dir.h"

namespace huiyan::pipeline {
namespace {

using huiyan::testing::TempDir;

std::vector<int32_t> row(const io::Ragged& r, size_t i) {
  return {r[i].begin(), r[i].end()};
}

std::vector<std::string> named(const UserSequences& s, size_t user) {
  std::vector<std::string> names;
  for (const int32_t i : s.sequences[user]) names.push_back(s.item_names[i - 1]);
  return names;
}

TEST(Interactions, OrdersEachUserByTimeAndKeepsFileOrderForTies) {
  TempDir dir;
  // MovieLens u.data: user, item, rating, timestamp, tab-separated, in no particular order.
  const std::string path = dir.write("u.data",
                                     "2\t30\t4\t300\n"
                                     "1\t10\t5\t200\n"
                                     "1\t20\t3\t100\n"
                                     "2\t10\t1\t300\n"
                                     "1\t30\t2\t200\n"
                                     "2\t20\t5\t100\n");
  const UserSequences s = read_interactions(path);
  ASSERT_EQ(s.user_names, (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(s.item_names, (std::vector<std::string>{"10", "20", "30"}));  // numeric order
  EXPECT_EQ(named(s, 0), (std::vector<std::string>{"20", "10", "30"}));   // 100, then the 200 tie
  EXPECT_EQ(named(s, 1), (std::vector<std::string>{"20", "30", "10"}));   // 100, then the 300 tie
}

TEST(Interactions, ReadsMovieLens1mAndSasRecFormats) {
  TempDir dir;
  const UserSequences ml1m =
      read_interactions(dir.write("ratings.dat",
                                  "1::1193::5::978300760\n1::661::3::978302109\n"
                                  "1::914::3::978301968\n"));
  EXPECT_EQ(named(ml1m, 0), (std::vector<std::string>{"1193", "914", "661"}));
  // SASRec's files are "user item", already chronological: the file order is the order.
  const UserSequences sasrec = read_interactions(dir.write("Video.txt", "1 5\n1 3\n2 3\n1 4\n"));
  EXPECT_EQ(named(sasrec, 0), (std::vector<std::string>{"5", "3", "4"}));
  EXPECT_EQ(row(sasrec.sequences, 0), (std::vector<int32_t>{3, 1, 2}));  // ids 3, 4, 5 -> 1, 2, 3
  // Ids that are not all numbers are numbered by first appearance.
  const UserSequences words =
      read_interactions(dir.write("w.txt", "bob zeta\nann alpha\nbob alpha\n"));
  EXPECT_EQ(words.user_names, (std::vector<std::string>{"bob", "ann"}));
  EXPECT_EQ(words.item_names, (std::vector<std::string>{"zeta", "alpha"}));
}

TEST(Interactions, MinRatingDropsLowRatings) {
  TempDir dir;
  const UserSequences s =
      read_interactions(dir.write("u.data", "1\t10\t5\t1\n1\t20\t2\t2\n1\t30\t4\t3\n"), 4);
  EXPECT_EQ(named(s, 0), (std::vector<std::string>{"10", "30"}));
  EXPECT_EQ(s.dropped_by_rating, 1u);
}

TEST(Interactions, MalformedLinesNameTheFileAndLine) {
  TempDir dir;
  const auto message = [&](const std::string& text) {
    try {
      read_interactions(dir.write("bad.txt", text));
    } catch (const io::DataError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message("1\t2\t3\t4\n1\n").find("bad.txt: line 2: expected"), std::string::npos);
  EXPECT_NE(message("1\t2\t5\tlater\n").find("line 1: timestamp 'later'"), std::string::npos);
  EXPECT_NE(message("1 2\n1 2 3 4\n").find("line 2: 4 fields where earlier lines had 2"),
            std::string::npos);
  EXPECT_NE(message("\n\n").find("no interactions"), std::string::npos);
}

TEST(LeaveOneOut, SplitsLikeSasRecIncludingShortHistories) {
  UserSequences s;
  s.user_names = {"a", "b", "c", "d"};
  s.item_names = {"1", "2", "3", "4", "5"};
  s.sequences.append(std::vector<int32_t>{1});              // 1 item: train only
  s.sequences.append(std::vector<int32_t>{1, 2});           // 2 items: train only
  s.sequences.append(std::vector<int32_t>{3, 4, 5});        // 3: train {3}, valid 4, test 5
  s.sequences.append(std::vector<int32_t>{5, 4, 3, 2, 1});  // 5: train {5,4,3}, valid 2, test 1
  const io::Dataset d = leave_one_out(s);
  ASSERT_EQ(d.splits.size(), 3u);
  const auto& [train, valid, test] = std::tie(d.splits[0], d.splits[1], d.splits[2]);
  EXPECT_EQ(train.name, "train");
  ASSERT_EQ(train.src.size(), 4u);
  EXPECT_EQ(row(train.src, 0), (std::vector<int32_t>{1}));
  EXPECT_EQ(row(train.src, 1), (std::vector<int32_t>{1, 2}));
  EXPECT_EQ(row(train.src, 2), (std::vector<int32_t>{3}));
  EXPECT_EQ(row(train.src, 3), (std::vector<int32_t>{5, 4, 3}));
  EXPECT_EQ(*valid.users, (std::vector<int32_t>{2, 3}));
  EXPECT_EQ(row(valid.src, 1), (std::vector<int32_t>{5, 4, 3}));
  EXPECT_EQ(row(*valid.tgt, 0), (std::vector<int32_t>{4}));
  EXPECT_EQ(row(*valid.tgt, 1), (std::vector<int32_t>{2}));
  EXPECT_EQ(*test.users, (std::vector<int32_t>{2, 3}));
  EXPECT_EQ(row(test.src, 1), (std::vector<int32_t>{5, 4, 3, 2}));  // the valid item joins
  EXPECT_EQ(row(*test.tgt, 1), (std::vector<int32_t>{1}));
}

TEST(PreprocessInteractions, WritesADatasetThatReadsBack) {
  TempDir dir;
  InteractionsOptions o;
  o.input_path = dir.write("u.data", "1\t10\t5\t1\n1\t20\t2\t2\n1\t30\t4\t3\n2\t30\t1\t1\n");
  o.out_dir = dir / "out";
  const InteractionsSummary summary = preprocess_interactions(o);
  EXPECT_EQ(summary.users, 2u);
  EXPECT_EQ(summary.users_train_only, 1u);
  const io::Dataset d = io::read_dataset(summary.output);
  EXPECT_EQ(d.task, "recommend");
  EXPECT_EQ(d.user_names, (std::vector<std::string>{"1", "2"}));
  ASSERT_TRUE(d.items);
  EXPECT_EQ(d.items->names, (std::vector<std::string>{"10", "20", "30"}));
  ASSERT_NE(d.split("test"), nullptr);
  EXPECT_EQ(row(*d.split("test")->tgt, 0), (std::vector<int32_t>{3}));
  EXPECT_TRUE(std::filesystem::exists(dir / "out/summary.json"));
}

}  // namespace
}  // namespace huiyan::pipeline
