#pragma once
// Layers name their parameters once, with dotted paths ("encoder.layers.0.self_attn.q.weight"),
// so the model file's names and the code's names are the same thing.

#include <string>
#include <vector>

#include "nn/random.h"
#include "nn/tensor.h"

namespace huiyan::nn {

struct NamedTensor {
  std::string name;
  Tensor tensor;
};

// Initial values of a parameter.
enum class Init { zeros, ones, xavier_uniform, normal_002, embedding_normal };

class Module {
 public:
  Module() = default;
  virtual ~Module() = default;
  // Children register `this`, so a module stays where it was built.
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  // Every parameter below this module in registration order, named from here down.
  std::vector<NamedTensor> parameters() const;
  int64_t parameter_count() const;

  // The training state below this module that is not a parameter, as 64-bit words: each
  // module's random streams (dropout masks, sampling), then its running statistics, modules in
  // registration order. Saved with a checkpoint, so that resumed training goes on as uninterrupted
  // training would.
  std::vector<uint64_t> state_words() const;
  void set_state_words(const std::vector<uint64_t>& words);

  // Training mode turns dropout on; it applies to the whole subtree.
  void train(bool on);
  bool training() const { return training_; }

 protected:
  // A new parameter [shape] initialised by `init` from `rng`.
  Tensor add_parameter(const std::string& name, const Shape& shape, Init init, Random& rng);
  void add_module(const std::string& name, Module& child);
  void add_random_stream(Random& rng) { randoms_.push_back(&rng); }
  // A running statistic that training updates (a moving average), kept in 64 bits.
  void add_state_word(uint64_t& word) { words_.push_back(&word); }

 private:
  void collect(const std::string& prefix, std::vector<NamedTensor>& out) const;
  // Reads (or, with `words`, writes) every state word in state_words' order; returns the count.
  size_t visit_state(std::vector<uint64_t>* out, const uint64_t* words) const;

  std::vector<NamedTensor> parameters_;
  std::vector<std::pair<std::string, Module*>> children_;
  std::vector<Random*> randoms_;
  std::vector<uint64_t*> words_;
  bool training_ = true;
};

// Fills `t` per `init`; fan_in/fan_out from its shape ([out, in] for matrices). Nothing when
// rng is for loading (Random::for_loading).
void initialize(Tensor& t, Init init, Random& rng);

}  // namespace huiyan::nn
