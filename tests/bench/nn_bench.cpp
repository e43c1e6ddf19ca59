// Speed of the network core against a plain oneDNN sgemm doing the same arithmetic, measured in
// the same run: each op prints GFLOP/s (or GB/s), and the summary at the end prints the ratios.
//
//   build/tests/bench/nn_bench [--benchmark_min_time=0.5]

#include <benchmark/benchmark.h>
#include <dnnl.h>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "nn/attention_multihead.h"
#include "nn/graph.h"
#include "nn/ops.h"
#include "nn/random.h"

namespace {

using huiyan::nn::Graph;
using huiyan::nn::IntTensor;
using huiyan::nn::Random;
using huiyan::nn::Shape;
using huiyan::nn::Tensor;

std::vector<float> random_values(int64_t n, uint64_t seed) {
  Random rng(seed);
  std::vector<float> values(static_cast<size_t>(n));
  for (auto& v : values) v = rng.uniform(-1, 1);
  return values;
}

Tensor parameter(const Shape& shape, uint64_t seed) {
  Tensor t = Tensor::persistent(shape, true);
  const auto values = random_values(shape.numel(), seed);
  std::copy(values.begin(), values.end(), t.data());
  return t;
}

// Row-major C[m, n] = op(A) op(B) with oneDNN's sgemm.
void sgemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const float* a, const float* b,
           float* c, float beta = 0) {
  dnnl_sgemm(ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, k, 1.0f, a, ta ? m : k, b, tb ? k : n, beta, c,
             n);
}

