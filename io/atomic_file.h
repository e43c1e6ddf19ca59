#pragma once
// Crash-safe replacement of a file: everything is written to a temporary file next to the
// destination, which only becomes the destination by an atomic rename after it reached the disk.
// Readers therefore see either the complete old file or the complete new one, never a mix.

#include <fstream>
#include <string>
#include <string_view>

namespace huiyan::io {

class AtomicFile {
 public:
  // Reserves "<destination>.tmp.<pid>.<random>" in the destination's directory.
  explicit AtomicFile(std::string destination);
  AtomicFile(AtomicFile&& other) noexcept;
  AtomicFile& operator=(AtomicFile&&) = delete;
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  ~AtomicFile();  // removes the temporary file unless committed

  const std::string& destination() const { return destination_; }
  const std::string& temp_path() const { return temp_path_; }

  // A binary stream that truncates and writes the temporary file.
  std::ofstream open_stream() const;

  // Makes the temporary file, which must be closed by then, the destination: fsync, rename over
  // the destination, fsync the directory.
  void commit();
  // Closes the stream, reports a failed write, then commits.
  void commit(std::ofstream& stream);
  // Closes the stream, reports a failed write and syncs the temporary file, without renaming: for
  // files that belong together, finish all, then commit all, so a failure while writing any of
  // them leaves every destination untouched.
  void finish(std::ofstream& stream);

 private:
  std::string destination_;
  std::string temp_path_;
  bool committed_ = false;
};

// Replaces the file at path with contents.
void write_file_atomically(const std::string& path, std::string_view contents);

}  // namespace huiyan::io
