#pragma once
// A progress line on stderr for long jobs: redrawn in place on a terminal at most a few times a
// second, silent otherwise (logs stay clean when stderr is a file).

#include <chrono>
#include <cstddef>
#include <string>

namespace huiyan::pipeline {

class Progress {
 public:
  // Draws only when `enabled` and stderr is a terminal. `first`: the count this run starts from
  // (a resumed training's steps), left out of the rate.
  Progress(std::string label, std::string unit, bool enabled, size_t first = 0);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void update(size_t done, const std::string& detail = "");
  // Whether the line is drawn (stderr is a terminal): callers log periodic lines otherwise.
  bool drawing() const { return active_; }
  // Clears the line so the next message starts on a clean line.
  void finish();
  // Since the start.
  double seconds() const;

 private:
  std::string label_;
  std::string unit_;
  bool active_;
  size_t first_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

// A time span for people: "45s", "12m05s", "3h07m".
std::string format_duration(double seconds);

}  // namespace huiyan::pipeline