void set_flops(benchmark::State& state, double flops_per_iteration) {
  state.counters["GFLOP/s"] =
      benchmark::Counter(flops_per_iteration * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

void set_bytes(benchmark::State& state, double bytes_per_iteration) {
  state.counters["GB/s"] =
      benchmark::Counter(bytes_per_iteration * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

// Linear layer forward + backward: y = x Wᵀ + b, then dx, dW, db. Tokens × in -> out.
constexpr int64_t kTokens = 2048, kIn = 256, kOut = 1024;

void BM_Sgemm_LinearEquivalent(benchmark::State& state) {
  const auto x = random_values(kTokens * kIn, 1);
  const auto w = random_values(kOut * kIn, 2);
  const auto dy = random_values(kTokens * kOut, 3);
  std::vector<float> y(kTokens * kOut), dx(kTokens * kIn), dw(kOut * kIn);
  for (auto _ : state) {
    sgemm(false, true, kTokens, kOut, kIn, x.data(), w.data(), y.data());     // forward
    sgemm(false, false, kTokens, kIn, kOut, dy.data(), w.data(), dx.data());  // dx
    sgemm(true, false, kOut, kIn, kTokens, dy.data(), x.data(), dw.data());   // dW
    benchmark::DoNotOptimize(dw.data());
  }
  set_flops(state, 3.0 * 2 * kTokens * kIn * kOut);
}
BENCHMARK(BM_Sgemm_LinearEquivalent)->Unit(benchmark::kMillisecond);

void BM_Linear_ForwardBackward(benchmark::State& state) {
  Graph graph;
  const Tensor w = parameter({kOut, kIn}, 2);
  const Tensor b = parameter({kOut}, 4);
  const auto x_values = random_values(kTokens * kIn, 1);
  for (auto _ : state) {
    const Tensor x = graph.variable({kTokens, kIn}, x_values);
    const Tensor y = huiyan::nn::linear(x, w, b);
    graph.backward(huiyan::nn::sum_all(y));
    w.impl().grad_written = false;
    b.impl().grad_written = false;
    graph.reset();
  }
  // The sum that seeds backward is a small extra; the flop count is the three products.
  set_flops(state, 3.0 * 2 * kTokens * kIn * kOut);
}
BENCHMARK(BM_Linear_ForwardBackward)->Unit(benchmark::kMillisecond);

// Attention-shaped batched products: [batch·heads, T, d] · [batch·heads, d, T].
constexpr int64_t kHeads = 32 * 4, kT = 64, kD = 64;

void BM_Sgemm_BatchedEquivalent(benchmark::State& state) {
  const auto q = random_values(kHeads * kT * kD, 5);
  const auto k = random_values(kHeads * kT * kD, 6);
  std::vector<float> s(kHeads * kT * kT);
  for (auto _ : state) {
    for (int64_t h = 0; h < kHeads; ++h) {
      sgemm(false, true, kT, kT, kD, q.data() + h * kT * kD, k.data() + h * kT * kD,
            s.data() + h * kT * kT);
    }
    benchmark::DoNotOptimize(s.data());
  }
  set_flops(state, 2.0 * kHeads * kT * kT * kD);
}
BENCHMARK(BM_Sgemm_BatchedEquivalent)->Unit(benchmark::kMicrosecond);

void BM_Matmul_Batched(benchmark::State& state) {
  Graph graph;
  const auto q_values = random_values(kHeads * kT * kD, 5);
  const auto k_values = random_values(kHeads * kT * kD, 6);
  huiyan::nn::NoGrad no_grad(graph);
  for (auto _ : state) {
    const Tensor q = graph.from({kHeads, kT, kD}, q_values);
    const Tensor k = graph.from({kHeads, kT, kD}, k_values);
    benchmark::DoNotOptimize(huiyan::nn::matmul(q, k, false, true).data());
    graph.reset();
  }
  set_flops(state, 2.0 * kHeads * kT * kT * kD);
}
BENCHMARK(BM_Matmul_Batched)->Unit(benchmark::kMicrosecond);

// Memory-bound ops, forward + backward, in GB/s of the tensors read and written.
constexpr int64_t kRows = 2048, kCols = 1024;

void BM_Softmax_ForwardBackward(benchmark::State& state) {
  Graph graph;
  const auto values = random_values(kRows * kCols, 7);
  for (auto _ : state) {
    const Tensor x = graph.variable({kRows, kCols}, values);
    const Tensor y = huiyan::nn::softmax(x);
    const Tensor w = graph.full({kRows, kCols}, 1.0f);
    graph.backward(huiyan::nn::sum_all(huiyan::nn::mul(y, w)));
    graph.reset();
  }
  // forward reads x, writes y; backward reads y and dy, writes dx.
  set_bytes(state, 5.0 * kRows * kCols * sizeof(float));
}
BENCHMARK(BM_Softmax_ForwardBackward)->Unit(benchmark::kMillisecond);

void BM_LayerNorm_ForwardBackward(benchmark::State& state) {
  Graph graph;
  const Tensor gain = parameter({kCols}, 8);
  const Tensor bias = parameter({kCols}, 9);
  const auto values = random_values(kRows * kCols, 10);
  for (auto _ : state) {
    const Tensor x = graph.variable({kRows, kCols}, values);
    const Tensor y = huiyan::nn::layer_norm(x, gain, bias);
    graph.backward(huiyan::nn::sum_all(y));
    gain.impl().grad_written = false;
    bias.impl().grad_written = false;
    graph.reset();
  }
  // forward reads x, writes y; backward reads x, dy (twice: dx and the parameter sums), writes dx.
  set_bytes(state, 6.0 * kRows * kCols * sizeof(float));
}
BENCHMARK(BM_LayerNorm_ForwardBackward)->Unit(benchmark::kMillisecond);

void BM_Embedding_ForwardBackward(benchmark::State& state) {
  constexpr int64_t kVocab = 8000, kDim = 512, kIds = 2048;
  Graph graph;
  const Tensor table = parameter({kVocab, kDim}, 11);
  Random rng(12);
  std::vector<int32_t> ids(kIds);
  for (auto& id : ids) id = static_cast<int32_t>(rng.below(kVocab));
  for (auto _ : state) {
    const IntTensor id_tensor = graph.ids({kIds}, ids);
    const Tensor rows = huiyan::nn::embedding(table, id_tensor);
    graph.backward(huiyan::nn::sum_all(rows));
    table.impl().grad_written = false;
    graph.reset();
  }
  // gather reads and writes the rows; scatter-add zeroes the table gradient, reads dy, updates
  // rows.
  set_bytes(state, (2.0 * kIds * kDim + kVocab * kDim + 3.0 * kIds * kDim) * sizeof(float));
}
BENCHMARK(BM_Embedding_ForwardBackward)->Unit(benchmark::kMillisecond);

// A recurrent layer forward + backward (T 24, batch 64, input 256, hidden 512), against sgemm
// doing the same products: the input projection over all steps, one recurrent product per step,
// each three times (forward, input gradient, weight gradient).
constexpr int64_t kRnnTime = 24, kRnnBatch = 64, kRnnInput = 256, kRnnHidden = 512;

double rnn_flops(int64_t gates) {
  const double per_pass =
      2.0 * kRnnTime * kRnnBatch * gates * kRnnHidden * (kRnnInput + kRnnHidden);
  return 3.0 * per_pass;
}

void sgemm_rnn_equivalent(benchmark::State& state, int64_t gates) {
  const int64_t g = gates * kRnnHidden;
  const auto x = random_values(kRnnTime * kRnnBatch * kRnnInput, 1);
  const auto w = random_values(g * kRnnInput, 2);
  const auto u = random_values(g * kRnnHidden, 3);
  const auto h = random_values(kRnnBatch * kRnnHidden, 4);
  std::vector<float> gx(kRnnTime * kRnnBatch * g), gh(kRnnBatch * g);
  for (auto _ : state) {
    for (int pass = 0; pass < 3; ++pass) {
      sgemm(false, true, kRnnTime * kRnnBatch, g, kRnnInput, x.data(), w.data(), gx.data());
      for (int64_t t = 0; t < kRnnTime; ++t) {
        sgemm(false, true, kRnnBatch, g, kRnnHidden, h.data(), u.data(), gh.data());
      }
    }
    benchmark::DoNotOptimize(gh.data());
  }
  set_flops(state, rnn_flops(gates));
}

void rnn_forward_backward(benchmark::State& state, huiyan::nn::kernels::Cell cell) {
  const int64_t gates = huiyan::nn::kernels::gate_count(cell);
  Graph graph;
  const Tensor w = parameter({gates * kRnnHidden, kRnnInput}, 2);
  const Tensor u = parameter({gates * kRnnHidden, kRnnHidden}, 3);
  const Tensor b = parameter({4 * kRnnHidden}, 4);
  const auto x_values = random_values(kRnnBatch * kRnnTime * kRnnInput, 1);
  for (auto _ : state) {
    const Tensor x = graph.variable({kRnnBatch, kRnnTime, kRnnInput}, x_values);
    const Tensor y = huiyan::nn::recurrent_layer(cell, x, w, u, b);
    graph.backward(huiyan::nn::sum_all(y));
    for (const Tensor* p : {&w, &u, &b}) p->impl().grad_written = false;
    graph.reset();
  }
  set_flops(state, rnn_flops(gates));
}

void BM_Sgemm_GruEquivalent(benchmark::State& state) {
  sgemm_rnn_equivalent(state, 3);
}
void BM_Gru_ForwardBackward(benchmark::State& state) {
  rnn_forward_backward(state, huiyan::nn::kernels::Cell::gru);
}
void BM_Sgemm_LstmEquivalent(benchmark::State& state) {
  sgemm_rnn_equivalent(state, 4);
}
void BM_Lstm_ForwardBackward(benchmark::State& state) {
  rnn_forward_backward(state, huiyan::nn::kernels::Cell::lstm);
}
BENCHMARK(BM_Sgemm_GruEquivalent)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Gru_ForwardBackward)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Sgemm_LstmEquivalent)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Lstm_ForwardBackward)->Unit(benchmark::kMillisecond);

// Attention over long inputs, forward + backward: the naive path (the T×T weights kept) against
// the fused kernel (blocked online softmax). batch 2, heads 4, d 64. FLOPs counted alike for
// both: the four T×T×d products of forward and the four of backward (the fused backward
// recomputes the scores on top). Memory: the step's arena bytes at the end of backward.
constexpr int64_t kAttnBatch = 2, kAttnHeads = 4, kAttnDim = 64;

void attention_forward_backward(benchmark::State& state, bool fused) {
  const int64_t t = state.range(0);
  const Shape shape{kAttnBatch, kAttnHeads, t, kAttnDim};
  const auto q = random_values(shape.numel(), 1), k = random_values(shape.numel(), 2),
             v = random_values(shape.numel(), 3);
  Graph graph;
  size_t peak = 0;
  for (auto _ : state) {
    const Tensor tq = graph.variable(shape, q), tk = graph.variable(shape, k),
                 tv = graph.variable(shape, v);
    Tensor out;
    if (fused) {
      out = huiyan::nn::fused_attention(tq, tk, tv, Tensor(), true);
    } else {
      const Tensor keep = huiyan::nn::attention_keep(graph, Tensor(), kAttnBatch, t, t, true);
      out = huiyan::nn::scaled_dot_product_attention(tq, tk, tv, keep).output;
    }
    graph.backward(huiyan::nn::sum_all(out));
    peak = std::max(peak, graph.arena().used_bytes());
    graph.reset();
  }
  set_flops(state, 8.0 * 2 * kAttnBatch * kAttnHeads * static_cast<double>(t) * t * kAttnDim);
  state.counters["MiB"] = static_cast<double>(peak) / (1 << 20);
}
void BM_Attention_Naive(benchmark::State& state) {
  attention_forward_backward(state, false);
}
void BM_Attention_Fused(benchmark::State& state) {
  attention_forward_backward(state, true);
}
BENCHMARK(BM_Attention_Naive)->Arg(128)->Arg(512)->Arg(2048)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Attention_Fused)->Arg(128)->Arg(512)->Arg(2048)->Unit(benchmark::kMillisecond);

