#include "nn/rnn_cell.h"

#include <cmath>
#include <stdexcept>

namespace huiyan::nn {

RecurrentCell::RecurrentCell(kernels::Cell cell, int64_t input, int64_t hidden, Random& rng)
    : cell_(cell), hidden_(hidden) {
  const int64_t gates = kernels::gate_count(cell);
  weight_ih = add_parameter("weight_ih", {gates * hidden, input}, Init::zeros, rng);
  weight_hh = add_parameter("weight_hh", {gates * hidden, hidden}, Init::zeros, rng);
  bias = add_parameter("bias", {4 * hidden}, Init::zeros, rng);
  // U(-1/sqrt(H), 1/sqrt(H)), as the RNN module starts.
  const auto bound = static_cast<float>(1.0 / std::sqrt(static_cast<double>(hidden)));
  for (Tensor* t : {&weight_ih, &weight_hh, &bias}) {
    for (int64_t i = 0; i < t->numel(); ++i) t->data()[i] = rng.uniform(-bound, bound);
  }
}

CellState RecurrentCell::zero_state(Graph& graph, int64_t batch) const {
  CellState state;
  state.h = graph.zeros({batch, hidden_});
  if (cell_ == kernels::Cell::lstm) state.c = graph.zeros({batch, hidden_});
  return state;
}

CellState RecurrentCell::from_input_gates(const Tensor& from_input, const CellState& state) const {
  const int64_t h = hidden_;
  const Tensor from_state = linear(state.h, weight_hh, Tensor());  // [B, G·H]
  // The bias as [4, H] rows: b_u, b_r, b_n, b_hn (GRU) or one per LSTM gate.
  Graph& graph = graph_of({&from_input, &state.h});
  const Tensor b = add(graph.zeros({1, 4 * h}), bias);
  const auto bias_part = [&](int64_t gate) { return slice(b, 1, gate * h, (gate + 1) * h); };
  CellState next;
  if (cell_ == kernels::Cell::lstm) {
    const auto gates = split(add(add(from_input, from_state), b), 1, {h, h, h, h});
    const Tensor i = sigmoid(gates[0]);
    const Tensor f = sigmoid(gates[1]);
    const Tensor g = tanh(gates[2]);
    const Tensor o = sigmoid(gates[3]);
    next.c = add(mul(f, state.c), mul(i, g));
    next.h = mul(o, tanh(next.c));
    return next;
  }
  // GRU, linear before reset: n = tanh(W_n x + b_n + r ⊙ (U_n h + b_hn)).
  const auto xi = split(from_input, 1, {h, h, h});
  const auto hs = split(from_state, 1, {h, h, h});
  const Tensor u = sigmoid(add(add(xi[0], hs[0]), bias_part(0)));
  const Tensor r = sigmoid(add(add(xi[1], hs[1]), bias_part(1)));
  const Tensor n = tanh(add(add(xi[2], bias_part(2)), mul(r, add(hs[2], bias_part(3)))));
  // h' = u ⊙ h + (1 - u) ⊙ n = n + u ⊙ (h - n)
  next.h = add(n, mul(u, sub(state.h, n)));
  return next;
}

}  // namespace huiyan::nn
