#include "cli/stop_signals.h"

#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <utility>
#include <vector>

#include "io/atomic_file.h"

namespace huiyan::cli {

namespace {

void write_all(int fd, const std::string& text) {
  for (size_t done = 0; done < text.size();) {
    const ssize_t put = ::write(fd, text.data() + done, text.size() - done);
    if (put < 0 && errno == EINTR) continue;
    if (put <= 0) return;
    done += static_cast<size_t>(put);
  }
}

std::string signal_name(int number) {
  if (number == SIGINT) return "Ctrl-C (SIGINT)";
  return number == SIGHUP ? "SIGHUP" : "SIGTERM";
}

// Ends the process by `number` with its default action, from the calling thread.
[[noreturn]] void die_by(int number) {
  ::signal(number, SIG_DFL);
  sigset_t one;
  sigemptyset(&one);
  sigaddset(&one, number);
  ::pthread_sigmask(SIG_UNBLOCK, &one, nullptr);
  ::raise(number);
  // Reached only where the default action does nothing: in a namespace's init process (pid 1).
  ::_exit(128 + number);
}

// Quits by `number` at once, from the watcher: the outputs not committed yet are left as they were.
// The work goes on meanwhile, so the message may wait for stderr only briefly (a full pipe, a
// terminal stopped by Ctrl-S), and the temporary files are looked for again just before the end.
[[noreturn]] void quit_by(int number, const std::string& command) {
  const std::vector<std::string> untouched = io::remove_own_temporaries();
  if (!untouched.empty()) {
    // A progress line on a terminal has no line end yet.
    std::string said = ::isatty(STDERR_FILENO) ? "\n" : "";
    said += "huiyan " + command + ": stopped by " + signal_name(number) + "; left as before:";
    for (const auto& file : untouched) said += " " + file;
    said += "\n";
    pollfd out = {STDERR_FILENO, POLLOUT, 0};
    if (::poll(&out, 1, 100) == 1 && (out.revents & POLLOUT) != 0) {
      static_cast<void>(::write(STDERR_FILENO, said.data(), said.size()));
    }
  }
  io::remove_own_temporaries();
  die_by(number);
}

// SIGPIPE goes to the thread whose write to a closed pipe raised it, which the watcher is not: a
// handler removes the temporary files there, then the signal takes its default action.
void quit_on_closed_pipe(int) {
  io::remove_own_temporaries_in_signal_handler();
  // The default action only now, not on entry (SA_RESETHAND): another thread's SIGPIPE meanwhile
  // would end the process before the files are gone. SA_NODEFER lets the raise through.
  struct sigaction default_action = {};
  default_action.sa_handler = SIG_DFL;
  sigemptyset(&default_action.sa_mask);
  ::sigaction(SIGPIPE, &default_action, nullptr);
  ::raise(SIGPIPE);
  ::_exit(128 + SIGPIPE);  // in a namespace's init process (pid 1) the default action does nothing
}

}  // namespace

StopSignals::StopSignals(std::string command, OnSignal on_signal)
    : command_(std::move(command)), on_signal_(on_signal) {
  if (on_signal_ == OnSignal::quit) {
    struct sigaction quit = {};
    quit.sa_handler = quit_on_closed_pipe;
    quit.sa_flags = SA_NODEFER;
    sigemptyset(&quit.sa_mask);
    struct sigaction current = {};
    if (::sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL &&
        ::sigaction(SIGPIPE, &quit, &saved_pipe_action_) == 0) {
      pipe_handled_ = true;
    }
  }
  sigemptyset(&handled_);
  for (const int number : {SIGINT, SIGTERM, SIGHUP}) {
    struct sigaction current = {};
    if (::sigaction(number, nullptr, &current) == 0 && current.sa_handler != SIG_IGN) {
      sigaddset(&handled_, number);
    }
  }
  if (::pthread_sigmask(SIG_BLOCK, &handled_, &saved_mask_) != 0) return;
  signal_fd_ = ::signalfd(-1, &handled_, SFD_CLOEXEC);
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC);
  if (signal_fd_ >= 0 && wake_fd_ >= 0) {
    try {
      watcher_ = std::thread(&StopSignals::watch, this);
      return;
    } catch (const std::system_error&) {
    }
  }
  // Nothing would read the signals: they keep their default action.
  stop_watching();
  ::pthread_sigmask(SIG_SETMASK, &saved_mask_, nullptr);
}

StopSignals::~StopSignals() {
  stop_watching();
  ::pthread_sigmask(SIG_SETMASK, &saved_mask_, nullptr);
  if (pipe_handled_) ::sigaction(SIGPIPE, &saved_pipe_action_, nullptr);
}

void StopSignals::stop_watching() {
  if (watcher_.joinable()) {
    // Adding 1 to a fresh eventfd cannot fail (only overflowing its counter would).
    const uint64_t one = 1;
    static_cast<void>(::write(wake_fd_, &one, sizeof one));
    watcher_.join();
  }
  if (signal_fd_ >= 0) ::close(std::exchange(signal_fd_, -1));
  if (wake_fd_ >= 0) ::close(std::exchange(wake_fd_, -1));
}

std::string StopSignals::name() const {
  return signal_name(signal());
}

void StopSignals::end_if_requested(bool stopped_early, int64_t step, const std::string& saved) {
  const int number = signal();
  if (number == 0) return;
  stop_watching();
  std::cout.flush();
  std::cerr << "huiyan " << command_ << ": ";
  if (!stopped_early) {
    std::cerr << signal_name(number) << " came as training ended; it is complete (step " << step
              << ")";
  } else if (step == 0) {
    std::cerr << "stopped by " << signal_name(number) << " before the first step; nothing saved";
  } else {
    std::cerr << "stopped by " << signal_name(number) << " at step " << step << "; " << saved
              << " holds the run: the same command with --resume goes on";
  }
  std::cerr << std::endl;
  die_by(number);
}

void StopSignals::watch() {
  // A message to a stderr nobody reads fails (EPIPE) rather than ending the process by SIGPIPE:
  // it ends by the signal that came (and training still saves).
  sigset_t pipe;
  sigemptyset(&pipe);
  sigaddset(&pipe, SIGPIPE);
  ::pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
  std::chrono::steady_clock::time_point first;
  for (;;) {
    pollfd fds[2] = {{signal_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      // Returning would leave the signals blocked with nothing to read them.
      if (errno != EINTR) std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    if (fds[1].revents != 0) return;
    signalfd_siginfo info = {};
    if (::read(signal_fd_, &info, sizeof info) != static_cast<ssize_t>(sizeof info)) continue;
    const int number = static_cast<int>(info.ssi_signo);
    if (on_signal_ == OnSignal::quit) {
      signal_.store(number);  // the work's errors from now on are the quit's doing
      quit_by(number, command_);
    }
    int none = 0;
    if (signal_.compare_exchange_strong(none, number)) {
      first = std::chrono::steady_clock::now();
      write_all(STDERR_FILENO, std::string(::isatty(STDERR_FILENO) ? "\n" : "") + "huiyan " +
                                   command_ + ": " + signal_name(number) +
                                   ": stopping after this step and saving for --resume; "
                                   "again, a second from now, to quit at once\n");
      continue;
    }
    if (std::chrono::steady_clock::now() - first < std::chrono::seconds(1)) continue;
    quit_by(number, command_);  // a second signal: now
  }
}

}  // namespace huiyan::cli
