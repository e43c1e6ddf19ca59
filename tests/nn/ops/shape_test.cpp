#include <gtest/gtest.h>

#include "nn/ops.h"
#include "tests/nn/gradcheck.h"

namespace huiyan::nn {
namespace {

using testing::expect_gradients;
using testing::random_input;

TEST(Shape, TransposeMovesEveryElement) {
  const auto x = random_input({2, 3, 4, 5}, 1);
  Graph graph;
  const Tensor t = transpose(graph.from(x.shape, x.values), {0, 2, 1, 3});
  ASSERT_EQ(t.shape(), (Shape{2, 4, 3, 5}));
  const auto y = t.values();
  for (int64_t a = 0; a < 2; ++a)
    for (int64_t b = 0; b < 3; ++b)
      for (int64_t c = 0; c < 4; ++c)
        for (int64_t d = 0; d < 5; ++d)
          EXPECT_EQ(y[static_cast<size_t>(((a * 4 + c) * 3 + b) * 5 + d)],
                    x.values[static_cast<size_t>(((a * 3 + b) * 4 + c) * 5 + d)]);
}

TEST(Shape, ConcatSliceSplitRoundTrip) {
  const auto a = random_input({2, 3, 4}, 2);
  const auto b = random_input({2, 1, 4}, 3);
  Graph graph;
  const Tensor ta = graph.from(a.shape, a.values);
  const Tensor tb = graph.from(b.shape, b.values);
  const Tensor joined = concat({ta, tb}, 1);
  ASSERT_EQ(joined.shape(), (Shape{2, 4, 4}));
  EXPECT_EQ(slice(joined, 1, 0, 3).values(), a.values);
  EXPECT_EQ(slice(joined, 1, 3, 4).values(), b.values);
  const auto parts = split(joined, 1, {3, 1});
  EXPECT_EQ(parts[0].values(), a.values);
  EXPECT_EQ(parts[1].values(), b.values);
  EXPECT_EQ(reshape(ta, {6, 4}).values(), a.values);
  EXPECT_THROW(reshape(ta, {5, 5}), std::invalid_argument);
  EXPECT_THROW(slice(ta, 1, 2, 4), std::invalid_argument);
  EXPECT_THROW(transpose(ta, {0, 0, 1}), std::invalid_argument);
}

TEST(Shape, GradientsMatchFiniteDifferences) {
  expect_gradients({random_input({2, 3, 4}, 4)}, [](Graph&, const std::vector<Tensor>& in) {
    return transpose(in[0], {2, 0, 1});
  });
  expect_gradients({random_input({2, 3, 4}, 5), random_input({2, 2, 4}, 6)},
                   [](Graph&, const std::vector<Tensor>& in) {
                     return concat({in[0], in[1], in[0]}, 1);
                   });
  expect_gradients({random_input({3, 5}, 7)},
                   [](Graph&, const std::vector<Tensor>& in) { return slice(in[0], 1, 1, 4); });
  expect_gradients({random_input({3, 4}, 8)}, [](Graph&, const std::vector<Tensor>& in) {
    const auto parts = split(in[0], 0, {1, 2});
    return mul(parts[1], reshape(parts[0], {4}));  // [4] broadcast over [2, 4]
  });
}

// A view hands its gradient buffer down to an input that has none yet; the input's other users
// must still add theirs, through chains of views and on either side of the tape.
TEST(Shape, ViewGradientsAddUpWithTheInputsOtherUsers) {
  expect_gradients({random_input({2, 6}, 9)}, [](Graph&, const std::vector<Tensor>& in) {
    const Tensor h = tanh(in[0]);                           // a graph tensor, not a leaf
    const Tensor view = reshape(reshape(h, {3, 4}), {12});  // a view of a view
    const Tensor other = mul(reshape(h, {12}), view);       // h's second view, used after
    return add(add(other, reshape(h, {12})), reshape(in[0], {12}));
  });
}

}  // namespace
}  // namespace huiyan::nn
