#include "io/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <stdexcept>
#include <utility>

#include "io/error.h"

namespace huiyan::io {
namespace {

[[noreturn]] void throw_system_error(const std::string& destination, std::string_view what) {
  const char* reason = errno != 0 ? std::strerror(errno) : "I/O error";
  throw DataError(destination + ": " + std::string(what) + " (" + reason + ")");
}

// A random suffix rather than a counter: unique across threads and processes without shared
// state; O_EXCL in the caller catches the astronomically rare collision.
std::string random_suffix() {
  std::random_device device;
  const uint64_t bits = (uint64_t{device()} << 32) | device();
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(bits));
  return text;
}

// fsync through a fresh descriptor: the writer (HDF5, an ofstream) has closed its own already.
void sync_path(const std::string& path, int flags, const std::string& destination,
               std::string_view what) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) throw_system_error(destination, what);
  const int status = ::fsync(fd);
  const int saved_errno = errno;
  ::close(fd);
  errno = saved_errno;
  if (status != 0) throw_system_error(destination, what);
}

std::string directory_of(const std::string& path) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  return parent.empty() ? "." : parent.string();
}

}  // namespace

AtomicFile::AtomicFile(std::string destination) : destination_(std::move(destination)) {
  const std::string prefix = destination_ + ".tmp." + std::to_string(::getpid()) + ".";
  for (int attempt = 0;; ++attempt) {
    temp_path_ = prefix + random_suffix();
    // Creating the file now claims the name and reports an unwritable directory up front.
    const int fd = ::open(temp_path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0) {
      ::close(fd);
      return;
    }
    if (errno != EEXIST || attempt == 8) {
      throw_system_error(destination_, "cannot create a temporary file next to it");
    }
  }
}

AtomicFile::AtomicFile(AtomicFile&& other) noexcept
    : destination_(std::move(other.destination_)),
      temp_path_(std::move(other.temp_path_)),
      committed_(std::exchange(other.committed_, true)) {}

AtomicFile::~AtomicFile() {
  if (!committed_) ::unlink(temp_path_.c_str());
}

std::ofstream AtomicFile::open_stream() const {
  std::ofstream stream(temp_path_, std::ios::binary | std::ios::trunc);
  if (!stream) throw_system_error(destination_, "cannot open the temporary file for writing");
  return stream;
}

void AtomicFile::commit(std::ofstream& stream) {
  finish(stream);
  commit();
}

void AtomicFile::finish(std::ofstream& stream) {
  errno = 0;
  stream.close();
  if (stream.fail()) throw_system_error(destination_, "cannot write the temporary file");
  sync_path(temp_path_, O_RDONLY, destination_, "cannot sync the temporary file");
}

void AtomicFile::commit() {
  if (committed_) throw std::logic_error(destination_ + ": AtomicFile committed twice");
  sync_path(temp_path_, O_RDONLY, destination_, "cannot sync the temporary file");
  if (::rename(temp_path_.c_str(), destination_.c_str()) != 0) {
    throw_system_error(destination_, "cannot replace the file");
  }
  committed_ = true;
  // Without this the rename itself may not survive a crash.
  sync_path(directory_of(destination_), O_RDONLY | O_DIRECTORY, destination_,
            "cannot sync the directory");
}

void write_file_atomically(const std::string& path, std::string_view contents) {
  AtomicFile file(path);
  std::ofstream stream = file.open_stream();
  stream.write(contents.data(), static_cast<std::streamsize>(contents.size()));
  file.commit(stream);
}

}  // namespace huiyan::io
