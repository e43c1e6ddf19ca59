#pragma once
// Reductions over one axis of data seen as [outer, axis, inner], as our own loops: oneDNN 2.6's
// reduction primitive runs its reference implementation on these shapes, 10-50x slower than a
// plain loop (measured in tests/bench). Sums are taken in fixed-size blocks combined in a fixed
// order, so results do not depend on the thread count.

#include <cstdint>

namespace huiyan::nn::kernels {

enum class Reduction { sum, mean, max };

// y[outer, inner] (+)= reduce over the axis of x[outer, axis, inner].
void reduce_axis(Reduction op, int64_t outer, int64_t axis, int64_t inner, const float* x, float* y,
                 bool accumulate = false);

// dx[outer, axis, inner] (+)= dy[outer, inner] spread back: as is (sum), / axis (mean), or to the
// first position holding the maximum (max, given x and y).
void reduce_axis_backward(Reduction op, int64_t outer, int64_t axis, int64_t inner, const float* x,
                          const float* y, const float* dy, float* dx, bool accumulate);

}  // namespace huiyan::nn::kernels
