#include "io/atomic_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <random>
#include <stdexcept>
#include <utility>
#include <vector>

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

// The descriptor n when path leads (through links) to /proc/<this process>/fd/<n>, as
// /dev/stdout, /dev/stderr and /dev/fd/<n> do; otherwise -1. Such a name means the stream the
// shell set up, which goes on where it is, even in a regular file: opening the name anew would
// start at the file's beginning or end, not where the stream stands.
int open_descriptor_named(const std::filesystem::path& path) {
  namespace fs = std::filesystem;
  std::error_code error;
  fs::path at = fs::absolute(path, error);
  for (int hop = 0; hop < 40 && !error; ++hop) {
    const fs::path directory = fs::canonical(at.parent_path(), error);
    if (error) return -1;
    at = directory / at.filename();
    const auto parts = std::vector<fs::path>(at.begin(), at.end());
    if (parts.size() == 5 && parts[1] == "proc" && parts[3] == "fd") {
      if (parts[2] != std::to_string(::getpid())) return -1;
      try {
        return std::stoi(parts[4].string());
      } catch (const std::exception&) {
        return -1;
      }
    }
    if (!fs::is_symlink(at, error)) return -1;
    const fs::path target = fs::read_symlink(at, error);
    at = target.is_absolute() ? target : directory / target;
  }
  return -1;
}

// Appends the file at `path` to descriptor fd, where it stands.
void copy_to_descriptor(const std::string& path, int fd, const std::string& destination) {
  std::vector<char> buffer(size_t{1} << 16);
  const int in = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) throw_system_error(destination, "cannot read the temporary file");
  for (;;) {
    const ssize_t got = ::read(in, buffer.data(), buffer.size());
    if (got == 0) break;
    if (got < 0) {
      if (errno == EINTR) continue;
      const int saved_errno = errno;
      ::close(in);
      errno = saved_errno;
      throw_system_error(destination, "cannot read the temporary file");
    }
    for (ssize_t done = 0; done < got;) {
      const ssize_t put = ::write(fd, buffer.data() + done, static_cast<size_t>(got - done));
      if (put < 0 && errno == EINTR) continue;
      if (put <= 0) {
        const int saved_errno = errno;
        ::close(in);
        errno = saved_errno;
        throw_system_error(destination, "cannot write");
      }
      done += put;
    }
  }
  ::close(in);
}

// The path a chain of symbolic links from `path` ends at (itself when it is no link), whether or
// not that exists.
std::string end_of_links(const std::string& path, const std::string& destination) {
  namespace fs = std::filesystem;
  fs::path at = path;
  for (int hop = 0; hop < 40; ++hop) {
    std::error_code error;
    if (!fs::is_symlink(at, error)) return at.string();
    const fs::path target = fs::read_symlink(at, error);
    if (error) break;
    at = target.is_absolute() ? target : at.parent_path() / target;
  }
  errno = ELOOP;
  throw_system_error(destination, "cannot follow the link");
}

// Why a write to the file at `path` fails, asked again with one byte at its end: a stream keeps no
// errno, and one that failed on a write larger than its buffer has nothing left to write when it
// closes. Only for a regular file (which then is not committed) or a device such as /dev/full,
// never a pipe, which a byte could reach. 0 when the byte went through.
int reason_writes_fail(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return errno;
  if (!S_ISREG(info.st_mode) && !S_ISCHR(info.st_mode)) return 0;
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return errno;
  const char byte = 0;
  const ssize_t put = ::write(fd, &byte, 1);
  const int reason = put == 1 ? 0 : (put < 0 ? errno : EIO);
  ::close(fd);
  return reason;
}

std::string directory_of(const std::string& path) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  return parent.empty() ? "." : parent.string();
}

// A write lock over all of an open file's bytes, held by its open file description (not by the
// process, so closing another descriptor of the file, as HDF5 does, keeps it; and a test from
// another description, even in this process, sees it).
struct flock whole_file_lock(short type) {
  struct flock lock {};
  lock.l_type = type;
  lock.l_whence = SEEK_SET;
  lock.l_start = 0;
  lock.l_len = 0;
  lock.l_pid = 0;
  return lock;
}

