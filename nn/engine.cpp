#include "nn/engine.h"

#include <omp.h>

#include <cstdlib>
#include <new>
#include <stdexcept>
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

bool Engine::bf16_supported() {
  // ISA values are bit sets, each containing the ones it extends.
  const auto bf16 = static_cast<unsigned>(dnnl::cpu_isa::avx512_core_bf16);
  return (static_cast<unsigned>(dnnl::get_effective_cpu_isa()) & bf16) == bf16;
}

void Engine::set_precision(Precision precision) {
  if (precision == Precision::bf16 && !bf16_supported()) {
    throw std::runtime_error(
        "bf16 precision needs a CPU with AVX512-BF16 or AMX; this one has neither (use f32)");
  }
  precision_ = precision;
}

void Engine::FreeScratch::operator()(void* p) const {
  std::free(p);
}

void* Engine::scratch(int slot, size_t bytes) {
  Scratch& s = scratch_.at(static_cast<size_t>(slot));
  if (s.bytes < bytes) {
    const size_t rounded = (bytes + 63) / 64 * 64;
    s.memory.reset();
    s.bytes = 0;
    s.memory.reset(std::aligned_alloc(64, rounded));
    if (!s.memory) throw std::bad_alloc();
    s.bytes = rounded;
  }
  return s.memory.get();
}

Precision parse_precision(const std::string& name) {
  if (name == "f32") return Precision::f32;
  if (name == "bf16") return Precision::bf16;
  throw std::invalid_argument("precision must be f32 or bf16, not '" + name + "'");
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
