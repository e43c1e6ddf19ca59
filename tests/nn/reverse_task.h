#pragma once
// The learning test every encoder-decoder takes: reverse random sequences of 5 tokens (ids 4..19,
// bos 2, eos 3, vocabulary 20) by teacher-forced cross-entropy with Adam.

#include <functional>
#include <vector>

#include "nn/optimizer.h"
#include "nn/seq2seq.h"

namespace huiyan::nn::testing {

struct ReverseResult {
  float loss = 10;  // of the last batch
  int steps = 0;
};

// Trains until the batch loss is below 0.05 or after max_steps; lr(step) is the learning rate.
inline ReverseResult train_to_reverse(Seq2Seq& model, int max_steps,
                                      const std::function<float(int)>& lr) {
  constexpr int64_t kBatch = 32, kLen = 5, kVocab = 20;
  Adam adam(model.parameters());
  Graph graph;
  Random data(6);
  ReverseResult r;
  for (; r.steps < max_steps && r.loss > 0.05f; ++r.steps) {
    std::vector<int32_t> src, tgt_in, tgt_out;
    for (int64_t b = 0; b < kBatch; ++b) {
      std::vector<int32_t> sequence;
      for (int64_t t = 0; t < kLen; ++t)
        sequence.push_back(4 + static_cast<int32_t>(data.below(16)));
      src.insert(src.end(), sequence.begin(), sequence.end());
      tgt_in.push_back(2);
      tgt_in.insert(tgt_in.end(), sequence.rbegin(), sequence.rend());
      tgt_out.insert(tgt_out.end(), sequence.rbegin(), sequence.rend());
      tgt_out.push_back(3);
    }
    const IntTensor lengths = graph.ids({kBatch}, std::vector<int32_t>(kBatch, kLen));
    const Tensor memory = model.encode(graph.ids({kBatch, kLen}, src), lengths);
    const Tensor logits = model.decode(graph.ids({kBatch, kLen + 1}, tgt_in), memory, lengths);
    const Tensor objective = cross_entropy(reshape(logits, {kBatch * (kLen + 1), kVocab}),
                                           graph.ids({kBatch * (kLen + 1)}, tgt_out));
    r.loss = objective.item();
    graph.backward(objective);
    adam.step(lr(r.steps));
    adam.zero_grad();
    graph.reset();
  }
  return r;
}

}  // namespace huiyan::nn::testing