// Removes the file at `path` if it is a regular file that no writer holds: one whose writer
// ended without cleaning up (Ctrl-C, SIGKILL, out of memory). A lock, unlike a process id, says
// so whatever process namespace the writer ran in. The sweep holds a lock of its own while it
// removes the file, so a writer that has just created it (and not locked it yet) cannot take it
// and write on into a removed file: it tries another name. Without lock support on the
// filesystem nothing is known, so the file stays.
void remove_if_abandoned(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return;
  struct stat opened {};
  struct stat named {};
  struct flock lock = whole_file_lock(F_RDLCK);
  if (::fstat(fd, &opened) == 0 && S_ISREG(opened.st_mode) &&
      ::fcntl(fd, F_OFD_SETLK, &lock) == 0 && ::lstat(path.c_str(), &named) == 0 &&
      named.st_ino == opened.st_ino && named.st_dev == opened.st_dev) {
    ::unlink(path.c_str());
  }
  ::close(fd);
}

// What the temporary file of an output through an open descriptor is named for.
constexpr std::string_view kDescriptorOutput = "huiyan-output";

// A temporary file's name as AtomicFile makes it, "<file>.tmp.<pid>.<random>", taken apart.
struct TempName {
  std::string_view target;  // <file>
  std::string_view pid;
};

// Exactly the names AtomicFile makes: digits, a dot and 16 hex digits after ".tmp."; a user's
// "out.tmp.2024.backup" is none.
std::optional<TempName> parse_temp_name(std::string_view name) {
  static constexpr std::string_view kTemp = ".tmp.";
  const size_t temp = name.rfind(kTemp);  // the random part after it is hex
  if (temp == std::string_view::npos) return std::nullopt;
  const size_t digits = temp + kTemp.size();
  const size_t dot = name.find('.', digits);
  if (dot == std::string_view::npos) return std::nullopt;
  const std::string_view pid = name.substr(digits, dot - digits);
  const std::string_view random = name.substr(dot + 1);
  if (pid.empty() || pid.size() > 9 || pid.find_first_not_of("0123456789") != pid.npos ||
      random.size() != 16 || random.find_first_not_of("0123456789abcdef") != random.npos) {
    return std::nullopt;
  }
  return TempName{name.substr(0, temp), pid};
}

// Removes "<file>.tmp.<pid>.<random>" files that no writer holds, which can be as large as a
// model, for every <file> that `target_name` accepts. A file whose writer runs stays, so writers
// of one name never remove each other's.
template <typename TargetName>
void remove_abandoned_in(const std::string& directory, TargetName target_name) {
  namespace fs = std::filesystem;
  std::error_code error;
  fs::directory_iterator entries(directory, error);
  for (; !error && entries != fs::directory_iterator(); entries.increment(error)) {
    const std::string name = entries->path().filename().string();
    const auto temp = parse_temp_name(name);
    if (temp && target_name(temp->target)) remove_if_abandoned(entries->path());
  }
}

void remove_stale_temps(const std::string& replaced) {
  const std::string file = std::filesystem::path(replaced).filename().string();
  remove_abandoned_in(directory_of(replaced),
                      [&](std::string_view target) { return target == file; });
}

// Creates the temporary file `path` and takes its lock, kept while the descriptor returned stays
// open. -1 with EEXIST when the name is taken, or when another writer's sweep holds or removed
// the file before the lock was in place (then a new name is tried). Where the filesystem has no
// locks the file goes unlocked: no sweep there removes anything either.
int create_locked(const std::string& path, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return -1;
  struct flock lock = whole_file_lock(F_WRLCK);
  if (::fcntl(fd, F_OFD_SETLK, &lock) != 0) {
    if (errno != EAGAIN && errno != EACCES) return fd;  // no locks here
    ::close(fd);                                        // a sweep is removing it
    errno = EEXIST;
    return -1;
  }
  struct stat opened {};
  struct stat named {};
  if (::fstat(fd, &opened) != 0 || ::stat(path.c_str(), &named) != 0 ||
      opened.st_ino != named.st_ino || opened.st_dev != named.st_dev) {
    ::close(fd);
    errno = EEXIST;
    return -1;
  }
  return fd;
}

