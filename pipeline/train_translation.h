#pragma once
// `huiyan train --task translate`: a Transformer or an RNN encoder-decoder with attention trained
// on a dataset made by `tokenize build`, with token-based batches, Adam and an inverse-sqrt (or
// other) schedule, label smoothing, validation loss every N steps, the best model kept at
// `output`, the last one (with the optimizer state, for exact resume) at `<output stem>.last.h5`
// and, on request, the last K validated ones at `<output stem>.step<N>.h5`.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "nn/rnn_seq2seq.h"
#include "nn/transformer.h"

namespace huiyan::pipeline {

// Marian's default early stopping: what ends a run given no step, epoch or time limit.
inline constexpr int kDefaultPatience = 10;

struct TranslationTrainOptions {
  std::string data;                  // dataset .h5 with train (and valid) splits
  std::string output;                // model .h5
  std::string arch = "transformer";  // or "rnn"
  nn::TransformerConfig model;       // sizes; vocabularies are filled from the dataset
  nn::RnnSeq2SeqConfig rnn;          // the same, for arch "rnn"
  int64_t batch_tokens = 4096;
  int64_t max_length = 256;  // longer training pairs are skipped
  int accumulate = 1;        // batches per optimizer step
  float lr = 5e-4f;
  int64_t warmup = 4000;
  std::string schedule = "inverse-sqrt";
  float label_smoothing = 0.1f;
  float weight_decay = 0;
  float clip_norm = 0;         // 0: no clipping
  int64_t max_steps = 0;       // 0: no limit
  int64_t max_epochs = 0;      // 0: no limit
  int64_t valid_every = 1000;  // steps; 0: at the end of each epoch only
  // Stop after this many validations without improvement; 0: never, or kDefaultPatience when
  // no limit (steps, epochs, minutes) is set.
  int patience = 0;
  bool valid_bleu = true;  // also decode the valid split (greedy) and report its BLEU
  int valid_beam = 1;
  double max_minutes = 0;    // stop (after a last validation) once training took this long
  int keep_checkpoints = 0;  // also keep the last K validated models as <stem>.step<N>.h5
  uint64_t seed = 1;
  bool resume = false;  // continue from <output stem>.last.h5
  bool progress = true;
  // Polled after each step: true stops training there and saves it for --resume, without a
  // validation (Ctrl-C).
  std::function<bool()> stop_requested;
  std::function<void(const std::string&)>
      log;  // validations, and every 100 steps when no progress line is drawn
};

struct TranslationTrainSummary {
  int64_t steps = 0;
  bool nothing_to_train = false;  // resumed at its limits: nothing trained or written
  bool interrupted = false;       // by stop_requested: the last state is saved, not validated
  int64_t epochs = 0;             // the epoch the last step trained in (1-based)
  double last_train_loss = 0;     // the mean over the steps between the last two validations
  double best_valid_loss = 0;     // per target token, label smoothing excluded; -1: no valid split
  double last_valid_bleu = -1;    // -1: not measured
  double seconds = 0;
  double target_tokens_per_second = 0;
};

TranslationTrainSummary train_translation(const TranslationTrainOptions& options);

// The checkpoints (oldest step first) of the run that last saved <stem>.last.h5, or without one,
// of the run that wrote the newest checkpoint file; and how many others lie beside them (other runs
// under the same -o, or unreadable files).
struct RunCheckpoints {
  std::vector<std::string> paths;
  size_t others = 0;
};
RunCheckpoints latest_run_checkpoints(const std::string& output);

}  // namespace huiyan::pipeline
