#pragma once
// Small helpers to describe our tensors to oneDNN.

#include <dnnl.hpp>

#include "nn/engine.h"
#include "nn/tensor.h"

namespace huiyan::nn {

using dt = dnnl::memory::data_type;
using tag = dnnl::memory::format_tag;

inline dnnl::memory::dims dims_of(const Shape& shape) {
  return dnnl::memory::dims(shape.dims.begin(), shape.dims.begin() + shape.rank);
}

inline tag plain_tag(int rank) {
  switch (rank) {
    case 1:
      return tag::a;
    case 2:
      return tag::ab;
    case 3:
      return tag::abc;
    default:
      return tag::abcd;
  }
}

// Row-major f32 description of `shape` (a scalar is described as [1]).
inline dnnl::memory::desc md(const Shape& shape) {
  if (shape.rank == 0) return dnnl::memory::desc({1}, dt::f32, tag::a);
  return dnnl::memory::desc(dims_of(shape), dt::f32, plain_tag(shape.rank));
}

inline dnnl::memory mem(const dnnl::memory::desc& desc, const float* data) {
  return dnnl::memory(desc, Engine::get().engine(), const_cast<float*>(data));
}

inline void run(dnnl::primitive& primitive, const std::unordered_map<int, dnnl::memory>& args) {
  primitive.execute(Engine::get().stream(), args);
  Engine::get().stream().wait();
}

// Attributes that make a primitive add its result to the destination (C += ...) when asked.
inline dnnl::primitive_attr accumulate_attr(bool accumulate) {
  dnnl::primitive_attr attr;
  if (accumulate) {
    dnnl::post_ops ops;
    ops.append_sum(1.0f);
    attr.set_post_ops(ops);
  }
  return attr;
}

// Key prefix: op code followed by a shape.
inline PrimitiveKey& add_shape(PrimitiveKey& key, const Shape& shape) {
  key.add(shape.rank);
  for (int i = 0; i < shape.rank; ++i) key.add(shape.dims[static_cast<size_t>(i)]);
  return key;
}

}  // namespace huiyan::nn