// What the framework adds per op: a small add recorded on the tape, its backward, and the reset.
// Below 2048 elements ops run our own loop; from there on each is a oneDNN primitive call (a
// cache lookup, memory objects, a parallel region), so both sizes are measured.
void op_overhead(benchmark::State& state, int64_t n) {
  Graph graph;
  const std::vector<float> values(static_cast<size_t>(n), 1.0f);
  constexpr int kOps = 64;
  for (auto _ : state) {
    Tensor x = graph.variable({n}, values);
    for (int i = 0; i < kOps; ++i) x = huiyan::nn::add(x, x);
    graph.backward(huiyan::nn::sum_all(x));
    graph.reset();
  }
  // A forward and a backward step per op; kInvert turns ops per second into seconds per op.
  state.counters["us/op"] = benchmark::Counter(
      kOps * 1e-6, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}
void BM_OpOverhead(benchmark::State& state) {
  op_overhead(state, 4);
}
void BM_OpOverheadOneDnn(benchmark::State& state) {
  op_overhead(state, 4096);
}
BENCHMARK(BM_OpOverhead)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_OpOverheadOneDnn)->Unit(benchmark::kMicrosecond);

// Keeps every run's counters to print the ratios once all have run.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& run : runs) {
      for (const auto& [name, counter] : run.counters)
        values_[run.benchmark_name()][name] = counter.value;
    }
    ConsoleReporter::ReportRuns(runs);
  }

  void Finalize() override {
    ConsoleReporter::Finalize();
    std::printf("\nRatios against oneDNN sgemm doing the same products (same run):\n");
    ratio("linear fwd+bwd 2048x256->1024", "BM_Linear_ForwardBackward", "BM_Sgemm_LinearEquivalent",
          "target >= 0.70");
    ratio("batched matmul 128x[64x64]x[64x64]", "BM_Matmul_Batched", "BM_Sgemm_BatchedEquivalent",
          "");
    for (const char* t : {"128", "512", "2048"}) {
      const std::string naive = std::string("BM_Attention_Naive/") + t;
      const std::string fused = std::string("BM_Attention_Fused/") + t;
      std::printf(
          "  causal attention fwd+bwd T=%-5s fused %7.1f GFLOP/s %8.1f MiB, naive %7.1f GFLOP/s "
          "%8.1f MiB\n",
          t, values_[fused]["GFLOP/s"], values_[fused]["MiB"], values_[naive]["GFLOP/s"],
          values_[naive]["MiB"]);
    }
    ratio("GRU fwd+bwd T24 N64 256->512", "BM_Gru_ForwardBackward", "BM_Sgemm_GruEquivalent", "");
    ratio("LSTM fwd+bwd T24 N64 256->512", "BM_Lstm_ForwardBackward", "BM_Sgemm_LstmEquivalent",
          "");
    std::printf("  %-40s %8.2f us per op (tape + dispatch, target <= 5)\n",
                "framework overhead, 4 elements", values_["BM_OpOverhead"]["us/op"]);
    std::printf("  %-40s %8.2f us per op (incl. a oneDNN call on 16 KiB)\n",
                "framework overhead, 4096 elements", values_["BM_OpOverheadOneDnn"]["us/op"]);
  }

 private:
  void ratio(const char* label, const std::string& ours, const std::string& peer,
             const char* note) {
    const double a = values_[ours]["GFLOP/s"];
    const double b = values_[peer]["GFLOP/s"];
    std::printf("  %-40s %7.1f vs %7.1f GFLOP/s = %.2f %s\n", label, a, b, b > 0 ? a / b : 0.0,
                note);
  }

  std::map<std::string, std::map<std::string, double>> values_;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
