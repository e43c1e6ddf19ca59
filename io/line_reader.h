#pragma once
// Reads a text file line by line: plain or gzip (detected from the content, not the name), or
// standard input for "-". Standard input is read with plain read(2) so a pipe that delivers one
// line gets that line back at once.

#include <zlib.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace huiyan::io {

class LineReader {
 public:
  // Opens `path` ("-" is standard input); throws DataError naming the file if it can't.
  explicit LineReader(const std::string& path);
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  // Stores the next line without its "\n" (and without a "\r" before it); false at the end.
  bool next(std::string& line);

  // 1-based number of the line `next` returned last.
  size_t line_number() const { return line_number_; }

  // The file name as the user gave it ("<stdin>" for "-"), for messages.
  const std::string& name() const { return name_; }

  // Called before a read that may wait for more input, so a streaming caller can flush its
  // output first. Only standard input can block.
  void on_wait(std::function<void()> callback) { on_wait_ = std::move(callback); }

 private:
  // Refills the buffer; returns false at end of input.
  bool fill();

  std::string name_;
  gzFile gz_ = nullptr;  // null when reading standard input
  std::vector<char> buffer_;
  size_t begin_ = 0;
  size_t end_ = 0;
  size_t line_number_ = 0;
  bool at_end_ = false;
  std::function<void()> on_wait_;
};

// Reads every line of `path` (see LineReader).
std::vector<std::string> read_lines(const std::string& path);

}  // namespace huiyan::io
