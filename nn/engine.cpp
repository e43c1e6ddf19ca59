#include "nn/engine.h"

#include <omp.h>

#include <thread>

namespace huiyan::nn {

size_t PrimitiveKeyHash::operator()(const PrimitiveKey& key) const {
  uint64_t hash = 0x9E3779B97F4A7C15ULL ^ static_cast<uint64_t>(key.size);
  for (int i = 0; i < key.size; ++i) {
    hash ^= static_cast<uint64_t>(key.values[static_cast<size_t>(i)]) + 0x9E3779B97F4A7C15ULL +
            (hash << 6) + (hash >> 2);
  }
  return static_cast<size_t>(hash);
}

Engine::Engine() : engine_(dnnl::engine::kind::cpu, 0), stream_(engine_) {}

Engine& Engine::get() {
  static Engine instance;
  return instance;
}

void set_threads(int threads) {
  const int n =
      threads > 0 ? threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  omp_set_num_threads(n);
}

int threads() {
  return omp_get_max_threads();
}

}  // namespace huiyan::nn
