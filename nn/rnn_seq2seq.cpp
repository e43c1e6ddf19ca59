#include "nn/rnn_seq2seq.h"

#include <cmath>
#include <stdexcept>

namespace huiyan::nn {

RnnAttention rnn_attention_from(const std::string& name) {
  if (name == "bahdanau") return RnnAttention::bahdanau;
  if (name == "luong-dot") return RnnAttention::luong_dot;
  if (name == "luong-general") return RnnAttention::luong_general;
  if (name == "luong-concat") return RnnAttention::luong_concat;
  throw std::invalid_argument("unknown attention '" + name +
                              "' (bahdanau, luong-dot, luong-general, luong-concat)");
}

std::string to_string(RnnAttention attention) {
  switch (attention) {
    case RnnAttention::bahdanau:
      return "bahdanau";
    case RnnAttention::luong_dot:
      return "luong-dot";
    case RnnAttention::luong_general:
      return "luong-general";
    case RnnAttention::luong_concat:
      return "luong-concat";
  }
  throw std::logic_error("unknown RNN attention");
}

namespace {

RnnOptions encoder_options(const RnnSeq2SeqConfig& c) {
  if (c.hidden <= 0 || c.hidden % 2 != 0)
    throw std::invalid_argument("RNN translation: hidden size must be even and > 0");
  if (c.encoder_layers < 1 || c.decoder_layers < 1)
    throw std::invalid_argument("RNN translation: at least one encoder and one decoder layer");
  RnnOptions o;
  o.cell = c.cell;
  o.input = c.embed_dim;
  o.hidden = c.hidden / 2;
  o.layers = static_cast<int>(c.encoder_layers);
  o.bidirectional = true;
  o.dropout = c.dropout;
  return o;
}

LuongScore luong_score(RnnAttention attention) {
  switch (attention) {
    case RnnAttention::luong_dot:
      return LuongScore::dot;
    case RnnAttention::luong_general:
      return LuongScore::general;
    default:
      return LuongScore::concat;
  }
}

// [B, 1, D] slices of a [B, T, D] tensor at step t, as [B, D].
Tensor at_step(const Tensor& x, int64_t t) {
  const Shape& s = x.shape();
  return reshape(slice(x, 1, t, t + 1), {s[0], s[2]});
}

}  // namespace

RnnSeq2Seq::RnnSeq2Seq(const RnnSeq2SeqConfig& c, uint64_t seed) : RnnSeq2Seq(c, Random(seed)) {}

RnnSeq2Seq::RnnSeq2Seq(const RnnSeq2SeqConfig& c, Random rng)
    : config_(c),
      rng_(rng),
      dropout_(c.dropout, rng_.next()),
      src_embed(c.src_vocab, c.embed_dim, rng_, c.pad_id),
      encoder(encoder_options(c), rng_),
      bridge(c.hidden / 2, c.hidden, rng_) {
  const bool bahdanau = c.attention == RnnAttention::bahdanau;
  if (c.share_embeddings && c.src_vocab != c.tgt_vocab)
    throw std::invalid_argument("RNN translation: shared embeddings need one vocabulary");
  if (c.local && bahdanau)
    throw std::invalid_argument("local attention is Luong's: use a luong-* attention");
  add_module("src_embed", src_embed);
  if (!c.share_embeddings) {
    tgt_embed_own = std::make_unique<Embedding>(c.tgt_vocab, c.embed_dim, rng_, c.pad_id);
    add_module("tgt_embed", *tgt_embed_own);
  }
  add_module("encoder", encoder);
  add_module("bridge", bridge);
  // The first layer reads the previous token with the context (Bahdanau) or h̃ₜ₋₁ (input feeding).
  const bool feeds = bahdanau || c.input_feeding;
  for (int64_t l = 0; l < c.decoder_layers; ++l) {
    const int64_t input = l == 0 && !feeds ? c.embed_dim : c.hidden;
    decoder.push_back(std::make_unique<RecurrentCell>(c.cell, input, c.hidden, rng_));
    add_module("decoder.layers." + std::to_string(l), *decoder.back());
  }
  if (feeds) {
    const int64_t gates = kernels::gate_count(c.cell) * c.hidden;
    embed_gates = std::make_unique<Linear>(c.embed_dim, gates, rng_, false);
    // The cell's own initialization, U(-1/√H, 1/√H), for these columns of its W_ih too.
    const auto bound = static_cast<float>(1.0 / std::sqrt(static_cast<double>(c.hidden)));
    for (int64_t i = 0; i < embed_gates->weight.numel(); ++i)
      embed_gates->weight.data()[i] = rng_.uniform(-bound, bound);
    add_module("decoder.embed_gates", *embed_gates);
  }
  if (bahdanau) {
    additive = std::make_unique<AdditiveAttention>(c.hidden, c.hidden, c.hidden, rng_);
    add_module("attention", *additive);
    readout = std::make_unique<Linear>(2 * c.hidden + c.embed_dim, c.hidden, rng_);
    add_module("readout", *readout);
  } else {
    LuongOptions o;
    o.score = luong_score(c.attention);
    o.hidden = c.hidden;
    o.local = c.local;
    o.window = c.window;
    luong = std::make_unique<LuongAttention>(o, rng_);
    add_module("attention", *luong);
  }
  if (c.tie_output) {
    output_embed = std::make_unique<Linear>(c.hidden, c.embed_dim, rng_, false);
    add_module("output_embed", *output_embed);
  } else {
    output_own = std::make_unique<Linear>(c.hidden, c.tgt_vocab, rng_);
    add_module("output", *output_own);
  }
  if (c.hard_attention) {
    hard_ = std::make_unique<HardAttention>(rng_.next());
    add_module("hard_attention", *hard_);
  }
  add_module("dropout", dropout_);
}

Tensor RnnSeq2Seq::embed_target(const IntTensor& ids) const {
  return tgt_embed()(ids);
}

Tensor RnnSeq2Seq::project(const Tensor& output) const {
  if (output_own) return (*output_own)(output);
  return linear((*output_embed)(output), tgt_embed().table, Tensor());
}

Tensor RnnSeq2Seq::encode(const IntTensor& src, const IntTensor& src_lengths) {
  return encoder(dropout_(src_embed(src)), src_lengths).outputs;
}

RnnDecoderState RnnSeq2Seq::start_decoding(const Tensor& memory, const IntTensor& src_lengths) {
  Graph& graph = graph_of({&memory});
  const Shape& ms = memory.shape();
  const int64_t batch = ms[0];
  const int64_t half = config_.hidden / 2;
  RnnDecoderState state;
  state.memory = memory;
  state.keep = sequence_mask(graph, src_lengths, ms[1]);
  state.lengths.assign(src_lengths.data, src_lengths.data + src_lengths.numel());
  // ←h₁: the right-to-left half of the first annotation, which has read the whole sentence.
  const Tensor backward_first =
      reshape(slice(slice(memory, 1, 0, 1), 2, half, 2 * half), {batch, half});
  const Tensor initial = tanh(bridge(backward_first));
  for (const auto& cell : decoder) {
    CellState s = cell->zero_state(graph, batch);
    s.h = initial;
    state.layers.push_back(s);
  }
  if (additive) state.projected = additive->project_values(memory);
  if (luong && config_.input_feeding) state.feed = graph.zeros({batch, config_.hidden});
  return state;
}

Tensor RnnSeq2Seq::embedding_gates(const Tensor& embedded) const {
  return embed_gates ? (*embed_gates)(embedded) : linear(embedded, decoder[0]->weight_ih, Tensor());
}

Tensor RnnSeq2Seq::bahdanau_output(const Tensor& s, const Tensor& context,
                                   const Tensor& embedded) const {
  return tanh((*readout)(concat({s, context, embedded}, -1)));
}

RnnSeq2Seq::Step RnnSeq2Seq::advance(const Tensor& gates, RnnDecoderState& state, Tensor* weights) {
  const auto select = [&](const Tensor& soft_weights, const Tensor& soft_context) {
    if (!hard_) return soft_context;
    HardAttentionResult chosen = hard_->select(soft_weights, state.memory, training());
    Tensor context = chosen.context;
    if (training()) selections_.push_back(std::move(chosen));
    return context;
  };
  // The first layer from its input gates (embedding part + the fed-back vector's part), then the
  // layers above it.
  const auto run_cells = [&](const Tensor& fed) {
    const Tensor first =
        fed.defined() ? add(gates, linear(fed, decoder[0]->weight_ih, Tensor())) : gates;
    state.layers[0] = decoder[0]->from_input_gates(first, state.layers[0]);
    for (size_t l = 1; l < decoder.size(); ++l)
      state.layers[l] = (*decoder[l])(dropout_(state.layers[l - 1].h), state.layers[l]);
    return state.layers.back().h;
  };
  Step step;
  if (additive) {
    const Tensor query = state.layers.back().h;  // sᵢ₋₁
    const AttentionResult a = additive->attend(query, state.projected, state.memory, state.keep);
    if (weights != nullptr) *weights = a.weights;
    step.context = select(a.weights, a.context);
    step.state = run_cells(step.context);
    return step;
  }
  step.state = run_cells(config_.input_feeding ? state.feed : Tensor());
  const Tensor& h = step.state;
  const IntTensor length_ids =
      graph_of({&h}).ids({static_cast<int64_t>(state.lengths.size())}, state.lengths);
  const LuongResult r = (*luong)(h, state.memory, state.keep, length_ids);
  if (weights != nullptr) *weights = r.weights;
  step.output = hard_ ? luong->attentional(select(r.weights, r.context), h) : r.attentional;
  if (config_.input_feeding) state.feed = step.output;
  return step;
}

Tensor RnnSeq2Seq::decode(const IntTensor& tgt_in, const Tensor& memory,
                          const IntTensor& src_lengths) {
  const int64_t batch = tgt_in.shape[0];
  const int64_t steps = tgt_in.shape[1];
  const int64_t hidden = config_.hidden;
  selections_.clear();
  const Tensor embedded = dropout_(embed_target(tgt_in));  // [B, T, E]
  const Tensor gates = embedding_gates(embedded);          // [B, T, G·H]
  RnnDecoderState state = start_decoding(memory, src_lengths);
  std::vector<Tensor> outputs, contexts;
  outputs.reserve(static_cast<size_t>(steps));
  for (int64_t t = 0; t < steps; ++t) {
    const Step step = advance(at_step(gates, t), state, nullptr);
    if (additive) {
      outputs.push_back(reshape(step.state, {batch, 1, hidden}));
      contexts.push_back(reshape(step.context, {batch, 1, hidden}));
    } else {
      outputs.push_back(reshape(step.output, {batch, 1, hidden}));
    }
  }
  // The deep output and the output projection for every step at once.
  Tensor output = concat(outputs, 1);
  if (additive) output = bahdanau_output(output, concat(contexts, 1), embedded);
  return project(dropout_(output));
}

Tensor RnnSeq2Seq::auxiliary_loss(const Tensor& logits, const IntTensor& tgt_out) {
  if (!hard_ || selections_.empty()) return {};
  const Shape& ls = logits.shape();  // [B, T, V]
  const int64_t batch = ls[0];
  const int64_t steps = ls[1];
  const int64_t vocab = ls[2];
  if (static_cast<int64_t>(selections_.size()) != steps || tgt_out.numel() != batch * steps)
    throw std::logic_error("auxiliary_loss: not the logits of the last decode()");
  // Reward of step t for row b: log p(yₜ) under the model (a number, no gradient). Padded steps
  // get the baseline as reward, so they push nothing.
  std::vector<float> log_probs;
  {
    NoGrad no_grad(graph_of({&logits}));
    log_probs = log_softmax(logits).values();
  }
  Tensor total;
  for (int64_t t = 0; t < steps; ++t) {
    std::vector<float> rewards(static_cast<size_t>(batch), hard_->baseline());
    for (int64_t b = 0; b < batch; ++b) {
      const int32_t target = tgt_out.data[b * steps + t];
      if (target >= 0)
        rewards[static_cast<size_t>(b)] =
            log_probs[static_cast<size_t>((b * steps + t) * vocab + target)];
    }
    const Tensor loss = hard_->reinforce_loss(selections_[static_cast<size_t>(t)], rewards);
    total = total.defined() ? add(total, loss) : loss;
  }
  selections_.clear();
  return affine(total, 1.0f / static_cast<float>(steps));
}

namespace {

class RnnSteps : public StepDecoder {
 public:
  RnnSteps(RnnSeq2Seq& model, RnnDecoderState state) : model_(model), state_(std::move(state)) {}

