#pragma once
// Ctrl-C (SIGINT), SIGTERM or SIGHUP.
//
// During training (OnSignal::stop_after_step): the trainer stops after the step it is taking and
// saves where it stands, so that --resume goes on from there; a second signal quits at once. A
// repeat within a second is taken for the same request: launchers often pass on the terminal's
// Ctrl-C that their child got as well. Schedulers send SIGTERM before they kill a job, so its work
// since the last validation is kept too.
//
// Once the command has said where it stopped, end_if_requested() ends the process by the same
// signal with its default action: the shell and scripts see a command ended by Ctrl-C (exit status
// 130) and stop as well, rather than going on to the next step of a recipe with a half-trained
// model.
//
// Quitting (OnSignal::quit, every other command; and a second signal in training) removes the
// temporary files of the outputs not committed yet, so each is as it was before the command, and
// no partial file is left beside it; then the process ends by the signal. In quit mode a closed
// pipe on stdout (SIGPIPE, as in `huiyan translate --attention-out a.h5 | head`) does the same,
// silently, as a pipeline's commands end.
//
// No global state: the signals are blocked in this thread (and in every thread started after),
// and a watcher thread reads them from a signalfd.

#include <signal.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

namespace huiyan::cli {

enum class OnSignal { stop_after_step, quit };

class StopSignals {
 public:
  // Construct before the work starts threads: threads started earlier would still take the
  // signals with their default action. `command` names the command in messages on stderr.
  // Signals ignored when the command started (nohup, a background job of a script) stay ignored.
  // Without signalfd the signals keep their default action.
  explicit StopSignals(std::string command, OnSignal on_signal = OnSignal::stop_after_step);
  // Restores the signal mask: a signal that came after the watcher stopped then takes its
  // default action.
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  // Whether a signal asked the work to stop; its number, 0 if none.
  bool requested() const { return signal_.load() != 0; }
  int signal() const { return signal_.load(); }
  // "Ctrl-C (SIGINT)", "SIGTERM" or "SIGHUP".
  std::string name() const;

  // When a signal came: says on stderr where training stopped (`stopped_early`: at `step`, with
  // the run in `saved`, or with nothing saved at step 0; else it had finished anyway), then ends
  // the process by that signal (default action). Else returns.
  void end_if_requested(bool stopped_early, int64_t step, const std::string& saved);

 private:
  void watch();
  void stop_watching();

  std::string command_;
  OnSignal on_signal_;
  sigset_t handled_{};
  sigset_t saved_mask_{};
  struct sigaction saved_pipe_action_ {};
  bool pipe_handled_ = false;  // quit: SIGPIPE's handler is installed
  int signal_fd_ = -1;
  int wake_fd_ = -1;  // an eventfd that ends the watcher
  std::atomic<int> signal_{0};
  std::thread watcher_;
};

}  // namespace huiyan::cli
