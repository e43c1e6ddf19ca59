#include "io/descriptor_output.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iostream>

#include "io/error.h"
namespace huiyan::io {

DescriptorOutput::DescriptorOutput(int descriptor, size_t buffer_bytes)
    : descriptor_(descriptor), buffer_(std::max<size_t>(buffer_bytes, 1)) {
  setp(buffer_.data(), buffer_.data() + buffer_.size());
}

DescriptorOutput::~DescriptorOutput() {
  flush_buffer();
}

bool DescriptorOutput::write_all(const char* data, size_t bytes) {
  if (error_ != 0) return false;
  while (bytes > 0) {
    const ssize_t put = ::write(descriptor_, data, bytes);
    if (put < 0 && errno == EINTR) continue;
    if (put <= 0) {
      error_ = put < 0 ? errno : EIO;
      return false;
    }
    data += put;
    bytes -= static_cast<size_t>(put);
  }
  return true;
}

bool DescriptorOutput::flush_buffer() {
  const auto pending = static_cast<size_t>(pptr() - pbase());
  setp(buffer_.data(), buffer_.data() + buffer_.size());
  return write_all(buffer_.data(), pending);
}

DescriptorOutput::int_type DescriptorOutput::overflow(int_type c) {
  if (!flush_buffer()) return traits_type::eof();
  if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
  *pptr() = traits_type::to_char_type(c);
  pbump(1);
  return c;
}

int DescriptorOutput::sync() {
  return flush_buffer() ? 0 : -1;
}

std::streamsize DescriptorOutput::xsputn(const char* data, std::streamsize count) {
  const auto room = static_cast<std::streamsize>(epptr() - pptr());
  if (count <= room) {
    std::memcpy(pptr(), data, static_cast<size_t>(count));
    pbump(static_cast<int>(count));
    return count;
  }
  if (!flush_buffer()) return 0;
  if (count < static_cast<std::streamsize>(buffer_.size())) {
    std::memcpy(pptr(), data, static_cast<size_t>(count));
    pbump(static_cast<int>(count));
    return count;
  }
  return write_all(data, static_cast<size_t>(count)) ? count : 0;
}

void check_stdout_written() {
  std::cout.flush();
  if (std::cout) return;
  const auto* output = dynamic_cast<const DescriptorOutput*>(std::cout.rdbuf());
  const std::string reason = output != nullptr && output->error() != 0
                                 ? std::string(" (") + std::strerror(output->error()) + ")"
                                 : "";
  throw DataError("<stdout>: write failed" + reason);
}

}  // namespace huiyan::io
