#pragma once
// Runs the huiyan binary through the shell as a user would, with text on stdin.

#include <sys/wait.h>

#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

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

// The lines of a command's output, without their "\n".
inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

}  // namespace huiyan::testing
