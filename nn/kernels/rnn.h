#pragma once
// One unidirectional (left-to-right) recurrent layer on oneDNN's RNN primitives, forward and
// backward, with a zero initial state. Data is batch-major: x [N, T, C], y [N, T, H].
//
// Weights in our layout (PyTorch's, gates stacked along rows):
//   w_layer [G·H, C], w_iter [G·H, H], bias [4·H]
// LSTM (G = 4, gates i, f, c̃, o):  bias = b_ih + b_hh.
// GRU (G = 3, gates u, r, n; "linear before reset" as cuDNN and PyTorch define it):
//   u = σ(W_u x + U_u h + b_u), r = σ(W_r x + U_r h + b_r),
//   n = tanh(W_n x + b_n + r ⊙ (U_n h + b_hn)), h' = u ⊙ h + (1 - u) ⊙ n;  bias = [b_u, b_r, b_n,
//   b_hn].
// (PyTorch orders its GRU gates r, z, n; ours follow oneDNN's u(=z), r, n.)

#include <cstddef>
#include <cstdint>

namespace huiyan::nn::kernels {

enum class Cell { gru, lstm };

struct RnnShape {
  Cell cell = Cell::gru;
  int64_t batch = 0;
  int64_t time = 0;
  int64_t input = 0;
  int64_t hidden = 0;
};

inline int64_t gate_count(Cell cell) {
  return cell == Cell::lstm ? 4 : 3;
}

// Bytes of the workspace the forward pass fills for the backward pass.
size_t rnn_workspace_bytes(const RnnShape& shape);

// y = the layer's outputs; `workspace` (rnn_workspace_bytes) is filled for training, or null for
// inference.
void rnn_forward(const RnnShape& shape, const float* x, const float* w_layer, const float* w_iter,
                 const float* bias, float* y, void* workspace);

// Writes (does not add) dx [N, T, C], dw_layer, dw_iter and dbias from dy [N, T, H].
void rnn_backward(const RnnShape& shape, const float* x, const float* w_layer, const float* w_iter,
                  const float* bias, const float* y, const float* dy, void* workspace, float* dx,
                  float* dw_layer, float* dw_iter, float* dbias);

}  // namespace huiyan::nn::kernels
