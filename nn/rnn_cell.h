#pragma once
// One time step of a GRU or LSTM, built from ops, for decoders whose next input depends on the
// step just taken (Bahdanau attention, Luong input feeding) and so cannot run as one sequence
// primitive. Same weights and formulas as kernels/rnn.h, so a cell stepped over a sequence gives
// what recurrent_layer gives.

#include "nn/kernels/rnn.h"
#include "nn/layers.h"

namespace huiyan::nn {

struct CellState {
  Tensor h;  // [batch, hidden]
  Tensor c;  // LSTM only
};

class RecurrentCell : public Module {
 public:
  RecurrentCell(kernels::Cell cell, int64_t input, int64_t hidden, Random& rng);

  // x [batch, input] and the previous state -> the next state.
  CellState operator()(const Tensor& x, const CellState& state) const {
    return from_input_gates(linear(x, weight_ih, Tensor()), state);
  }
  // The same step from W_ih x [batch, G·H] computed by the caller (e.g. for every time step at
  // once, or as a sum over parts of x).
  CellState from_input_gates(const Tensor& from_input, const CellState& state) const;
  CellState zero_state(Graph& graph, int64_t batch) const;

  kernels::Cell cell() const { return cell_; }
  int64_t hidden() const { return hidden_; }

  Tensor weight_ih;  // [G·H, input]
  Tensor weight_hh;  // [G·H, H]
  Tensor bias;       // [4·H]

 private:
  kernels::Cell cell_;
  int64_t hidden_;
};

}  // namespace huiyan::nn
