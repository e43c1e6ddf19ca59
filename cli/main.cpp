// huiyan: attention-based NLP from the command line. This file only dispatches to a subcommand
// and turns failures into one line on stderr and an exit code (1 bad data or I/O, 2 usage).

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <exception>
#include <iomanip>
#include <iostream>
#include <new>
#include <optional>
#include <string>
#include <vector>

#include "cli/command.h"
#include "cli/stop_signals.h"
#include "io/descriptor_output.h"
#include "io/error.h"
#include "nn/arena.h"

namespace {

void print_help(std::ostream& out) {
  out << "Usage: huiyan <command> [options]\n\n"
         "huiyan (慧眼) trains and runs attention models for text on the CPU.\n\n"
         "Commands:\n";
  for (const auto& command : huiyan::cli::commands()) {
    out << "  " << std::left << std::setw(12) << command.name << " " << command.summary << "\n";
  }
  out << "\nOptions:\n  -h, --help   show this help\n  --version    print the version\n"
         "\nRun 'huiyan <command> --help' for a command's options.\n";
}

// What a command wrote to stdout must have arrived (a full disk, a closed pipe): a failed write
// makes a successful run exit 1, so no result is lost silently.
int with_stdout_checked(int status, const std::string& who) {
  try {
    huiyan::io::check_stdout_written();
  } catch (const huiyan::io::DataError& e) {
    if (status == 0) {
      std::cerr << who << ": error: " << e.what() << "\n";
      return 1;
    }
  }
  return status;
}

// A standard descriptor the caller closed (`<&-`, `>&-`) would go to the next file opened: the
// signal watcher's descriptor became stdin, which then read signals as text and never stopped.
// Each closed one gets /dev/null, stdin and stdout opened the wrong way round, so that reading or
// writing them fails (EBADF, as on the closed descriptor) rather than seeing an empty input or
// losing the output; stderr's messages have nowhere to go either way.
void hold_standard_descriptors() {
  for (const int fd : {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO}) {
    if (::fcntl(fd, F_GETFD) != -1 || errno != EBADF) continue;
    const int flags = fd == STDOUT_FILENO ? O_RDONLY : O_WRONLY;
    const int opened = ::open("/dev/null", flags);
    if (opened < 0) std::_Exit(127);  // no /dev/null: nothing sensible can run
    if (opened != fd) {
      ::dup2(opened, fd);
      ::close(opened);
    }
  }
}

// std::cout writes through a DescriptorOutput for main's lifetime, so a failed write can say why;
// the stream gets its own buffer back before the C++ runtime's last flush at exit.
class StdoutWithReasons {
 public:
  StdoutWithReasons() : previous_(std::cout.rdbuf(&output_)) {}
  ~StdoutWithReasons() {
    std::cout.flush();
    std::cout.rdbuf(previous_);
  }
  StdoutWithReasons(const StdoutWithReasons&) = delete;
  StdoutWithReasons& operator=(const StdoutWithReasons&) = delete;

 private:
  huiyan::io::DescriptorOutput output_{STDOUT_FILENO};
  std::streambuf* previous_;
};

}  // namespace

int main(int argc, char** argv) {
  hold_standard_descriptors();
  std::ios::sync_with_stdio(false);
  const StdoutWithReasons stdout_with_reasons;
  // Past `ulimit -f` a write fails (EFBIG) and is reported like a full disk, its output's
  // temporary file removed, rather than the process ending by SIGXFSZ with that file left behind.
  std::signal(SIGXFSZ, SIG_IGN);
  huiyan::nn::keep_freed_memory();
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    print_help(std::cerr);
    return 2;
  }
  const std::string& name = args.front();
  if (name == "-h" || name == "--help" || name == "help") {
    print_help(std::cout);
    return with_stdout_checked(0, "huiyan");
  }
  if (name == "--version") {
    std::cout << "huiyan " << HUIYAN_VERSION << "\n";
    return with_stdout_checked(0, "huiyan");
  }
  for (const auto& command : huiyan::cli::commands()) {
    if (name != command.name) continue;
    const std::vector<std::string> rest(args.begin() + 1, args.end());
    if (command.runs_a_model) huiyan::nn::prefer_huge_pages();
    std::optional<huiyan::cli::StopSignals> quit_on_signal;  // before any thread starts
    if (!command.watches_signals) quit_on_signal.emplace(name, huiyan::cli::OnSignal::quit);
    // A failure the quit caused (a removed temporary file) is not the user's to read: the process
    // ends by the signal as soon as the watcher has cleaned up.
    const auto say = [&](const std::string& line) {
      if (!(quit_on_signal && quit_on_signal->requested())) std::cerr << line << "\n";
    };
    try {
      return with_stdout_checked(command.run(rest), "huiyan " + name);
    } catch (const huiyan::cli::po::error& e) {
      say("huiyan " + name + ": " + e.what() + " (see huiyan " + name + " --help)");
      return 2;
    } catch (const std::invalid_argument& e) {
      say("huiyan " + name + ": " + e.what() + " (see huiyan " + name + " --help)");
      return 2;
    } catch (const std::bad_alloc&) {
      say("huiyan " + name + ": error: out of memory (smaller batches need less)");
      return 1;
    } catch (const std::exception& e) {
      say("huiyan " + name + ": error: " + e.what());
      return 1;
    }
  }
  std::cerr << "huiyan: unknown command '" << name << "' (see huiyan --help)\n";
  return 2;
}
