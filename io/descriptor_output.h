#pragma once
// A stream buffer that writes to an open descriptor (stdout) and remembers why its first failed
// write failed. std::cout's own buffer keeps no such record, and by the time the stream is seen
// to have failed, errno belongs to whatever ran since: "<stdout>: write failed" could not say
// whether the disk was full or `ulimit -f` was reached.

#include <ostream>
#include <streambuf>
#include <string>
#include <vector>

namespace huiyan::io {

class DescriptorOutput : public std::streambuf {
 public:
  explicit DescriptorOutput(int descriptor, size_t buffer_bytes = size_t{1} << 16);
  ~DescriptorOutput() override;  // flushes; a failure then goes unreported (flush first)
  DescriptorOutput(const DescriptorOutput&) = delete;
  DescriptorOutput& operator=(const DescriptorOutput&) = delete;

  // errno of the first failed write, 0 while none failed. After a failure nothing more is written:
  // a later write could land after a gap in the output.
  int error() const { return error_; }

 protected:
  int_type overflow(int_type c) override;
  int sync() override;
  std::streamsize xsputn(const char* data, std::streamsize count) override;

 private:
  bool write_all(const char* data, size_t bytes);
  bool flush_buffer();

  int descriptor_;
  std::vector<char> buffer_;
  int error_ = 0;
};

// Flushes std::cout; when a write to it failed, a DataError "<stdout>: write failed (reason)",
// the reason known where its buffer is a DescriptorOutput. For commands to call before they
// commit their other outputs: a result lost on stdout must not pass as a success.
void check_stdout_written();

}  // namespace huiyan::io
