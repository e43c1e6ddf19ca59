#include "nn/rnn.h"

#include <cmath>
#include <stdexcept>
#include <string>

namespace huiyan::nn {

RNN::RNN(const RnnOptions& options, Random& rng)
    : options_(options), dropout_(options.dropout, rng.next()) {
  if (options.input <= 0 || options.hidden <= 0 || options.layers <= 0) {
    throw std::invalid_argument("RNN needs positive input, hidden and layers");
  }
  for (int layer = 0; layer < options.layers; ++layer) {
    const int64_t input = layer == 0 ? options.input : output_size();
    for (const char* side : {"forward", "backward"}) {
      if (side[0] == 'b' && !options.bidirectional) continue;
      directions_.push_back(
          std::make_unique<RecurrentCell>(options.cell, input, options.hidden, rng));
      add_module("layers." + std::to_string(layer) + "." + side, *directions_.back());
    }
  }
  add_module("dropout", dropout_);
}

RNN::Output RNN::operator()(const Tensor& x, const IntTensor& lengths) {
  if (x.shape().rank != 3 || x.shape()[2] != options_.input) {
    throw std::invalid_argument("RNN: input " + x.shape().str() + ", expected [batch, time, " +
                                std::to_string(options_.input) + "]");
  }
  Graph& graph = graph_of({&x});
  const int64_t batch = x.shape()[0];
  const int64_t time = x.shape()[1];
  const Tensor keep = reshape(sequence_mask(graph, lengths, time), {batch, time, 1});
  Output result;
  Tensor input = x;
  size_t next = 0;
  for (int layer = 0; layer < options_.layers; ++layer) {
    if (layer > 0) input = dropout_(input);
    const RecurrentCell& forward = *directions_[next++];
    Tensor left_to_right =
        recurrent_layer(options_.cell, input, forward.weight_ih, forward.weight_hh, forward.bias);
    result.final_states.push_back(last_steps(left_to_right, lengths));
    Tensor output = left_to_right;
    if (options_.bidirectional) {
      const RecurrentCell& backward = *directions_[next++];
      const Tensor reversed =
          recurrent_layer(options_.cell, reverse_sequences(input, lengths), backward.weight_ih,
                          backward.weight_hh, backward.bias);
      result.final_states.push_back(last_steps(reversed, lengths));
      output = concat({left_to_right, reverse_sequences(reversed, lengths)}, 2);
    }
    input = mask_fill(output, keep, 0.0f);
  }
  result.outputs = input;
  return result;
}

}  // namespace huiyan::nn
