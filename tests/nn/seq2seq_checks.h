#pragma once
// Tests every encoder-decoder takes, whatever its architecture (vocabulary 20, bos 2, eos 3):
// causality and padding invariance, and learning to reverse random sequences of 5 tokens.

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <vector>

#include "nn/optimizer.h"
#include "nn/seq2seq.h"

namespace huiyan::nn::testing {

// Logits at target position t depend on the source and on target positions <= t only, and never
// on what source padding holds. `model` in evaluation mode.
inline void expect_causal_and_padding_invariant(Seq2Seq& model) {
  constexpr size_t kVocab = 20;
  Graph graph;
  const auto logits = [&](std::vector<int32_t> src, std::vector<int32_t> tgt) {
    const IntTensor lengths = graph.ids({1}, std::vector<int32_t>{4});
    const Tensor memory = model.encode(graph.ids({1, 6}, src), lengths);
    return model.decode(graph.ids({1, 5}, tgt), memory, lengths).values();
  };
  const auto base = logits({5, 6, 7, 8, 0, 0}, {2, 9, 10, 11, 12});
  const auto padded = logits({5, 6, 7, 8, 13, 14}, {2, 9, 10, 11, 12});  // garbage in padding
  const auto future = logits({5, 6, 7, 8, 0, 0}, {2, 9, 10, 3, 3});      // positions 3, 4 changed
  ASSERT_EQ(base.size(), 5 * kVocab);
  for (size_t i = 0; i < base.size(); ++i) EXPECT_NEAR(base[i], padded[i], 1e-5) << i;
  for (size_t i = 0; i < 3 * kVocab; ++i) EXPECT_NEAR(base[i], future[i], 1e-5) << i;
  bool changed = false;
  for (size_t i = 3 * kVocab; i < base.size(); ++i)
    changed = changed || std::abs(base[i] - future[i]) > 1e-4;
  EXPECT_TRUE(changed);
}

// Step-by-step decoding (step_decoder) gives the teacher-forced forward pass's logits,
// and each step's attention is 0 on source padding and, when `normalized`, sums to 1 over the
// real positions (Luong's local-p weights do not).
inline void expect_steps_equal_full_forward(Seq2Seq& model, double tolerance, bool normalized) {
  constexpr size_t kVocab = 20;
  Graph graph;
  NoGrad no_grad(graph);
  const std::vector<int32_t> src = {5, 6, 7, 8, 9, 4, 0, 0};
  const std::vector<int32_t> tgt = {2, 11, 12, 13, 14, 2, 15, 16, 0, 0};
  const IntTensor lengths = graph.ids({2}, std::vector<int32_t>{4, 2});
  const Tensor memory = model.encode(graph.ids({2, 4}, src), lengths);
  const auto full = model.decode(graph.ids({2, 5}, tgt), memory, lengths).values();
  const auto steps = model.step_decoder(memory, lengths, 5);
  for (size_t t = 0; t < 5; ++t) {
    const auto step = steps->step({tgt[t], tgt[5 + t]}).values();
    for (size_t b = 0; b < 2; ++b)
      for (size_t v = 0; v < kVocab; ++v)
        EXPECT_NEAR(step[b * kVocab + v], full[(b * 5 + t) * kVocab + v], tolerance) << t;
    const auto weights = steps->attention().values();
    ASSERT_EQ(weights.size(), 8u);
    EXPECT_EQ(weights[6], 0.0f);  // row 1 has 2 real positions
    EXPECT_EQ(weights[7], 0.0f);
    if (normalized) {
      EXPECT_NEAR(weights[0] + weights[1] + weights[2] + weights[3], 1.0, 1e-5);
      EXPECT_NEAR(weights[4] + weights[5], 1.0, 1e-5);
    }
  }
}

// Beam search's select_rows keeps (and repeats) decoder rows: after selecting rows {1, 1, 0}, the
// next step gives what the unselected decoder gives for rows 1, 1 and 0; after a second step and
// selecting {2, 0} (two paths through different parents), the step after gives what a decoder fed
// those paths directly gives.
inline void expect_select_rows_reorders(Seq2Seq& model, double tolerance) {
  constexpr size_t kVocab = 20;
  Graph graph;
  NoGrad no_grad(graph);
  const IntTensor lengths = graph.ids({2}, std::vector<int32_t>{3, 2});
  const Tensor memory =
      model.encode(graph.ids({2, 3}, std::vector<int32_t>{5, 6, 7, 8, 9, 0}), lengths);
  const auto a = model.step_decoder(memory, lengths, 5);
  a->step({2, 2});
  a->step({10, 11});
  a->select_rows({1, 1, 0});
  const auto reordered = a->step({12, 12, 12}).values();
  const auto b = model.step_decoder(memory, lengths, 5);
  b->step({2, 2});
  b->step({10, 11});
  const auto direct = b->step({12, 12}).values();
  for (size_t v = 0; v < kVocab; ++v) {
    EXPECT_NEAR(reordered[v], direct[kVocab + v], tolerance);
    EXPECT_NEAR(reordered[kVocab + v], direct[kVocab + v], tolerance);
    EXPECT_NEAR(reordered[2 * kVocab + v], direct[v], tolerance);
  }
  // Rows now: sentence 1 (…12, then 13), sentence 1 (…12, 14), sentence 0 (…12, 15).
  a->step({13, 14, 15});
  a->select_rows({2, 0});
  const auto twice = a->step({16, 16}).values();
  b->step({15, 13});
  const auto paths = b->step({16, 16}).values();
  for (size_t v = 0; v < 2 * kVocab; ++v) EXPECT_NEAR(twice[v], paths[v], tolerance) << v;
}

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
