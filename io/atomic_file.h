#pragma once
// Crash-safe replacement of a file: everything is written to a temporary file next to the
// destination, which only becomes the destination by an atomic rename after it reached the disk.
// Readers therefore see either the complete old file or the complete new one, never a mix.
//
// A device (/dev/null, a terminal) or a named pipe is written in place, appended to, and stays
// what it is. A name of a descriptor already open (/dev/stdout, /dev/fd/3) on a regular file or a
// socket gets the whole output at commit, written through that descriptor where it stands (as
// `> out` set it up), from a temporary file in TMPDIR. Symbolic links stay links: the file at the
// end of them is replaced (the temporary file lies next to that one), keeping its permission
// bits, or created.

#include <sys/types.h>

#include <fstream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace huiyan::io {

class AtomicFile {
 public:
  // Reserves "<file>.tmp.<pid>.<random>" in the directory of the file to replace and locks it
  // until committed or destroyed, removing such files there that no writer holds (left by writers
  // killed before they could clean up); for a destination written in place, reserves nothing.
  explicit AtomicFile(std::string destination);
  AtomicFile(AtomicFile&& other) noexcept;
  AtomicFile& operator=(AtomicFile&&) = delete;
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  ~AtomicFile();  // removes the temporary file unless committed

  const std::string& destination() const { return destination_; }
  // Where the writer writes: the temporary file, or the destination itself when written in place.
  const std::string& temp_path() const { return temp_path_; }
  bool in_place() const { return how_ == How::in_place; }
  // temp_path for writers that seek (HDF5), which cannot write in place: a DataError then.
  const std::string& seekable_temp_path() const;

  // A binary stream that truncates and writes the temporary file (in place: appends).
  std::ofstream open_stream() const;

  // Makes the temporary file, which must be closed by then, the destination: fsync, rename over
  // the destination, fsync the directory (in place: nothing). Committing twice is a logic_error.
  void commit();
  // Closes the stream, reports a failed write, then commits.
  void commit(std::ofstream& stream);
  // Closes the stream, reports a failed write and syncs the temporary file, without renaming: for
  // files that belong together, finish all, then commit all, so a failure while writing any of
  // them leaves every destination untouched (except one written in place).
  void finish(std::ofstream& stream);

 private:
  std::string destination_;
  std::string replaced_;  // the file renamed over: the destination or a link's target
  std::string temp_path_;
  enum class How { replace, in_place, through_descriptor };
  How how_ = How::replace;
  int descriptor_ = -1;              // through_descriptor: where the output goes at commit
  std::optional<mode_t> keep_mode_;  // the replaced file's permission bits
  int lock_fd_ = -1;                 // holds the temporary file's lock until commit
  bool committed_ = false;

  void release_lock();
  // The file at temp_path is still the one this writer created and locks: a quitting command
  // removes it, and a writer that opens it by name afterwards makes a new one, which must not
  // replace the destination.
  void check_still_held() const;
};

// Removes the temporary files no writer holds of every file whose path starts with `path_prefix`
// ("run/m.step" for all of a run's checkpoints): for files written once, whose own next write
// would never come to sweep them.
void remove_abandoned_temporaries(const std::string& path_prefix);

// Two outputs of one command that reach one file or stream (stdout by another name such as
// /dev/stdout, one file by two names, a pipe) would interleave or one replace the other:
// std::invalid_argument naming `option` and `other`, `what` saying what `output` ("-": stdout)
// holds. A terminal or /dev/null takes both.
void check_outputs_apart(const std::string& output, const std::string& other,
                         const std::string& option, const std::string& what);

// Removes the temporary files of this process's AtomicFiles that are not committed yet, for a
// process about to end by a signal: the destinations stay as they were, and no temporary file is
// left for a later write to sweep. Returns the destinations that are files (those at the end of
// links, with absolute paths; not outputs through an open descriptor). Call it from a thread of its
// own: it stops none of the writers.
std::vector<std::string> remove_own_temporaries();
// The same without names, safe in a signal handler (system calls only, no allocation): for a
// signal sent to the thread whose write raised it (SIGPIPE), which no watcher thread sees.
void remove_own_temporaries_in_signal_handler() noexcept;

// Replaces the file at path with contents.
void write_file_atomically(const std::string& path, std::string_view contents);

// An output that is also one of a command's inputs would be destroyed before or while it is read:
// std::invalid_argument (a usage mistake) naming both; so is an output that is a directory. Files
// are compared, not names (a link, or
// ./a against a; for a file yet to be made, its path made absolute), and `option` names the output
// in the message. "-" (stdin, stdout), terminals and pipes are never compared.
void check_output_is_not_an_input(const std::string& output, const std::vector<std::string>& inputs,
                                  const std::string& option = "-o");

}  // namespace huiyan::io
