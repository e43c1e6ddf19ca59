#pragma once
// Errors that reach the user as one line and exit code 1 (bad data, I/O). Usage errors are
// std::invalid_argument (exit code 2); the CLI maps both.

#include <stdexcept>
#include <string>

namespace huiyan::io {

// A failure caused by the data or the file system, never by a programming mistake. The message
// names the file and the line or HDF5 path, and says what was wrong.
class DataError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace huiyan::io
