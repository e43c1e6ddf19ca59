// SASRec top-10 recommendation speed, the half of scripts/bench-recommend.sh that is huiyan: the
// ml-100k configuration (1,682 items, d 50, 2 blocks, 1 head, n 200) with random weights, scoring
// every item for batches of histories and keeping the 10 best unseen ones
// (pipeline::recommend_ids, what `huiyan recommend --exclude-seen` runs). History i has
// 20 + (37 i mod 181) items (mean about 110, like ml-100k's 106), item ids drawn from a fixed
// seed. Prints one line of key=value pairs.
//
//   build/tests/bench/recommend_bench [--threads N] [--users N] [--batch N] [--repeats N]

#include <omp.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "nn/arena.h"
#include "nn/random.h"
#include "nn/sasrec.h"
#include "pipeline/recommend.h"

int main(int argc, char** argv) {
  int threads = 1;
  int64_t users = 4096, batch = 256, repeats = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i];
    const int64_t value = std::stoll(argv[i + 1]);
    if (key == "--threads")
      threads = static_cast<int>(value);
    else if (key == "--users")
      users = value;
    else if (key == "--batch")
      batch = value;
    else if (key == "--repeats")
      repeats = value;
    else {
      std::fprintf(stderr, "unknown option %s\n", key.c_str());
      return 2;
    }
  }
  omp_set_num_threads(threads);
  // As huiyan recommend does.
  huiyan::nn::keep_freed_memory();
  huiyan::nn::prefer_huge_pages();
  huiyan::nn::SasRecConfig config;
  config.items = 1682;
  huiyan::nn::SasRec model(config, 1);
  model.train(false);
  huiyan::nn::Random rng(7);
  std::vector<std::vector<int32_t>> histories(static_cast<size_t>(users));
  for (int64_t i = 0; i < users; ++i) {
    histories[static_cast<size_t>(i)].resize(static_cast<size_t>(20 + (37 * i) % 181));
    for (auto& item : histories[static_cast<size_t>(i)])
      item = static_cast<int32_t>(1 + rng.below(1682));
  }
  const auto run = [&] {
    for (int64_t begin = 0; begin < users; begin += batch) {
      const std::vector<std::vector<int32_t>> part(
          histories.begin() + begin, histories.begin() + std::min(users, begin + batch));
      const auto top = huiyan::pipeline::recommend_ids(model, part, 10, true);
      if (top.size() != part.size()) std::abort();
    }
  };
  run();  // warm-up: oneDNN's kernels, the arena
  const auto start = std::chrono::steady_clock::now();
  for (int64_t r = 0; r < repeats; ++r) run();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("mode=recommend threads=%d users=%lld batch=%lld users_per_s=%.1f\n", threads,
              static_cast<long long>(users), static_cast<long long>(batch),
              static_cast<double>(users * repeats) / seconds);
  return 0;
}
