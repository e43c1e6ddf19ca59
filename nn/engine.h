#pragma once
// The one piece of process-wide state in nn/: oneDNN's CPU engine and stream, and the ready
// primitives keyed by op and shape. Creating a primitive costs 4-8 us even when oneDNN's own cache
// hits; looking one up here costs well under 1 us, and batches bucketed by length repeat shapes.

#include <array>
#include <cstdint>
#include <dnnl.hpp>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

namespace huiyan::nn {

// The op codes that start a PrimitiveKey, in one list so that no two kinds of primitive share one.
enum PrimitiveOp : int64_t {
  kGemmOp = 1,
  kBinaryOp = 2,
  kUnaryOp = 3,
  kLayerNormOp = 6,
  kPermuteOp = 9,
  kRnnForwardOp = 20,
  kRnnBackwardOp = 21,
  kReorderOp = 22,
  kPackedGemmOp = 23,
};

// Identifies a primitive: an op code and up to 23 integers (dims, flags, algorithm).
struct PrimitiveKey {
  std::array<int64_t, 24> values{};
  int size = 0;

  PrimitiveKey& add(int64_t value) {
    values[static_cast<size_t>(size++)] = value;
    return *this;
  }
  bool operator==(const PrimitiveKey& other) const {
    return size == other.size && values == other.values;
  }
};

struct PrimitiveKeyHash {
  size_t operator()(const PrimitiveKey& key) const;
};

// How matrix products multiply: f32 throughout, or bf16 inputs with f32 accumulation and f32
// results (mixed precision, as PyTorch's autocast does), which runs on AMX or AVX512-BF16 units
// several times faster. Everything else stays f32 either way.
enum class Precision { f32, bf16 };

// Not thread-safe: one thread drives the network; oneDNN parallelizes inside each primitive.
class Engine {
 public:
  static Engine& get();

  dnnl::engine& engine() { return engine_; }
  dnnl::stream& stream() { return stream_; }

  // The primitive for `key`, made by `make()` the first time.
  template <typename Make>
  dnnl::primitive& primitive(const PrimitiveKey& key, Make&& make) {
    auto found = cache_.find(key);
    if (found == cache_.end()) found = cache_.emplace(key, dnnl::primitive(make())).first;
    return found->second;
  }

  size_t cached_primitives() const { return cache_.size(); }

  // Throws std::runtime_error for bf16 on a CPU without bf16 matrix instructions.
  void set_precision(Precision precision);
  Precision precision() const { return precision_; }
  static bool bf16_supported();

  // Scratch memory for kernels, valid until the next call with the same slot.
  void* scratch(int slot, size_t bytes);

 private:
  Engine();

  dnnl::engine engine_;
  dnnl::stream stream_;
  Precision precision_ = Precision::f32;
  struct FreeScratch {
    void operator()(void* p) const;
  };
  struct Scratch {
    std::unique_ptr<void, FreeScratch> memory;
    size_t bytes = 0;
  };
  std::array<Scratch, 4> scratch_;
  std::unordered_map<PrimitiveKey, dnnl::primitive, PrimitiveKeyHash> cache_;
};

// Threads for oneDNN and our OpenMP loops (both run on the same OpenMP runtime). 0 = every core.
void set_threads(int threads);
int threads();

// "f32" or "bf16" (as the command-line options spell them); throws std::invalid_argument otherwise.
Precision parse_precision(const std::string& name);

}  // namespace huiyan::nn