// Whether two names (or a name and an open descriptor) reach one file that two writers would
// interleave in: a regular file, a pipe or a socket (a terminal or /dev/null takes both).
bool shared_stream(const struct stat& a, const struct stat& b) {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino && !S_ISCHR(a.st_mode);
}
bool same_stream(const std::string& path, int fd) {
  struct stat a = {};
  struct stat b = {};
  return ::stat(path.c_str(), &a) == 0 && ::fstat(fd, &b) == 0 && shared_stream(a, b);
}
bool same_stream(const std::string& path, const std::string& other) {
  struct stat a = {};
  struct stat b = {};
  if (::stat(path.c_str(), &a) != 0) {  // yet to be made: ./x is x
    std::error_code error;
    return path == other || (!std::filesystem::exists(path, error) && !error &&
                             std::filesystem::weakly_canonical(path, error) ==
                                 std::filesystem::weakly_canonical(other, error) &&
                             !error);
  }
  return ::stat(other.c_str(), &b) == 0 && shared_stream(a, b);
}

// Calls visit(path, name) for each temporary file this process writes (of its AtomicFiles: a
// writer keeps its temporary file open and locked until it commits, so the open descriptors name
// every one, and no list of them needs keeping). Only system calls and no allocation, so that a
// signal handler may call it.
template <typename Visit>
void for_each_own_temporary(Visit visit) {
  char pid_digits[24];
  int digits = 0;
  for (auto pid = static_cast<uint64_t>(::getpid()); digits == 0 || pid > 0; pid /= 10) {
    pid_digits[digits++] = static_cast<char>('0' + pid % 10);
  }
  std::reverse(pid_digits, pid_digits + digits);
  const std::string_view own_pid(pid_digits, static_cast<size_t>(digits));
  const int directory = ::open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (directory < 0) return;
  alignas(dirent64) char entries[4096];
  for (ssize_t got; (got = ::getdents64(directory, entries, sizeof entries)) > 0;) {
    for (ssize_t at = 0; at < got;) {
      const auto* entry = reinterpret_cast<const dirent64*>(entries + at);
      at += entry->d_reclen;
      int fd = 0;
      bool number = entry->d_name[0] != '\0';
      for (const char* c = entry->d_name; *c != '\0' && number; ++c) {
        number = *c >= '0' && *c <= '9';
        fd = fd * 10 + (*c - '0');
      }
      if (!number || fd == directory) continue;
      // Only writers' descriptors: a sweep opens other writers' files read-only for a moment, and
      // their names may carry this process's id too (pid 1 in every container).
      const int flags = ::fcntl(fd, F_GETFL);
      if (flags < 0 || (flags & O_ACCMODE) == O_RDONLY) continue;
      char path[4096];
      const ssize_t length = ::readlinkat(directory, entry->d_name, path, sizeof path - 1);
      if (length <= 0 || path[0] != '/') continue;  // a pipe, a socket
      path[length] = '\0';
      const std::string_view whole(path, static_cast<size_t>(length));
      const auto temp = parse_temp_name(whole.substr(whole.rfind('/') + 1));
      if (temp && temp->pid == own_pid) visit(static_cast<const char*>(path), *temp);
    }
  }
  ::close(directory);
}

}  // namespace

