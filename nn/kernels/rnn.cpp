#include "nn/kernels/rnn.h"

#include <cstring>
#include <vector>

#include "nn/dnnl_util.h"

namespace huiyan::nn::kernels {

namespace {

using md_t = dnnl::memory::desc;
constexpr auto kAny = tag::any;
constexpr auto kL2R = dnnl::rnn_direction::unidirectional_left2right;

struct Descs {
  md_t x, y, w_layer_user, w_iter_user, bias, w_layer_any, w_iter_any, empty;
};

Descs descs_for(const RnnShape& s) {
  const int64_t g = gate_count(s.cell);
  const int64_t h = s.hidden;
  Descs d;
  d.x = md_t({s.time, s.batch, s.input}, dt::f32, tag::ntc);
  d.y = md_t({s.time, s.batch, h}, dt::f32, tag::ntc);
  // Our [G·H, C] rows described as oneDNN's logical (layer, direction, input, gate, output).
  d.w_layer_user =
      md_t({1, 1, s.input, g, h}, dt::f32,
           dnnl::memory::dims{g * h * s.input, g * h * s.input, 1, h * s.input, s.input});
  d.w_iter_user =
      md_t({1, 1, h, g, h}, dt::f32, dnnl::memory::dims{g * h * h, g * h * h, 1, h * h, h});
  d.bias = md_t({1, 1, 4, h}, dt::f32, tag::ldgo);
  d.w_layer_any = md_t({1, 1, s.input, g, h}, dt::f32, kAny);
  d.w_iter_any = md_t({1, 1, h, g, h}, dt::f32, kAny);
  return d;
}

dnnl::lstm_forward::primitive_desc lstm_forward_pd(const Descs& d, dnnl::prop_kind prop) {
  const dnnl::lstm_forward::desc desc(prop, kL2R, d.x, d.empty, d.empty, d.w_layer_any,
                                      d.w_iter_any, d.bias, d.y, d.empty, d.empty);
  return dnnl::lstm_forward::primitive_desc(desc, Engine::get().engine());
}

dnnl::lbr_gru_forward::primitive_desc gru_forward_pd(const Descs& d, dnnl::prop_kind prop) {
  const dnnl::lbr_gru_forward::desc desc(prop, kL2R, d.x, d.empty, d.w_layer_any, d.w_iter_any,
                                         d.bias, d.y, d.empty);
  return dnnl::lbr_gru_forward::primitive_desc(desc, Engine::get().engine());
}

dnnl::primitive forward_primitive(const RnnShape& s, const Descs& d, bool training) {
  const auto prop =
      training ? dnnl::prop_kind::forward_training : dnnl::prop_kind::forward_inference;
  if (s.cell == Cell::lstm) return dnnl::lstm_forward(lstm_forward_pd(d, prop));
  return dnnl::lbr_gru_forward(gru_forward_pd(d, prop));
}

dnnl::primitive backward_primitive(const RnnShape& s, const Descs& d) {
  auto& engine = Engine::get().engine();
  const auto training = dnnl::prop_kind::forward_training;
  if (s.cell == Cell::lstm) {
    const dnnl::lstm_backward::desc desc(dnnl::prop_kind::backward, kL2R, d.x, d.empty, d.empty,
                                         d.w_layer_any, d.w_iter_any, d.bias, d.y, d.empty, d.empty,
                                         d.x, d.empty, d.empty, d.w_layer_any, d.w_iter_any, d.bias,
                                         d.y, d.empty, d.empty);
    return dnnl::lstm_backward(
        dnnl::lstm_backward::primitive_desc(desc, engine, lstm_forward_pd(d, training)));
  }
  const dnnl::lbr_gru_backward::desc desc(
      dnnl::prop_kind::backward, kL2R, d.x, d.empty, d.w_layer_any, d.w_iter_any, d.bias, d.y,
      d.empty, d.x, d.empty, d.w_layer_any, d.w_iter_any, d.bias, d.y, d.empty);
  return dnnl::lbr_gru_backward(
      dnnl::lbr_gru_backward::primitive_desc(desc, engine, gru_forward_pd(d, training)));
}

PrimitiveKey rnn_key(int64_t op, const RnnShape& s, bool training) {
  PrimitiveKey key;
  key.add(op)
      .add(static_cast<int64_t>(s.cell))
      .add(s.batch)
      .add(s.time)
      .add(s.input)
      .add(s.hidden)
      .add(training);
  return key;
}

md_t query(const dnnl::primitive& primitive, dnnl::query what, int index = 0) {
  const_dnnl_primitive_desc_t pd = primitive.get_primitive_desc();
  const dnnl_memory_desc_t* desc =
      dnnl_primitive_desc_query_md(pd, dnnl::convert_to_c(what), index);
  return desc ? md_t(*desc) : md_t();
}

// Copies `from` (described by from_md) into `to` (to_md), adding to it when `accumulate`.
void reorder(const md_t& from_md, const void* from, const md_t& to_md, void* to,
             bool accumulate = false) {
  auto& engine = Engine::get().engine();
  PrimitiveKey key;
  key.add(kReorderOp).add(accumulate);
  // Memory descs are plain structs: their bytes identify them.
  const auto add_desc = [&](const md_t& desc) {
    const auto* words = reinterpret_cast<const int64_t*>(&desc.data);
    uint64_t hash = 1469598103934665603ULL;
    for (size_t i = 0; i < sizeof(desc.data) / sizeof(int64_t); ++i) {
      hash = (hash ^ static_cast<uint64_t>(words[i])) * 1099511628211ULL;
    }
    key.add(static_cast<int64_t>(hash));
  };
  add_desc(from_md);
  add_desc(to_md);
  auto& primitive = Engine::get().primitive(key, [&] {
    const dnnl::primitive_attr attr = accumulate_attr(accumulate);
    return dnnl::reorder(dnnl::reorder::primitive_desc(engine, from_md, engine, to_md, attr));
  });
  run(primitive, {{DNNL_ARG_FROM, dnnl::memory(from_md, engine, const_cast<void*>(from))},
                  {DNNL_ARG_TO, dnnl::memory(to_md, engine, to)}});
}

}  // namespace

size_t rnn_workspace_bytes(const RnnShape& shape) {
  const Descs d = descs_for(shape);
  auto& primitive = Engine::get().primitive(rnn_key(kRnnForwardOp, shape, true),
                                            [&] { return forward_primitive(shape, d, true); });
  return query(primitive, dnnl::query::workspace_md).get_size();
}

void rnn_forward(const RnnShape& s, const float* x, const float* w_layer, const float* w_iter,
                 const float* bias, float* y, void* workspace) {
  const bool training = workspace != nullptr;
  const Descs d = descs_for(s);
  auto& primitive = Engine::get().primitive(rnn_key(kRnnForwardOp, s, training),
                                            [&] { return forward_primitive(s, d, training); });
  // The primitive picks its own weight layouts: reorder ours into them.
  const md_t w_layer_md = query(primitive, dnnl::query::weights_md, 0);
  const md_t w_iter_md = query(primitive, dnnl::query::weights_md, 1);
  std::vector<char> w_layer_buffer(w_layer_md.get_size());
  std::vector<char> w_iter_buffer(w_iter_md.get_size());
  reorder(d.w_layer_user, w_layer, w_layer_md, w_layer_buffer.data());
  reorder(d.w_iter_user, w_iter, w_iter_md, w_iter_buffer.data());
  auto& engine = Engine::get().engine();
  std::unordered_map<int, dnnl::memory> args = {
      {DNNL_ARG_SRC_LAYER, mem(d.x, x)},
      {DNNL_ARG_WEIGHTS_LAYER, dnnl::memory(w_layer_md, engine, w_layer_buffer.data())},
      {DNNL_ARG_WEIGHTS_ITER, dnnl::memory(w_iter_md, engine, w_iter_buffer.data())},
      {DNNL_ARG_BIAS, mem(d.bias, bias)},
      {DNNL_ARG_DST_LAYER, mem(d.y, y)}};
  if (training) {
    args.emplace(DNNL_ARG_WORKSPACE,
                 dnnl::memory(query(primitive, dnnl::query::workspace_md), engine, workspace));
  }
  run(primitive, args);
}

void rnn_backward(const RnnShape& s, const float* x, const float* w_layer, const float* w_iter,
                  const float* bias, const float* y, const float* dy, void* workspace, float* dx,
                  float* dw_layer, float* dw_iter, float* dbias) {
  const Descs d = descs_for(s);
  auto& primitive = Engine::get().primitive(rnn_key(kRnnBackwardOp, s, true),
                                            [&] { return backward_primitive(s, d); });
  auto& engine = Engine::get().engine();
  const md_t w_layer_md = query(primitive, dnnl::query::weights_md, 0);
  const md_t w_iter_md = query(primitive, dnnl::query::weights_md, 1);
  const md_t dw_layer_md = query(primitive, dnnl::query::diff_weights_md, 0);
  const md_t dw_iter_md = query(primitive, dnnl::query::diff_weights_md, 1);
  std::vector<char> w_layer_buffer(w_layer_md.get_size());
  std::vector<char> w_iter_buffer(w_iter_md.get_size());
  // oneDNN adds the weight gradients to what the buffers hold: start them at zero.
  std::vector<char> dw_layer_buffer(dw_layer_md.get_size(), 0);
  std::vector<char> dw_iter_buffer(dw_iter_md.get_size(), 0);
  std::memset(dbias, 0, static_cast<size_t>(4 * s.hidden) * sizeof(float));
  reorder(d.w_layer_user, w_layer, w_layer_md, w_layer_buffer.data());
  reorder(d.w_iter_user, w_iter, w_iter_md, w_iter_buffer.data());
  run(primitive,
      {{DNNL_ARG_SRC_LAYER, mem(d.x, x)},
       {DNNL_ARG_WEIGHTS_LAYER, dnnl::memory(w_layer_md, engine, w_layer_buffer.data())},
       {DNNL_ARG_WEIGHTS_ITER, dnnl::memory(w_iter_md, engine, w_iter_buffer.data())},
       {DNNL_ARG_BIAS, mem(d.bias, bias)},
       {DNNL_ARG_DST_LAYER, mem(d.y, y)},
       {DNNL_ARG_DIFF_DST_LAYER, mem(d.y, dy)},
       {DNNL_ARG_WORKSPACE,
        dnnl::memory(query(primitive, dnnl::query::workspace_md), engine, workspace)},
       {DNNL_ARG_DIFF_SRC_LAYER, mem(d.x, dx)},
       {DNNL_ARG_DIFF_WEIGHTS_LAYER, dnnl::memory(dw_layer_md, engine, dw_layer_buffer.data())},
       {DNNL_ARG_DIFF_WEIGHTS_ITER, dnnl::memory(dw_iter_md, engine, dw_iter_buffer.data())},
       {DNNL_ARG_DIFF_BIAS, mem(d.bias, dbias)}});
  reorder(dw_layer_md, dw_layer_buffer.data(), d.w_layer_user, dw_layer);
  reorder(dw_iter_md, dw_iter_buffer.data(), d.w_iter_user, dw_iter);
}

}  // namespace huiyan::nn::kernels
