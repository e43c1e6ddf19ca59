#pragma once
// Define-by-run autograd: every op on a tensor that needs a gradient appends its backward step
// to the graph's tape; backward() runs the tape in reverse. The graph also owns the arena that
// holds one step's tensors, so reset() after the optimizer step frees them all at once.

#include <functional>
#include <initializer_list>
#include <memory>
#include <unordered_map>
#include <vector>

#include "nn/arena.h"
#include "nn/kernels/gemm.h"
#include "nn/tensor.h"

namespace huiyan::nn {

class Graph {
 public:
  Graph() = default;
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;

  // Fresh tensors in the arena, needing no gradient. While not recording, a tensor's memory goes
  // back to the graph when the tensor dies and may serve a later one before the reset.
  Tensor empty(const Shape& shape);  // uninitialized
  Tensor zeros(const Shape& shape);
  Tensor full(const Shape& shape, float value);
  Tensor from(const Shape& shape, std::span<const float> values);
  IntTensor ids(const Shape& shape, std::span<const int32_t> values);
  // A leaf that needs a gradient (while recording), read with Tensor::gradient() before reset().
  Tensor variable(const Shape& shape, std::span<const float> values);

  // For ops: the output tensor of an op on `inputs`; it needs a gradient when recording is on and
  // any input needs one.
  Tensor output(const Shape& shape, std::initializer_list<const Tensor*> inputs);
  // For ops: records how to propagate output's gradient to the inputs. Skipped by backward() when
  // no gradient reached `output`.
  void record(const Tensor& output, std::function<void()> backward);
  // For backward steps: t's gradient buffer (allocated on first use). `accumulate` says whether
  // it already holds values to add to; after the call it counts as written.
  float* gradient_for(TensorImpl& t, bool& accumulate);

  // For ops in bf16 precision: a persistent tensor's values rounded to bf16, rounded once per
  // generation and then reused (parameters change only between resets, in the optimizer step);
  // null for a tensor of the graph.
  const uint16_t* bf16_copy(const Tensor& t);
  // For products that need no gradient (inference): a persistent B (a weight) in the blocked
  // layouts oneDNN reads, packed once per generation, like bf16_copy. Both are found by the
  // tensor's address: a tensor must not be replaced or reloaded in place within a generation.
  kernels::PackedB& packed(const Tensor& t);
  // Takes bf16 and packed copies from `owner` instead (a short-lived graph reset every decoding
  // step, inside a longer one whose parameters stay fixed).
  void share_weight_copies_of(Graph& owner) { copies_owner_ = &owner; }

  // d(loss)/d(every tensor needing a gradient), loss being a one-element tensor.
  void backward(const Tensor& loss);

  // Frees the tape and every tensor made since the last reset; using one afterwards throws.
  void reset();

  bool recording() const { return recording_; }
  void set_recording(bool on) { recording_ = on; }
  uint64_t generation() const { return generation_; }
  Arena& arena() { return arena_; }
  size_t tape_size() const { return tape_.size(); }

 private:
  struct Node {
    std::shared_ptr<TensorImpl> output;
    std::function<void()> backward;
  };

  Arena arena_;
  std::vector<Node> tape_;
  std::unordered_map<const float*, const uint16_t*> bf16_copies_;
  std::unordered_map<const float*, kernels::PackedB> packed_;
  Graph* copies_owner_ = nullptr;
  bool recording_ = true;
  uint64_t generation_ = 1;
  // Memory of tensors that died since the reset, reused while not recording (after generation_:
  // made with its value).
  std::shared_ptr<FreeBlocks> free_blocks_ = std::make_shared<FreeBlocks>(generation_);
};

// Inference mode: while alive, ops on `graph` record nothing and no tensor needs a gradient.
class NoGrad {
 public:
  explicit NoGrad(Graph& graph) : graph_(graph), previous_(graph.recording()) {
    graph.set_recording(false);
  }
  ~NoGrad() { graph_.set_recording(previous_); }
  NoGrad(const NoGrad&) = delete;
  NoGrad& operator=(const NoGrad&) = delete;

 private:
  Graph& graph_;
  bool previous_;
};

// The graph of the first input made by a graph; std::logic_error if all are persistent.
Graph& graph_of(std::initializer_list<const Tensor*> inputs);

}  // namespace huiyan::nn