AtomicFile::AtomicFile(std::string destination)
    : destination_(std::move(destination)), replaced_(destination_) {
  struct stat target {};
  const bool exists = ::stat(destination_.c_str(), &target) == 0;
  if (exists && S_ISDIR(target.st_mode)) {
    // Found now, before the work whose output it was to hold, not at the rename.
    throw DataError(destination_ + ": is a directory; give a file name");
  }
  const int descriptor = open_descriptor_named(destination_);
  if (descriptor >= 0 && exists && (S_ISREG(target.st_mode) || S_ISSOCK(target.st_mode))) {
    // A file or a socket behind the descriptor (a socket cannot be opened by name at all).
    const int flags = ::fcntl(descriptor, F_GETFL);
    if (flags < 0 || (flags & O_ACCMODE) == O_RDONLY) {
      errno = flags < 0 ? errno : EBADF;
      throw_system_error(destination_, "not open for writing");
    }
    how_ = How::through_descriptor;
    descriptor_ = descriptor;
    std::error_code error;
    const auto directory = std::filesystem::temp_directory_path(error);
    replaced_ = ((error ? std::filesystem::path("/tmp") : directory) / kDescriptorOutput).string();
  } else if (exists && S_ISSOCK(target.st_mode)) {
    errno = ENXIO;
    throw_system_error(destination_, "a socket cannot be written by its name");
  } else if (exists &&
             (S_ISCHR(target.st_mode) || S_ISBLK(target.st_mode) || S_ISFIFO(target.st_mode))) {
    how_ = How::in_place;
    temp_path_ = destination_;
    return;
  } else {
    // A regular file (or none yet), possibly behind links: the file at their end is replaced.
    replaced_ = end_of_links(destination_, destination_);
    if (exists && S_ISREG(target.st_mode)) keep_mode_ = target.st_mode & 07777;
  }
  remove_stale_temps(replaced_);
  const std::string prefix = replaced_ + ".tmp." + std::to_string(::getpid()) + ".";
  for (int attempt = 0;; ++attempt) {
    temp_path_ = prefix + random_suffix();
    // Creating the file now claims the name and reports an unwritable directory up front. A file
    // that replaces one with permission bits of its own stays private until it gets them.
    lock_fd_ = create_locked(temp_path_, keep_mode_ ? 0600 : 0666);
    if (lock_fd_ >= 0) return;
    if (errno != EEXIST || attempt == 8) {
      throw_system_error(destination_,
                         "cannot create a temporary file in " + directory_of(replaced_));
    }
  }
}

AtomicFile::AtomicFile(AtomicFile&& other) noexcept
    : destination_(std::move(other.destination_)),
      replaced_(std::move(other.replaced_)),
      temp_path_(std::move(other.temp_path_)),
      how_(other.how_),
      descriptor_(other.descriptor_),
      keep_mode_(other.keep_mode_),
      lock_fd_(std::exchange(other.lock_fd_, -1)),
      committed_(std::exchange(other.committed_, true)) {}

AtomicFile::~AtomicFile() {
  if (!committed_ && how_ != How::in_place) ::unlink(temp_path_.c_str());
  release_lock();
}

void AtomicFile::check_still_held() const {
  struct stat held {};
  struct stat named {};
  if (lock_fd_ < 0 || ::fstat(lock_fd_, &held) != 0) return;  // no lock to compare with
  if (::stat(temp_path_.c_str(), &named) != 0 || named.st_ino != held.st_ino ||
      named.st_dev != held.st_dev) {
    throw DataError(destination_ + ": its temporary file " + temp_path_ +
                    " was removed before it was complete (a signal stopping the command, or "
                    "another program); the file is as it was");
  }
}

void AtomicFile::release_lock() {
  if (lock_fd_ >= 0) ::close(std::exchange(lock_fd_, -1));
}

const std::string& AtomicFile::seekable_temp_path() const {
  if (how_ == How::in_place) {
    throw DataError(destination_ +
                    ": an HDF5 file cannot go to a pipe, a device or an open stream; give a file "
                    "name");
  }
  return temp_path_;
}

std::ofstream AtomicFile::open_stream() const {
  // In place, appended: a stream already open (as /dev/stdout) goes on where it is.
  std::ofstream stream(temp_path_,
                       std::ios::binary | (in_place() ? std::ios::app : std::ios::trunc));
  if (!stream) {
    throw_system_error(destination_, in_place() ? "cannot open for writing"
                                                : "cannot open the temporary file for writing");
  }
  return stream;
}

void AtomicFile::commit(std::ofstream& stream) {
  finish(stream);
  commit();
}

void AtomicFile::finish(std::ofstream& stream) {
  errno = 0;
  stream.close();
  if (stream.fail() && errno == 0) errno = reason_writes_fail(temp_path_);
  if (how_ != How::replace) {
    if (stream.fail()) throw_system_error(destination_, "cannot write");
    return;  // a pipe, a device, or a copy for a descriptor: nothing to sync
  }
  if (stream.fail()) throw_system_error(destination_, "cannot write the temporary file");
  sync_path(temp_path_, O_RDONLY, destination_, "cannot sync the temporary file");
}

