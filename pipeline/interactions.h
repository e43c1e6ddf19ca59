#pragma once
// User-item interactions -> per-user chronological item sequences -> SASRec's leave-one-out split.
//
// Input lines (plain or gzip), the separator found per line: "::" (MovieLens ratings.dat), a tab
// (MovieLens u.data) or spaces (SASRec's "user item"):
//   user item                     already in chronological order (SASRec's files)
//   user item timestamp
//   user item rating timestamp    (MovieLens; the rating is kept only for --min-rating)
// A user's items are ordered by timestamp; equal timestamps keep the file's order (a stable
// sort), so the same file always gives the same sequences.

#include <cstdint>
#include <string>
#include <vector>

#include "io/dataset.h"
#include "io/ragged.h"

namespace huiyan::pipeline {

struct UserSequences {
  std::vector<std::string> user_names;  // row u of `sequences` is user_names[u]
  std::vector<std::string> item_names;  // item id k >= 1 is item_names[k - 1]
  io::Ragged sequences;                 // item ids, oldest first
  size_t lines_read = 0;
  size_t dropped_by_rating = 0;
};

// Users and items are numbered in increasing numeric order when every id is an integer (so
// SASRec's 1-based ids keep their numbers), otherwise in order of first appearance. Throws
// io::DataError "<file>: line <n>: <what>" for a malformed line.
UserSequences read_interactions(const std::string& path, double min_rating = 0);

// SASRec's data_partition: a user with at least 3 items gives the last to "test", the one before
// to "valid" and the rest to "train"; a user with fewer gives all to "train". Splits:
//   train  src = each user's training items (one row per user, users[i] = i)
//   valid  src = the training items, tgt = {the valid item}, users
//   test   src = the training items and the valid item, tgt = {the test item}, users
io::Dataset leave_one_out(const UserSequences& sequences);

}  // namespace huiyan::pipeline
