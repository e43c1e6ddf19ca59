#pragma once
// Runs the huiyan binary through the shell as a user would, with text on stdin.

#include <sys/wait.h>

#include <cstdlib>
#include <string>

#include "tests/temp_dir.h"

namespace huiyan::testing {

struct Outcome {
  int exit_code;
  std::string out;
  std::string err;
};

inline Outcome run_huiyan(const std::string& args, const std::string& input = "") {
  TempDir dir;
  const std::string in = dir.write("stdin", input);
  const std::string command = std::string(HUIYAN_BINARY) + " " + args + " < " + in + " > " +
                              (dir / "stdout") + " 2> " + (dir / "stderr");
  const int status = std::system(command.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_file(dir / "stdout"),
          read_file(dir / "stderr")};
}

}  // namespace huiyan::testing
