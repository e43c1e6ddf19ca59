#include "pipeline/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace huiyan::pipeline {

Progress::Progress(std::string label, std::string unit, bool enabled, size_t first)
    : label_(std::move(label)),
      unit_(std::move(unit)),
      active_(enabled && isatty(STDERR_FILENO) == 1),
      first_(first),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

Progress::~Progress() {
  finish();
}

void Progress::update(size_t done, const std::string& detail) {
  if (!active_) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ < std::chrono::milliseconds(250)) return;
  last_draw_ = now;
  const double seconds = std::chrono::duration<double>(now - start_).count();
  const double rate =
      seconds > 0 && done > first_ ? static_cast<double>(done - first_) / seconds : 0.0;
  // Training steps come a few a second or fewer: one decimal there, none for lines and items.
  std::fprintf(stderr, "\r%s: %zu %s (%.*f/s)%s%s\033[K", label_.c_str(), done, unit_.c_str(),
               rate < 10 ? 1 : 0, rate, detail.empty() ? "" : " ", detail.c_str());
  std::fflush(stderr);
  drawn_ = true;
}

void Progress::finish() {
  if (drawn_) {
    std::fputs("\r\033[K", stderr);
    std::fflush(stderr);
    drawn_ = false;
  }
}

double Progress::seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

std::string format_duration(double seconds) {
  if (std::isnan(seconds)) return "?";
  // Ten thousand hours and more read as such (and stay within a long long).
  const auto whole = static_cast<long long>(std::llround(std::clamp(seconds, 0.0, 3.6e7)));
  char buffer[64];
  if (whole < 60) {
    std::snprintf(buffer, sizeof buffer, "%llds", whole);
  } else if (whole < 3600) {
    std::snprintf(buffer, sizeof buffer, "%lldm%02llds", whole / 60, whole % 60);
  } else {
    std::snprintf(buffer, sizeof buffer, "%lldh%02lldm", whole / 3600, whole / 60 % 60);
  }
  return buffer;
}

}  // namespace huiyan::pipeline
