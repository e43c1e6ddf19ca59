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

  // The states of every random stream below this module (dropout masks), in registration order:
  // saved with a checkpoint, so resumed training draws the same masks.
  std::vector<uint64_t> random_states() const;
  void set_random_states(const std::vector<uint64_t>& states);

  // Training mode turns dropout on; it applies to the whole subtree.
  void train(bool on);
  bool training() const { return training_; }

 protected:
  // A new parameter [shape] initialised by `init` from `rng`.
  Tensor add_parameter(const std::string& name, const Shape& shape, Init init, Random& rng);
  void add_module(const std::string& name, Module& child);
  void add_random_stream(Random& rng) { randoms_.push_back(&rng); }

 private:
  void collect(const std::string& prefix, std::vector<NamedTensor>& out) const;
  void collect_randoms(std::vector<Random*>& out) const;

  std::vector<NamedTensor> parameters_;
  std::vector<std::pair<std::string, Module*>> children_;
  std::vector<Random*> randoms_;
  bool training_ = true;
};

// Fills `t` per `init`; fan_in/fan_out from its shape ([out, in] for matrices). Nothing when
// rng is for loading (Random::for_loading).
void initialize(Tensor& t, Init init, Random& rng);

}  // namespace huiyan::nn
