#pragma once
// `huiyan train --task classify`: a HAN, self-attentive or Transformer classifier on a dataset of
// `huiyan tokenize build --task classify` (with --sentences for HAN). Batches of documents of
// similar length hold up to `batch_tokens` tokens read; the loss is cross-entropy (single-label)
// or binary cross-entropy per label (multi-label), plus the self-attention penalty. Validation
// (accuracy, macro-F1; multi-label: micro-F1 with the decision threshold tuned on valid) keeps
// the best model by macro-F1 (multi-label: micro-F1) at `output` and the last, with the
// optimizer state for exact resume, at <output stem>.last.h5.

#include <cstdint>
#include <functional>
#include <string>

#include "nn/classifier.h"

namespace huiyan::pipeline {

struct ClassifyTrainOptions {
  std::string data;
  std::string output;
  nn::ClassifierConfig model;  // vocab, labels and multi_label come from the dataset
  // Token vectors to start the embedding from (huiyan train --task embeddings with the dataset's
  // tokenizer and the model's embedding size); empty: random.
  std::string init_embeddings;
  int64_t batch_tokens = 8192;
  float lr = 1e-3f;
  std::string schedule = "linear";  // constant | linear (to 0 at the last step) | inverse-sqrt
  int64_t warmup = 0;
  float weight_decay = 0;
  float clip_norm = 5;
  int64_t max_epochs = 10;
  int64_t max_steps = 0;    // 0: no limit
  double max_minutes = 0;   // 0: no limit
  int64_t valid_every = 0;  // steps; 0: at the end of each epoch
  int patience = 0;         // validations without improvement before stopping; 0: never
  uint64_t seed = 1;
  bool resume = false;
  bool progress = true;
  // Polled after each step: true stops training there and saves it for --resume, without a
  // validation (Ctrl-C).
  std::function<bool()> stop_requested;
  std::function<void(const std::string&)> log;  // validations, and every 100 steps off a terminal
};

struct ClassifyTrainSummary {
  int64_t steps = 0;
  bool nothing_to_train = false;  // resumed at its limits: nothing trained or written
  bool interrupted = false;       // by stop_requested: the last state is saved, not validated
  int64_t epochs = 0;             // the epoch the last step trained in (1-based)
  double last_train_loss = 0;     // the mean over the steps between the last two validations
  double best_valid_score = -1;   // macro-F1 (multi-label: micro-F1); -1 without a valid split
  double best_valid_accuracy = -1;
  double seconds = 0;
  double tokens_per_second = 0;
};

ClassifyTrainSummary train_classify(const ClassifyTrainOptions& options);

}  // namespace huiyan::pipeline
