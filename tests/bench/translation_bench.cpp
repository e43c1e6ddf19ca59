// Transformer-small speed, the half of scripts/bench-vs-pytorch.sh that is huiyan: training target
// tokens/s on fixed-shape random batches, and greedy / beam decoding tokens/s on the KV-cached
// decoder, with random weights. The eos embedding row is zeroed so that its logit is 0, never among
// the top ones, and every sentence takes exactly --max-output decoder steps: both peers then do the
// same work whatever their weights. Each figure is the best of --repeats timings. Prints one line
// of key=value pairs per measurement.
//
//   build/tests/bench/translation_bench --mode train|greedy|beam [--threads N]
//       [--precision f32|bf16] [--batch N] [--src-len N] [--tgt-len N] [--vocab N] [--steps N]
//       [--beam N] [--sentences N] [--repeats N] [--max-output N]

#include <dnnl.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "nn/arena.h"
#include "nn/decoding.h"
#include "nn/engine.h"
#include "nn/optimizer.h"
#include "nn/random.h"
#include "nn/transformer.h"

namespace {

using namespace huiyan::nn;

struct Args {
  std::string mode = "train";
  std::string precision = "f32";
  int threads = 1;
  int64_t batch = 64, src_len = 24, tgt_len = 24, vocab = 8000, steps = 20, beam = 5;
  int64_t sentences = 256, max_output = 24, repeats = 3;
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i];
    const std::string value = argv[i + 1];
    const auto number = [&] { return std::stoll(value); };
    if (key == "--mode")
      a.mode = value;
    else if (key == "--precision")
      a.precision = value;
    else if (key == "--threads")
      a.threads = static_cast<int>(number());
    else if (key == "--batch")
      a.batch = number();
    else if (key == "--src-len")
      a.src_len = number();
    else if (key == "--tgt-len")
      a.tgt_len = number();
    else if (key == "--vocab")
      a.vocab = number();
    else if (key == "--steps")
      a.steps = number();
    else if (key == "--beam")
      a.beam = number();
    else if (key == "--sentences")
      a.sentences = number();
    else if (key == "--repeats")
      a.repeats = number();
    else if (key == "--max-output")
      a.max_output = number();
    else {
      std::fprintf(stderr, "translation_bench: unknown option %s\n", key.c_str());
      std::exit(2);
    }
  }
  return a;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The shortest of `repeats` timings of `work`: this machine's speed varies from run to run (a
// shared host), and both peers are timed the same way.
template <typename Work>
double best_of(int64_t repeats, Work work) {
  double best = 1e300;
  for (int64_t r = 0; r < repeats; ++r) {
    const auto start = std::chrono::steady_clock::now();
    work();
    best = std::min(best, seconds_since(start));
  }
  return best;
}

std::vector<int32_t> random_ids(int64_t n, int64_t vocab, Random& rng) {
  std::vector<int32_t> ids(static_cast<size_t>(n));
  // Ids 4.. (past pad, unk, bos, eos).
  for (auto& id : ids) id = 4 + static_cast<int32_t>(rng.below(static_cast<uint64_t>(vocab - 4)));
  return ids;
}

// The peer's yardstick: a Transformer-sized sgemm (1536 × 256 × 1024), GFLOP/s.
double sgemm_gflops() {
  const int64_t m = 1536, k = 256, n = 1024;
  std::vector<float> a(static_cast<size_t>(m * k), 0.5f), b(static_cast<size_t>(k * n), 0.25f),
      c(static_cast<size_t>(m * n));
  for (int i = 0; i < 3; ++i)
    dnnl_sgemm('N', 'N', m, n, k, 1.0f, a.data(), k, b.data(), n, 0.0f, c.data(), n);
  const int repeats = 50;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < repeats; ++i)
    dnnl_sgemm('N', 'N', m, n, k, 1.0f, a.data(), k, b.data(), n, 0.0f, c.data(), n);
  return 2.0 * m * n * k * repeats / seconds_since(start) * 1e-9;
}

