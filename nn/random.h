#pragma once
// Seeded random numbers, the same on every machine and thread count: SplitMix64 (Steele, Lea,
// Flood 2014) as a stream, and its mixing function as a counter-based generator for parallel
// loops (element i of a dropout mask depends only on the key and i, never on thread timing).

#include <cstdint>

namespace huiyan::nn {

// SplitMix64's finalizer: a bijective 64-bit mix.
inline uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// Uniform in [0, 1) from the top 24 bits, exact in float.
inline float unit_float(uint64_t bits) {
  return static_cast<float>(bits >> 40) * 0x1.0p-24f;
}

// The `index`-th number of the counter-based stream `key`.
inline uint64_t counter_random(uint64_t key, uint64_t index) {
  return mix64(key + 0x9E3779B97F4A7C15ULL * (index + 1));
}

// MurmurHash3's 32-bit finalizer: a bijective 32-bit mix.
inline uint32_t mix32(uint32_t h) {
  h = (h ^ (h >> 16)) * 0x85EBCA6Bu;
  h = (h ^ (h >> 13)) * 0xC2B2AE35u;
  return h ^ (h >> 16);
}

// A 32-bit counter-based stream for per-element masks (index < 2^32): only 32-bit products,
// which vector units do in one instruction (64-bit ones take several).
inline uint32_t counter_random32(uint64_t key, uint32_t index) {
  const uint32_t low = static_cast<uint32_t>(key);
  const uint32_t high = static_cast<uint32_t>(key >> 32);
  return mix32(mix32(index * 0x9E3779B9u + low) ^ high);
}

// Uniform in [0, 1) from the top 24 of 32 bits, exact in float.
inline float unit_float32(uint32_t bits) {
  return static_cast<float>(bits >> 8) * 0x1.0p-24f;
}

class Random {
 public:
  explicit Random(uint64_t seed) : state_(seed) {}
  // The same stream, for building a model whose every parameter is then loaded from a file:
  // initialize() leaves parameters as allocated (zero) instead of drawing initial values that the
  // file replaces (a one-line translate: 0.44 → 0.38 s without them). Its modules' own
  // streams (dropout) then start elsewhere than those of a model built with Random(seed).
  static Random for_loading(uint64_t seed) {
    Random rng(seed);
    rng.loading_ = true;
    return rng;
  }
  bool loading() const { return loading_; }

  uint64_t next() { return mix64(state_ += 0x9E3779B97F4A7C15ULL); }
  // Uniform in [0, bound), bound > 0, exactly uniform (rejection).
  uint64_t below(uint64_t bound);
  float uniform() { return unit_float(next()); }  // [0, 1)
  float uniform(float low, float high) { return low + (high - low) * uniform(); }
  float normal(float mean, float stddev);  // Box-Muller

  uint64_t state() const { return state_; }
  void set_state(uint64_t state) { state_ = state; }

 private:
  uint64_t state_;
  bool loading_ = false;
};

}  // namespace huiyan::nn