  Tensor step(const std::vector<int32_t>& tokens) override {
    Graph& graph = graph_of({&state_.memory});
    const auto rows = static_cast<int64_t>(tokens.size());
    const Tensor embedded = model_.embed_target(graph.ids({rows}, tokens));
    const RnnSeq2Seq::Step step =
        model_.advance(model_.embedding_gates(embedded), state_, &weights_);
    const Tensor output =
        model_.additive ? model_.bahdanau_output(step.state, step.context, embedded) : step.output;
    return model_.project(output);  // logits: beam search normalizes them
  }

  void select_rows(const std::vector<int32_t>& rows) override {
    for (auto& layer : state_.layers) {
      layer.h = take_rows(layer.h, rows);
      if (layer.c.defined()) layer.c = take_rows(layer.c, rows);
    }
    if (state_.feed.defined()) state_.feed = take_rows(state_.feed, rows);
    state_.memory = take_rows(state_.memory, rows);
    if (state_.projected.defined()) state_.projected = take_rows(state_.projected, rows);
    state_.keep = take_rows(state_.keep, rows);
    std::vector<int32_t> lengths;
    lengths.reserve(rows.size());
    for (const int32_t row : rows) lengths.push_back(state_.lengths[static_cast<size_t>(row)]);
    state_.lengths = std::move(lengths);
  }

  Tensor attention() const override { return weights_; }

 private:
  RnnSeq2Seq& model_;
  RnnDecoderState state_;
  Tensor weights_;
};

}  // namespace

std::unique_ptr<StepDecoder> RnnSeq2Seq::step_decoder(const Tensor& memory,
                                                      const IntTensor& src_lengths, int64_t steps) {
  (void)steps;  // an RNN carries a fixed-size state: nothing to size ahead
  return std::make_unique<RnnSteps>(*this, start_decoding(memory, src_lengths));
}

}  // namespace huiyan::nn
