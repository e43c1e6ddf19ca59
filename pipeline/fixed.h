#pragma once
// Numbers for people: `value` with `digits` digits after the point ("0.8913").

#include <cstdio>
#include <string>

namespace huiyan::pipeline {

inline std::string fixed(double value, int digits) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", digits, value);
  return buffer;
}

}  // namespace huiyan::pipeline
