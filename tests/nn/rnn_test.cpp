#include "nn/rnn.h"

#include <gtest/gtest.h>

#include "nn/optimizer.h"
#include "tests/nn/gradcheck.h"

namespace huiyan::nn {
namespace {

using kernels::Cell;
using testing::random_input;

RnnOptions options(Cell cell, bool bidirectional, int layers) {
  RnnOptions o;
  o.cell = cell;
  o.input = 3;
  o.hidden = 4;
  o.layers = layers;
  o.bidirectional = bidirectional;
  return o;
}

TEST(Rnn, ParametersAreNamedByLayerAndDirection) {
  Random rng(1);
  RNN rnn(options(Cell::lstm, true, 2), rng);
  std::vector<std::string> names;
  for (const auto& p : rnn.parameters()) names.push_back(p.name);
  EXPECT_EQ(names.front(), "layers.0.forward.weight_ih");
  EXPECT_EQ(names.back(), "layers.1.backward.bias");
  EXPECT_EQ(names.size(), 12u);
  EXPECT_EQ(rnn.parameters()[6].tensor.shape(), (Shape{16, 8}));  // layer 1 reads both directions
}

class RnnPadding : public ::testing::TestWithParam<Cell> {};

// A padded batch gives each sequence exactly what it gets alone, whatever the padding holds.
TEST_P(RnnPadding, EachSequenceIsAsIfAlone) {
  Random rng(2);
  RNN rnn(options(GetParam(), true, 2), rng);
  const std::vector<int32_t> lengths = {5, 2, 0, 4};
  const int64_t batch = 4, time = 5;
  auto x = random_input({batch, time, 3}, 3);
  Graph graph;
  const auto run = [&](const std::vector<float>& values) {
    return rnn(graph.from({batch, time, 3}, values), graph.ids({batch}, lengths));
  };
  const RNN::Output padded = run(x.values);
  auto garbage = x.values;
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t t = lengths[static_cast<size_t>(b)]; t < time; ++t) {
      for (int c = 0; c < 3; ++c) garbage[static_cast<size_t>((b * time + t) * 3 + c)] = 100.0f;
    }
  }
  const RNN::Output with_garbage = run(garbage);
  EXPECT_EQ(padded.outputs.values(), with_garbage.outputs.values());
  for (size_t i = 0; i < padded.final_states.size(); ++i) {
    EXPECT_EQ(padded.final_states[i].values(), with_garbage.final_states[i].values());
  }

  const auto outputs = padded.outputs.values();
  for (int64_t b = 0; b < batch; ++b) {
    const int64_t length = lengths[static_cast<size_t>(b)];
    if (length == 0) continue;
    const std::vector<float> own(x.values.begin() + b * time * 3,
                                 x.values.begin() + (b * time + length) * 3);
    const RNN::Output alone =
        rnn(graph.from({1, length, 3}, own),
            graph.ids({1}, std::vector<int32_t>{static_cast<int32_t>(length)}));
    const auto alone_outputs = alone.outputs.values();
    for (int64_t t = 0; t < time; ++t) {
      for (int64_t c = 0; c < 8; ++c) {
        const float got = outputs[static_cast<size_t>((b * time + t) * 8 + c)];
        if (t < length) {
          EXPECT_NEAR(got, alone_outputs[static_cast<size_t>(t * 8 + c)], 1e-5) << b << " " << t;
        } else {
          EXPECT_EQ(got, 0.0f);
        }
      }
    }
    for (size_t i = 0; i < padded.final_states.size(); ++i) {
      const auto all = padded.final_states[i].values();
      const auto mine = alone.final_states[i].values();
      for (int c = 0; c < 4; ++c)
        EXPECT_NEAR(all[static_cast<size_t>(b * 4 + c)], mine[static_cast<size_t>(c)], 1e-5);
    }
  }
}

TEST_P(RnnPadding, InputGradientsMatchFiniteDifferences) {
  Random rng(4);
  RNN rnn(options(GetParam(), true, 2), rng);
  testing::expect_gradients(
      {random_input({2, 4, 3}, 5)},
      [&](Graph& graph, const std::vector<Tensor>& in) {
        const RNN::Output out = rnn(in[0], graph.ids({2}, std::vector<int32_t>{4, 2}));
        return concat({reshape(out.outputs, {2, 32}), out.final_states[2], out.final_states[3]}, 1);
      },
      1e-2f, 3e-2, 3e-3);
}

INSTANTIATE_TEST_SUITE_P(Cells, RnnPadding, ::testing::Values(Cell::gru, Cell::lstm),
                         [](const auto& info) { return info.param == Cell::gru ? "Gru" : "Lstm"; });

// A GRU learns to output, at each step, the bit it read one step before: it must remember.
TEST(Learning, GruLearnsToRepeatThePreviousBit) {
  Random rng(6);
  RnnOptions o;
  o.input = 2;
  o.hidden = 16;
  RNN gru(o, rng);
  Linear head(16, 2, rng);
  std::vector<NamedTensor> params = gru.parameters();
  for (auto& p : head.parameters()) params.push_back(p);
  Adam adam(params);
  Graph graph;
  Random data(7);
  const int64_t batch = 16, time = 8;
  float loss = 1;
  int step = 0;
  for (; step < 600 && loss > 0.02f; ++step) {
    std::vector<float> x(batch * time * 2, 0.0f);
    std::vector<int32_t> targets(batch * time);
    for (int64_t b = 0; b < batch; ++b) {
      int previous = 0;
      for (int64_t t = 0; t < time; ++t) {
        const int bit = static_cast<int>(data.below(2));
        x[static_cast<size_t>((b * time + t) * 2 + bit)] = 1.0f;
        targets[static_cast<size_t>(b * time + t)] =
            t == 0 ? -1 : previous;  // nothing before t = 0
        previous = bit;
      }
    }
    const RNN::Output out =
        gru(graph.from({batch, time, 2}, x), graph.ids({batch}, std::vector<int32_t>(batch, time)));
    const Tensor logits = head(reshape(out.outputs, {batch * time, 16}));
    const Tensor objective = cross_entropy(logits, graph.ids({batch * time}, targets), 0, -1);
    loss = objective.item();
    graph.backward(objective);
    adam.step(0.01f);
    adam.zero_grad();
    graph.reset();
  }
  EXPECT_LT(loss, 0.02f) << "after " << step << " steps";
  EXPECT_GT(step, 10);  // it had to learn: the first steps are near chance (log 2)
}

}  // namespace
}  // namespace huiyan::nn
