#pragma once
// Elementwise forward passes on oneDNN (binary with broadcast, eltwise) and their backward
// passes as our own loops, which can add into a gradient that already holds values.

#include <cstdint>

#include "nn/tensor.h"

namespace huiyan::nn::kernels {

enum class BinaryOp { add, sub, mul, div };
enum class UnaryOp { relu, gelu, tanh, sigmoid, exp, log, affine };

// out = a (op) b, b broadcast to a's shape (each dim of b equal to a's or 1; b's rank <= a's).
void binary(BinaryOp op, const Shape& a_shape, const float* a, const Shape& b_shape, const float* b,
            float* out);

// out = f(x); affine is alpha * x + beta.
void unary(UnaryOp op, int64_t n, const float* x, float* out, float alpha = 1, float beta = 0);

// dx (+)= dy * f'(x), given x and y = f(x).
void unary_backward(UnaryOp op, int64_t n, const float* x, const float* y, const float* dy,
                    float* dx, bool accumulate, float alpha = 1);

// dst (+)= alpha * src.
void axpy(int64_t n, float alpha, const float* src, float* dst, bool accumulate);

// dst (+)= src (op) other, `other` broadcast to `shape` like binary()'s b.
void binary_same(BinaryOp op, const Shape& shape, const float* src, const Shape& other_shape,
                 const float* other, float* dst, bool accumulate);

// dst[b_shape] (+)= sum of src[a_shape] over the dims where b_shape is 1 (or missing).
void reduce_to(const Shape& a_shape, const float* src, const Shape& b_shape, float* dst,
               bool accumulate);

// Pads `shape` with leading 1s to `rank` dims.
Shape pad_rank(const Shape& shape, int rank);
// Throws std::invalid_argument unless `b` broadcasts to `a`.
void check_broadcast(const Shape& a, const Shape& b, const char* op);

}  // namespace huiyan::nn::kernels
