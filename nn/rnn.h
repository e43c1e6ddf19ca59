#pragma once
// Multi-layer, optionally bidirectional GRU / LSTM over padded batches (variable lengths).
// Each direction is one oneDNN primitive call over the whole sequence. The right-to-left
// direction runs left to right over each sequence reversed within its length, so padding is
// never read before real tokens; outputs past a sequence's end are zero.

#include <vector>

#include "nn/layers.h"
#include "nn/module.h"
#include "nn/ops.h"
#include "nn/rnn_cell.h"

namespace huiyan::nn {

struct RnnOptions {
  kernels::Cell cell = kernels::Cell::gru;
  int64_t input = 0;
  int64_t hidden = 0;
  int layers = 1;
  bool bidirectional = false;
  float dropout = 0;  // between layers, while training
};

class RNN : public Module {
 public:
  RNN(const RnnOptions& options, Random& rng);

  struct Output {
    Tensor outputs;                    // [batch, time, directions·hidden], zero past each length
    std::vector<Tensor> final_states;  // per layer, then direction: [batch, hidden] at the last
                                       // real position (the first, for right-to-left)
  };
  // x [batch, time, input]; lengths [batch], each in [0, time].
  Output operator()(const Tensor& x, const IntTensor& lengths);

  const RnnOptions& options() const { return options_; }
  int64_t output_size() const { return options_.hidden * (options_.bidirectional ? 2 : 1); }

 private:
  RnnOptions options_;
  // One direction of one layer each (weight_ih, weight_hh, bias), layer-major: l0 forward, l0
  // backward, ...; run over whole sequences by recurrent_layer.
  std::vector<std::unique_ptr<RecurrentCell>> directions_;
  Dropout dropout_;
};

}  // namespace huiyan::nn
