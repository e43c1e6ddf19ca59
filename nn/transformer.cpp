#include "nn/transformer.h"

#include <cmath>
#include <numeric>
#include <stdexcept>

namespace huiyan::nn {

TransformerConfig TransformerConfig::preset(const std::string& name) {
  TransformerConfig config;
  if (name == "small") {
    config.dim = 256, config.heads = 4, config.encoder_layers = 3, config.decoder_layers = 3;
    config.ff_dim = 1024;
  } else if (name == "base") {
    config.dim = 512, config.heads = 8, config.encoder_layers = 6, config.decoder_layers = 6;
    config.ff_dim = 2048;
  } else {
    throw std::invalid_argument("unknown Transformer preset '" + name + "' (small, base)");
  }
  return config;
}

namespace {

void no_weights(MultiHeadAttention& attention) {
  attention.need_weights = false;
}

}  // namespace

TransformerEncoderLayer::TransformerEncoderLayer(const TransformerConfig& c, Random& rng)
    : self_attn(c.dim, c.heads, rng, c.attention_dropout),
      self_attn_norm(c.dim, rng),
      ffn(c.dim, c.ff_dim, rng),
      ffn_norm(c.dim, rng),
      pre_norm_(c.pre_norm),
      dropout_(c.dropout, rng.next()) {
  no_weights(self_attn);
  add_module("self_attn", self_attn);
  add_module("self_attn_norm", self_attn_norm);
  add_module("ffn", ffn);
  add_module("ffn_norm", ffn_norm);
  add_module("dropout", dropout_);
}

Tensor TransformerEncoderLayer::operator()(const Tensor& x, const Tensor& keep) {
  if (pre_norm_) {
    const Tensor h = self_attn_norm(x);
    const Tensor attended = add(x, dropout_(self_attn(h, h, h, keep, false).output));
    return add(attended, dropout_(ffn(ffn_norm(attended))));
  }
  const Tensor attended = self_attn_norm(add(x, dropout_(self_attn(x, x, x, keep, false).output)));
  return ffn_norm(add(attended, dropout_(ffn(attended))));
}

TransformerDecoderLayer::TransformerDecoderLayer(const TransformerConfig& c, Random& rng)
    : self_attn(c.dim, c.heads, rng, c.attention_dropout),
      self_attn_norm(c.dim, rng),
      cross_attn(c.dim, c.heads, rng, c.attention_dropout),
      cross_attn_norm(c.dim, rng),
      ffn(c.dim, c.ff_dim, rng),
      ffn_norm(c.dim, rng),
      pre_norm_(c.pre_norm),
      dropout_(c.dropout, rng.next()) {
  no_weights(self_attn);
  no_weights(cross_attn);
  add_module("self_attn", self_attn);
  add_module("self_attn_norm", self_attn_norm);
  add_module("cross_attn", cross_attn);
  add_module("cross_attn_norm", cross_attn_norm);
  add_module("ffn", ffn);
  add_module("ffn_norm", ffn_norm);
  add_module("dropout", dropout_);
}

template <typename Sublayer>
Tensor TransformerDecoderLayer::residual(const Tensor& x, LayerNorm& norm, Sublayer sublayer) {
  if (pre_norm_) return add(x, dropout_(sublayer(norm(x))));
  return norm(add(x, dropout_(sublayer(x))));
}

Tensor TransformerDecoderLayer::operator()(const Tensor& y, const Tensor& memory,
                                           const Tensor& memory_keep) {
  const Tensor attended = residual(y, self_attn_norm, [&](const Tensor& h) {
    return self_attn(h, h, h, Tensor(), true).output;
  });
  const Tensor crossed = residual(attended, cross_attn_norm, [&](const Tensor& h) {
    return cross_attn(h, memory, memory, memory_keep, false).output;
  });
  return residual(crossed, ffn_norm, [&](const Tensor& h) { return ffn(h); });
}

Tensor TransformerDecoderLayer::step(const Tensor& y, KvCache& self_cache,
                                     const KvCache& memory_cache, const Tensor& memory_keep,
                                     const std::vector<int32_t>& memory_rows,
                                     Tensor* cross_weights) {
  const Tensor attended = residual(
      y, self_attn_norm, [&](const Tensor& h) { return self_attn.step(h, self_cache).output; });
  const Tensor crossed = residual(attended, cross_attn_norm, [&](const Tensor& h) {
    MultiHeadResult r = cross_attn.attend_cached(h, memory_cache, memory_keep, &memory_rows);
    if (cross_weights != nullptr) *cross_weights = r.weights;
    return r.output;
  });
  return residual(crossed, ffn_norm, [&](const Tensor& h) { return ffn(h); });
}

Transformer::Transformer(const TransformerConfig& c, uint64_t seed)
    : Transformer(c, Random(seed)) {}

Transformer::Transformer(const TransformerConfig& c, Random rng)
    : config_(c),
      rng_(rng),
      dropout_(c.dropout, rng_.next()),
      src_embed(c.src_vocab, c.dim, rng_, c.pad_id) {
  if (c.dim % c.heads != 0)
    throw std::invalid_argument("Transformer: dim must be a multiple of heads");
  if (c.share_embeddings && c.src_vocab != c.tgt_vocab) {
    throw std::invalid_argument("Transformer: shared embeddings need one vocabulary");
  }
  add_module("src_embed", src_embed);
  if (!c.share_embeddings) {
    tgt_embed_own = std::make_unique<Embedding>(c.tgt_vocab, c.dim, rng_, c.pad_id);
    add_module("tgt_embed", *tgt_embed_own);
  }
  if (c.learned_positions) {
    src_positions = std::make_unique<LearnedPositions>(c.max_positions, c.dim, rng_);
    tgt_positions = std::make_unique<LearnedPositions>(c.max_positions, c.dim, rng_);
    add_module("src_positions", *src_positions);
    add_module("tgt_positions", *tgt_positions);
  }
  for (int64_t i = 0; i < c.encoder_layers; ++i) {
    encoder.push_back(std::make_unique<TransformerEncoderLayer>(c, rng_));
    add_module("encoder.layers." + std::to_string(i), *encoder.back());
  }
  for (int64_t i = 0; i < c.decoder_layers; ++i) {
    decoder.push_back(std::make_unique<TransformerDecoderLayer>(c, rng_));
    add_module("decoder.layers." + std::to_string(i), *decoder.back());
  }
  if (c.pre_norm) {
    encoder_norm = std::make_unique<LayerNorm>(c.dim, rng_);
    decoder_norm = std::make_unique<LayerNorm>(c.dim, rng_);
    add_module("encoder.norm", *encoder_norm);
    add_module("decoder.norm", *decoder_norm);
  }
  if (!c.tie_output) {
    output_own = std::make_unique<Linear>(c.dim, c.tgt_vocab, rng_, false);
    add_module("output", *output_own);
  }
  add_module("dropout", dropout_);
}

Tensor Transformer::embed(const Embedding& table, const IntTensor& ids, LearnedPositions* learned,
                          int64_t offset) {
  Graph& graph = *ids.graph;
  const int64_t len = ids.shape[1];
  const Tensor scaled = affine(table(ids), std::sqrt(static_cast<float>(config_.dim)));
  const Tensor positions = learned ? (*learned)(graph, len, offset)
                                   : sinusoidal_positions(graph, len, config_.dim, offset);
  return dropout_(add(scaled, positions));
}

Tensor Transformer::project(const Tensor& hidden) const {
  return output_own ? (*output_own)(hidden) : linear(hidden, tgt_embed().table, Tensor());
}

Tensor Transformer::encode(const IntTensor& src, const IntTensor& src_lengths) {
  Graph& graph = *src.graph;
  const Tensor keep = sequence_mask(graph, src_lengths, src.shape[1]);
  Tensor x = embed(src_embed, src, src_positions.get(), 0);
  for (auto& layer : encoder) x = (*layer)(x, keep);
  return encoder_norm ? (*encoder_norm)(x) : x;
}

Tensor Transformer::decode(const IntTensor& tgt_in, const Tensor& memory,
                           const IntTensor& src_lengths) {
  Graph& graph = *tgt_in.graph;
  const Tensor memory_keep = sequence_mask(graph, src_lengths, memory.shape()[1]);
  Tensor y = embed(tgt_embed(), tgt_in, tgt_positions.get(), 0);
  for (auto& layer : decoder) y = (*layer)(y, memory, memory_keep);
  if (decoder_norm) y = (*decoder_norm)(y);
  return project(y);
}

DecoderState Transformer::start_decoding(const Tensor& memory, const IntTensor& src_lengths,
                                         int64_t steps) {
  Graph& graph = *memory.graph();
  DecoderState state;
  state.memory_keep = sequence_mask(graph, src_lengths, memory.shape()[1]);
  const int64_t batch = memory.shape()[0];
  // Positions rounded up to a multiple of 16: each step's keys and values are written into the
  // cache by products built for its row stride, and a batch of its own capacity each would build
  // them anew for nearly every batch of a long input.
  constexpr int64_t kCapacityStep = 16;
  const int64_t capacity =
      steps > 0 ? std::min((steps + kCapacityStep - 1) / kCapacityStep * kCapacityStep,
                           config_.max_positions)
                : config_.max_positions;
  for (auto& layer : decoder) {
    state.memory_caches.push_back(layer->cross_attn.precompute(memory));
    state.self_caches.emplace_back(batch, config_.heads, config_.dim / config_.heads, capacity);
  }
  state.row_sentence.resize(static_cast<size_t>(batch));
  std::iota(state.row_sentence.begin(), state.row_sentence.end(), 0);
  state.sentence_memory_keep = state.memory_keep;
  state.step_graph = std::make_unique<Graph>();
  state.step_graph->set_recording(false);
  state.step_graph->share_weight_copies_of(graph);
  return state;
}

Tensor Transformer::decode_step(const std::vector<int32_t>& tokens, DecoderState& state,
                                Tensor* cross_weights) {
  Graph& graph = *state.step_graph;
  graph.reset();
  const auto batch = static_cast<int64_t>(tokens.size());
  if (state.position >= config_.max_positions) {
    throw std::length_error("decoding past " + std::to_string(config_.max_positions) +
                            " positions");
  }
  Tensor y = embed(tgt_embed(), graph.ids({batch, 1}, tokens), tgt_positions.get(), state.position);
  for (size_t l = 0; l < decoder.size(); ++l) {
    Tensor* weights = l + 1 == decoder.size() ? cross_weights : nullptr;
    y = decoder[l]->step(y, state.self_caches[l], state.memory_caches[l], state.memory_keep,
                         state.row_sentence, weights);
  }
  if (decoder_norm) y = (*decoder_norm)(y);
  ++state.position;
  return reshape(project(y), {batch, config_.tgt_vocab});
}

namespace {

bool is_identity(const std::vector<int32_t>& rows, int64_t count) {
  if (static_cast<int64_t>(rows.size()) != count) return false;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (rows[i] != static_cast<int32_t>(i)) return false;
  }
  return true;
}

// Row i of `cache` becomes what row rows[i] was: its position map is copied, no keys or values.
void reorder_cache_rows(KvCache& cache, const std::vector<int32_t>& rows,
                        std::vector<int32_t>& spare) {
  const int64_t cap = cache.capacity;
  if (cache.position_rows.empty()) {
    cache.position_rows.resize(static_cast<size_t>(cache.batch * cap));
    for (int64_t r = 0; r < cache.batch; ++r) {
      std::fill_n(cache.position_rows.begin() + r * cap, cap, static_cast<int32_t>(r));
    }
  }
  const auto count = static_cast<int64_t>(rows.size());
  spare.resize(static_cast<size_t>(count * cap));
  for (int64_t i = 0; i < count; ++i) {
    std::copy_n(cache.position_rows.begin() + rows[static_cast<size_t>(i)] * cap, cache.length,
                spare.begin() + i * cap);
  }
  std::swap(cache.position_rows, spare);
  // Each row writes its next position into cache row i: there must be one per row.
  cache.reserve_rows(count);
  cache.batch = count;
}

}  // namespace