// Floating-point operations in the model's matrix products (2 per multiply-add): the work the
// sgemm rate bounds. Norms, softmaxes, embedding lookups and the optimizer are left out.
struct MatmulFlops {
  const TransformerConfig& c;

  // Encoder forward over `batch` sources of `src` tokens.
  double encoder(double batch, double src) const {
    const double d = static_cast<double>(c.dim), f = static_cast<double>(c.ff_dim);
    const double rows = batch * src;
    return static_cast<double>(c.encoder_layers) *
           (2 * rows * (4 * d * d + 2 * d * f) + 2 * 2 * batch * src * src * d);
  }
  // Cross-attention keys and values of the memory, once per source.
  double memory_keys(double batch, double src) const {
    const double d = static_cast<double>(c.dim);
    return static_cast<double>(c.decoder_layers) * 2 * batch * src * 2 * d * d;
  }
  // Decoder forward of `rows` target positions, each scoring `seen` target positions (all of
  // them in training, under the causal mask; the cached ones when decoding) and `src` source
  // positions, with the output projection.
  double decoder(double rows, double seen, double src) const {
    const double d = static_cast<double>(c.dim), f = static_cast<double>(c.ff_dim);
    const double v = static_cast<double>(c.tgt_vocab);
    return static_cast<double>(c.decoder_layers) *
               (2 * rows * (6 * d * d + 2 * d * f) + 2 * 2 * rows * (seen + src) * d) +
           2 * rows * d * v;
  }
  // A training step: the forward pass and a backward pass of twice its products.
  double train_step(double batch, double src, double tgt) const {
    return 3 * (encoder(batch, src) + memory_keys(batch, src) + decoder(batch * tgt, tgt, src));
  }
  // Decoding `batch` sentences for `steps` steps: one row per sentence at the first step,
  // `beam` from the second.
  double decode(double batch, double src, int64_t steps, int64_t beam) const {
    double flops = encoder(batch, src) + memory_keys(batch, src);
    for (int64_t t = 1; t <= steps; ++t) {
      flops += decoder(batch * static_cast<double>(t == 1 ? 1 : beam), static_cast<double>(t), src);
    }
    return flops;
  }
};

TransformerConfig small(int64_t vocab) {
  TransformerConfig c = TransformerConfig::preset("small");
  c.src_vocab = c.tgt_vocab = vocab;
  c.share_embeddings = true;
  c.dropout = 0.1f;
  return c;
}

void train(const Args& a) {
  Transformer model(small(a.vocab), 1);
  model.train(true);
  Adam adam(model.parameters(), 0.9f, 0.98f, 1e-9f);
  Random rng(2);
  Graph graph;
  const auto step = [&] {
    const auto src = random_ids(a.batch * a.src_len, a.vocab, rng);
    const auto tgt = random_ids(a.batch * (a.tgt_len + 1), a.vocab, rng);
    std::vector<int32_t> tgt_in, tgt_out;
    for (int64_t b = 0; b < a.batch; ++b) {
      const auto row = tgt.begin() + b * (a.tgt_len + 1);
      tgt_in.insert(tgt_in.end(), row, row + a.tgt_len);
      tgt_out.insert(tgt_out.end(), row + 1, row + a.tgt_len + 1);
    }
    const IntTensor lengths = graph.ids(
        {a.batch},
        std::vector<int32_t>(static_cast<size_t>(a.batch), static_cast<int32_t>(a.src_len)));
    const Tensor memory = model.encode(graph.ids({a.batch, a.src_len}, src), lengths);
    const Tensor logits = model.decode(graph.ids({a.batch, a.tgt_len}, tgt_in), memory, lengths);
    const Tensor loss = cross_entropy(reshape(logits, {a.batch * a.tgt_len, a.vocab}),
                                      graph.ids({a.batch * a.tgt_len}, tgt_out), 0.1f, -1);
    graph.backward(loss);
    adam.step(1e-4f);
    adam.zero_grad();
    graph.reset();
  };
  for (int i = 0; i < 3; ++i) step();  // warm-up: primitives, arena
  const double seconds = best_of(a.repeats, [&] {
    for (int64_t i = 0; i < a.steps; ++i) step();
  });
  const double flops = MatmulFlops{model.config()}.train_step(
      static_cast<double>(a.batch), static_cast<double>(a.src_len), static_cast<double>(a.tgt_len));
  std::printf("mode=train threads=%d target_tokens_per_s=%.1f step_ms=%.1f model_gflops=%.1f\n",
              a.threads, static_cast<double>(a.batch * a.tgt_len * a.steps) / seconds,
              1e3 * seconds / static_cast<double>(a.steps),
              flops * static_cast<double>(a.steps) / seconds * 1e-9);
}

