#include "pipeline/interactions.h"

#include <algorithm>
#include <charconv>
#include <numeric>
#include <unordered_map>

#include "io/error.h"
#include "io/line_reader.h"
#include "io/utf8.h"

namespace huiyan::pipeline {

namespace {

std::vector<std::string_view> fields_of(std::string_view line) {
  std::vector<std::string_view> fields;
  if (line.find("::") != std::string_view::npos) {
    size_t start = 0;
    while (true) {
      const size_t end = line.find("::", start);
      fields.push_back(line.substr(start, end - start));
      if (end == std::string_view::npos) break;
      start = end + 2;
    }
    return fields;
  }
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    const size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) fields.push_back(line.substr(start, i - start));
  }
  return fields;
}

template <typename T>
bool parse_number(std::string_view text, T& value) {
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() && end == text.data() + text.size();
}

// Numbers names: numeric order when all are integers, else first appearance (already the order).
std::vector<int32_t> renumber(const std::vector<std::string>& names) {
  std::vector<int32_t> order(names.size());
  std::iota(order.begin(), order.end(), 0);
  std::vector<int64_t> numbers(names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    if (!parse_number(names[i], numbers[i])) return order;
  }
  std::stable_sort(order.begin(), order.end(),
                   [&](int32_t a, int32_t b) { return numbers[a] < numbers[b]; });
  return order;  // order[new] = old
}

struct Event {
  int32_t user;
  int32_t item;
  int64_t time;
};

}  // namespace

UserSequences read_interactions(const std::string& path, double min_rating) {
  io::LineReader reader(path);
  std::unordered_map<std::string, int32_t> user_ids, item_ids;
  std::vector<std::string> users, items;
  std::vector<Event> events;
  UserSequences out;
  std::string line;
  size_t columns = 0;
  const auto intern = [](std::unordered_map<std::string, int32_t>& ids,
                         std::vector<std::string>& names, std::string_view name) {
    const auto [it, added] = ids.try_emplace(std::string(name), static_cast<int32_t>(names.size()));
    if (added) names.emplace_back(name);
    return it->second;
  };
  while (reader.next(line)) {
    ++out.lines_read;
    const auto fields = fields_of(line);
    if (fields.empty()) continue;
    const auto fail = [&](const std::string& what) {
      throw io::DataError(reader.name() + ": line " + std::to_string(reader.line_number()) + ": " +
                          what);
    };
    if (fields.size() < 2) fail("expected 'user item [rating] [timestamp]', got one field");
    if (columns == 0) columns = std::min<size_t>(fields.size(), 4);
    if (std::min<size_t>(fields.size(), 4) != columns) {
      fail(std::to_string(fields.size()) + " fields where earlier lines had " +
           std::to_string(columns));
    }
    int64_t time = static_cast<int64_t>(events.size());
    if (columns >= 3 && !parse_number(fields[columns - 1], time)) {
      fail("timestamp " + io::quoted(fields[columns - 1]) + " is not an integer");
    }
    if (columns == 4) {
      double rating = 0;
      if (!parse_number(fields[2], rating)) {
        fail("rating " + io::quoted(fields[2]) + " is not a number");
      }
      if (rating < min_rating) {
        ++out.dropped_by_rating;
        continue;
      }
    }
    events.push_back(
        {intern(user_ids, users, fields[0]), intern(item_ids, items, fields[1]), time});
  }
  if (events.empty()) throw io::DataError(reader.name() + ": no interactions");

  const std::vector<int32_t> user_order = renumber(users);
  const std::vector<int32_t> item_order = renumber(items);
  std::vector<int32_t> user_rank(users.size()), item_id(items.size());
  for (size_t i = 0; i < user_order.size(); ++i) user_rank[user_order[i]] = static_cast<int32_t>(i);
  for (size_t i = 0; i < item_order.size(); ++i)
    item_id[item_order[i]] = static_cast<int32_t>(i + 1);
  for (const int32_t old : user_order) out.user_names.push_back(users[old]);
  for (const int32_t old : item_order) out.item_names.push_back(items[old]);

  // Group by user, then by time; stable, so ties keep the file's order.
  std::stable_sort(events.begin(), events.end(), [&](const Event& a, const Event& b) {
    if (a.user != b.user) return user_rank[a.user] < user_rank[b.user];
    return a.time < b.time;
  });
  std::vector<int32_t> sequence;
  for (size_t i = 0; i < events.size(); ++i) {
    sequence.push_back(item_id[events[i].item]);
    if (i + 1 == events.size() || events[i + 1].user != events[i].user) {
      out.sequences.append(sequence);
      sequence.clear();
    }
  }
  return out;
}

io::Dataset leave_one_out(const UserSequences& sequences) {
  io::Dataset dataset;
  dataset.task = "recommend";
  dataset.user_names = sequences.user_names;
  dataset.items = io::ItemCatalogue{};
  dataset.items->names = sequences.item_names;
  io::DatasetSplit train, valid, test;
  train.name = "train";
  valid.name = "valid";
  test.name = "test";
  train.users.emplace();
  valid.tgt.emplace();
  valid.users.emplace();
  test.tgt.emplace();
  test.users.emplace();
  for (size_t u = 0; u < sequences.sequences.size(); ++u) {
    const auto items = sequences.sequences[u];
    const auto user = static_cast<int32_t>(u);
    train.users->push_back(user);
    if (items.size() < 3) {
      train.src.append(items);
      continue;
    }
    const auto history = items.first(items.size() - 2);
    train.src.append(history);
    valid.src.append(history);
    valid.tgt->append(items.subspan(items.size() - 2, 1));
    valid.users->push_back(user);
    test.src.append(items.first(items.size() - 1));
    test.tgt->append(items.last(1));
    test.users->push_back(user);
  }
  dataset.splits = {std::move(train), std::move(valid), std::move(test)};
  return dataset;
}

}  // namespace huiyan::pipeline