void Transformer::select_rows(DecoderState& state, const std::vector<int32_t>& rows) {
  if (is_identity(rows, state.memory_keep.shape()[0])) return;
  for (auto& cache : state.self_caches) reorder_cache_rows(cache, rows, state.spare_rows);
  std::vector<int32_t> sentences(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    sentences[i] = state.row_sentence[static_cast<size_t>(rows[i])];
  }
  if (sentences == state.row_sentence) return;
  state.row_sentence = std::move(sentences);
  Graph& graph = *state.sentence_memory_keep.graph();
  const int64_t len = state.sentence_memory_keep.shape()[1];
  Tensor keep = graph.empty({static_cast<int64_t>(rows.size()), len});
  for (size_t i = 0; i < rows.size(); ++i) {
    std::copy_n(state.sentence_memory_keep.data() + state.row_sentence[i] * len, len,
                keep.data() + static_cast<int64_t>(i) * len);
  }
  state.memory_keep = keep;
}

namespace {

// The cached decoder as beam search sees it.
class TransformerSteps : public StepDecoder {
 public:
  TransformerSteps(Transformer& model, DecoderState state)
      : model_(model), state_(std::move(state)) {}
  Tensor step(const std::vector<int32_t>& tokens) override {
    return model_.decode_step(tokens, state_, &cross_weights_);
  }
  void select_rows(const std::vector<int32_t>& rows) override {
    Transformer::select_rows(state_, rows);
  }
  Tensor attention() const override {
    const Shape& s = cross_weights_.shape();  // [B, heads, 1, S]
    return mean(reshape(cross_weights_, {s[0], s[1], s[3]}), 1);
  }

 private:
  Transformer& model_;
  DecoderState state_;
  Tensor cross_weights_;
};

}  // namespace

std::unique_ptr<StepDecoder> Transformer::step_decoder(const Tensor& memory,
                                                       const IntTensor& src_lengths,
                                                       int64_t steps) {
  return std::make_unique<TransformerSteps>(*this, start_decoding(memory, src_lengths, steps));
}

}  // namespace huiyan::nn