void decode(const Args& a, int beam) {
  Transformer model(small(a.vocab), 1);
  model.train(false);
  float* eos_row = model.src_embed.table.data() + 3 * model.config().dim;
  std::fill_n(eos_row, model.config().dim, 0.0f);
  Random rng(3);
  DecodeOptions o;
  o.beam = beam;
  o.n_best = 1;
  // As huiyan translate does: the weights' packed copies are made once (in the warm-up), not
  // after each batch's reset or in each timed run.
  Graph weight_copies;
  const auto run = [&](int64_t sentences) {
    int64_t tokens = 0;
    Graph graph;
    graph.share_weight_copies_of(weight_copies);
    NoGrad no_grad(graph);
    for (int64_t start = 0; start < sentences; start += a.batch) {
      const int64_t batch = std::min(a.batch, sentences - start);
      const IntTensor lengths = graph.ids(
          {batch},
          std::vector<int32_t>(static_cast<size_t>(batch), static_cast<int32_t>(a.src_len)));
      const Tensor memory = model.encode(
          graph.ids({batch, a.src_len}, random_ids(batch * a.src_len, a.vocab, rng)), lengths);
      const auto steps = model.step_decoder(memory, lengths, a.max_output + 1);
      const auto result = beam_search(
          *steps, batch, std::vector<int64_t>(static_cast<size_t>(batch), a.max_output), o);
      // The output tokens and the eos: one per decoder step.
      for (const auto& hyps : result) tokens += static_cast<int64_t>(hyps[0].tokens.size()) + 1;
      graph.reset();
    }
    return tokens;
  };
  run(a.batch);  // warm-up
  int64_t tokens = 0;
  const double seconds = best_of(a.repeats, [&] { tokens = run(a.sentences); });
  // Every sentence takes max_output decoder steps: max_output - 1 tokens, then eos (the eos row
  // is zeroed), which beam search gives when the sentence is out of room.
  const double flops = MatmulFlops{model.config()}.decode(
      static_cast<double>(a.sentences), static_cast<double>(a.src_len), a.max_output, beam);
  std::printf("mode=%s threads=%d output_tokens_per_s=%.1f tokens=%lld model_gflops=%.1f\n",
              beam == 1 ? "greedy" : "beam", a.threads, static_cast<double>(tokens) / seconds,
              static_cast<long long>(tokens), flops / seconds * 1e-9);
}

}  // namespace

int main(int argc, char** argv) {
  const Args a = parse(argc, argv);
  omp_set_num_threads(a.threads);
  keep_freed_memory();
  Engine::get().set_precision(parse_precision(a.precision));
  std::printf("mode=sgemm threads=%d gflops=%.1f\n", a.threads, sgemm_gflops());
  // As huiyan translate does (and huiyan train does not); after the sgemm, which is then measured
  // alike in every mode.
  if (a.mode != "train") prefer_huge_pages();
  if (a.mode == "train")
    train(a);
  else if (a.mode == "greedy")
    decode(a, 1);
  else if (a.mode == "beam")
    decode(a, static_cast<int>(a.beam));
  else {
    std::fprintf(stderr, "translation_bench: --mode train, greedy or beam\n");
    return 2;
  }
  return 0;
}
