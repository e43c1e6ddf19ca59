#include "pipeline/subword_stream.h"

#include <charconv>
#include <string>
#include <vector>

#include "io/error.h"
#include "io/utf8.h"
#include "pipeline/line_stream.h"

namespace huiyan::pipeline {

namespace {

std::string at(const io::LineReader& in, size_t line) {
  return in.name() + ": line " + std::to_string(line);
}

template <typename T>
std::string join(const std::vector<T>& items) {
  std::string text;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) text.push_back(' ');
    if constexpr (std::is_same_v<T, std::string>) {
      text += items[i];
    } else {
      text += std::to_string(items[i]);
    }
  }
  return text;
}

std::vector<std::string> split_spaces(const std::string& line) {
  std::vector<std::string> tokens;
  size_t start = 0;
  while (start < line.size()) {
    const size_t space = line.find(' ', start);
    const size_t end = space == std::string::npos ? line.size() : space;
    if (end > start) tokens.emplace_back(line, start, end - start);
    start = end + 1;
  }
  return tokens;
}

}  // namespace

size_t encode_stream(const SubwordModel& model, io::LineReader& in, std::ostream& out,
                     TokenFormat format) {
  return transform_lines(in, out, [&](const std::string& line, size_t number, int) {
    io::require_valid_utf8(line, in.name(), number);
    return format == TokenFormat::ids ? join(model.encode_ids(line))
                                      : join(model.encode_pieces(line));
  });
}

size_t decode_stream(const SubwordModel& model, io::LineReader& in, std::ostream& out,
                     TokenFormat format) {
  return transform_lines(in, out, [&](const std::string& line, size_t number, int) {
    const std::vector<std::string> tokens = split_spaces(line);
    if (format == TokenFormat::pieces) return model.decode_pieces(tokens);
    std::vector<int> ids;
    ids.reserve(tokens.size());
    for (const auto& token : tokens) {
      int id = -1;
      const auto [end, error] = std::from_chars(token.data(), token.data() + token.size(), id);
      if (error != std::errc() || end != token.data() + token.size() || id < 0 ||
          id >= model.vocab_size()) {
        throw io::DataError(at(in, number) + ": " + io::quoted(token) + " is not a token id (0.." +
                            std::to_string(model.vocab_size() - 1) + ")");
      }
      ids.push_back(id);
    }
    return model.decode_ids(ids);
  });
}

}  // namespace huiyan::pipeline
