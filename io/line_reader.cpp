#include "io/line_reader.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "io/error.h"

namespace huiyan::io {

namespace {
constexpr size_t kBufferBytes = 1 << 18;
}

LineReader::LineReader(const std::string& path) : buffer_(kBufferBytes) {
  if (path == "-") {
    name_ = "<stdin>";
    return;
  }
  name_ = path;
  // zlib reads files that are not gzip-compressed transparently.
  gz_ = gzopen(path.c_str(), "rb");
  if (gz_ == nullptr) {
    throw DataError(path + ": cannot open: " + std::strerror(errno ? errno : ENOENT));
  }
  gzbuffer(gz_, kBufferBytes);
}

LineReader::~LineReader() {
  if (gz_ != nullptr) gzclose(gz_);
}

bool LineReader::fill() {
  // Keep the unread part of the buffer (a line in progress) and grow when one line fills it.
  if (begin_ > 0) {
    std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (end_ == buffer_.size()) buffer_.resize(buffer_.size() * 2);
  const size_t room = buffer_.size() - end_;
  long got;
  if (gz_ != nullptr) {
    got = gzread(gz_, buffer_.data() + end_, static_cast<unsigned>(room));
    if (got == 0) {
      // zlib reports a cut-off stream as a plain end of file; gzerror tells them apart.
      int code = Z_OK;
      const char* message = gzerror(gz_, &code);
      if (code != Z_OK) {
        throw DataError(name_ + ": line " + std::to_string(line_number_ + 1) +
                        ": the gzip stream is truncated or corrupt (" + message + ")");
      }
    }
    if (got < 0) {
      int code = 0;
      const char* message = gzerror(gz_, &code);
      throw DataError(name_ + ": line " + std::to_string(line_number_ + 1) +
                      ": cannot read: " + (code == Z_ERRNO ? std::strerror(errno) : message));
    }
  } else {
    if (on_wait_) on_wait_();
    do {
      got = ::read(STDIN_FILENO, buffer_.data() + end_, room);
    } while (got < 0 && errno == EINTR);
    if (got < 0) throw DataError(name_ + ": cannot read: " + std::strerror(errno));
  }
  end_ += static_cast<size_t>(got);
  return got > 0;
}

bool LineReader::next(std::string& line) {
  size_t scanned = begin_;
  while (true) {
    const void* newline = std::memchr(buffer_.data() + scanned, '\n', end_ - scanned);
    if (newline != nullptr) {
      const size_t stop = static_cast<const char*>(newline) - buffer_.data();
      size_t length = stop - begin_;
      if (length > 0 && buffer_[begin_ + length - 1] == '\r') --length;
      line.assign(buffer_.data() + begin_, length);
      begin_ = stop + 1;
      ++line_number_;
      return true;
    }
    const size_t already_scanned = end_ - begin_;
    if (at_end_ || !fill()) {
      at_end_ = true;
      if (begin_ == end_) return false;
      // A last line without "\n".
      size_t length = end_ - begin_;
      if (buffer_[begin_ + length - 1] == '\r') --length;
      line.assign(buffer_.data() + begin_, length);
      begin_ = end_;
      ++line_number_;
      return true;
    }
    scanned = begin_ + already_scanned;  // fill() may have moved the data to the front
  }
}

std::vector<std::string> read_lines(const std::string& path) {
  LineReader reader(path);
  std::vector<std::string> lines;
  std::string line;
  while (reader.next(line)) lines.push_back(std::move(line));
  return lines;
}

}  // namespace huiyan::io