void AtomicFile::commit() {
  if (committed_) throw std::logic_error(destination_ + ": AtomicFile committed twice");
  if (how_ == How::in_place) {
    committed_ = true;
    return;
  }
  if (how_ == How::through_descriptor) {
    check_still_held();
    copy_to_descriptor(temp_path_, descriptor_, destination_);
    ::unlink(temp_path_.c_str());
    release_lock();
    committed_ = true;
    return;
  }
  if (keep_mode_ && ::chmod(temp_path_.c_str(), *keep_mode_) != 0) {
    throw_system_error(destination_, "cannot give the new file the old one's permissions");
  }
  sync_path(temp_path_, O_RDONLY, destination_, "cannot sync the temporary file");
  check_still_held();
  if (::rename(temp_path_.c_str(), replaced_.c_str()) != 0) {
    throw_system_error(destination_, "cannot replace the file");
  }
  release_lock();  // the file is the destination now: no sweep looks at it
  committed_ = true;
  // Without this the rename itself may not survive a crash.
  sync_path(directory_of(replaced_), O_RDONLY | O_DIRECTORY, destination_,
            "cannot sync the directory");
}

void remove_abandoned_temporaries(const std::string& path_prefix) {
  const std::string start = std::filesystem::path(path_prefix).filename().string();
  remove_abandoned_in(directory_of(path_prefix),
                      [&](std::string_view target) { return target.starts_with(start); });
}

std::vector<std::string> remove_own_temporaries() {
  namespace fs = std::filesystem;
  std::error_code no_temp_directory;
  const fs::path temp_directory = fs::temp_directory_path(no_temp_directory);
  std::vector<std::string> removed;
  for_each_own_temporary([&](const char* path, const TempName& temp) {
    // Two descriptors of one file (the lock's and the writer's) name it twice.
    if (::unlink(path) != 0) return;
    const fs::path file(path);
    const bool through_descriptor = temp.target == kDescriptorOutput && !no_temp_directory &&
                                    file.parent_path() == temp_directory;
    if (!through_descriptor) {
      removed.push_back((file.parent_path() / std::string(temp.target)).string());
    }
  });
  return removed;
}

void remove_own_temporaries_in_signal_handler() noexcept {
  for_each_own_temporary([](const char* path, const TempName&) { ::unlink(path); });
}

void write_file_atomically(const std::string& path, std::string_view contents) {
  AtomicFile file(path);
  std::ofstream stream = file.open_stream();
  stream.write(contents.data(), static_cast<std::streamsize>(contents.size()));
  file.commit(stream);
}

void check_output_is_not_an_input(const std::string& output, const std::vector<std::string>& inputs,
                                  const std::string& option) {
  std::error_code error;
  // stdout, a terminal or a pipe: writing there destroys no file.
  if (output.empty() || output == "-" || std::filesystem::is_character_file(output, error) ||
      std::filesystem::is_fifo(output, error)) {
    return;
  }
  if (std::filesystem::is_directory(output, error)) {
    throw std::invalid_argument(option + " " + output + " is a directory; give a file name");
  }
  const std::filesystem::path canonical_output = std::filesystem::weakly_canonical(output, error);
  for (const auto& input : inputs) {
    if (input.empty() || input == "-") continue;  // stdin
    std::error_code ignored;
    // The same file by its identity, or (for names yet to be made) by one spelling of its path.
    if (input == output || std::filesystem::equivalent(input, output, ignored) ||
        (!error && std::filesystem::weakly_canonical(input, ignored) == canonical_output &&
         !ignored)) {
      throw std::invalid_argument(option + " " + output + ", which is also an input (" + input +
                                  "); give the output a name of its own");
    }
  }
}

void check_outputs_apart(const std::string& output, const std::string& other,
                         const std::string& option, const std::string& what) {
  if (other.empty()) return;
  if (output == "-" ? same_stream(other, STDOUT_FILENO) : same_stream(other, output)) {
    throw std::invalid_argument(option + " " + other + " names where " + what +
                                " go; give it a file of its own");
  }
}

}  // namespace huiyan::io
