#pragma once
// `huiyan train --task recommend`: SASRec or ACF on a leave-one-out dataset (preprocess --format
// interactions). A SASRec step takes `batch_size` users; user u's training sequence s predicts
// s[t + 1] from s[0..t] at every position, against one sampled negative item the user never
// touched (the paper's binary cross-entropy) or against the whole catalogue (softmax). An ACF
// step takes `batch_size` users, each of their items against a sampled negative (BPR). Adam
// (β2 0.98, as the paper's code); validation NDCG@10 (sampled) every `valid_every` epochs keeps
// the best model at `output`, the last (with the optimizer state, for exact resume) at
// <output stem>.last.h5.

#include <cstdint>
#include <functional>
#include <string>

#include "nn/acf.h"
#include "nn/sasrec.h"
#include "pipeline/recommend_eval.h"

namespace huiyan::pipeline {

struct RecommendTrainOptions {
  std::string data;
  std::string output;
  std::string arch = "sasrec";
  nn::SasRecConfig sasrec;   // items are filled from the dataset
  nn::AcfConfig acf;         // users and items are filled from the dataset
  bool side_info = false;    // sasrec: fuse item titles/genres with the ids (ItemFusion)
  std::string loss = "bce";  // or "softmax"
  int64_t batch_size = 128;  // users per step
  float lr = 1e-3f;
  float weight_decay = 0;
  int64_t max_epochs = 200;
  int64_t max_steps = 0;     // 0: no limit
  double max_minutes = 0;    // 0: no limit
  int64_t valid_every = 20;  // epochs
  int patience = 0;          // validations without improvement before stopping; 0: never
  RankingOptions valid;      // how the valid split is ranked
  uint64_t seed = 1;
  bool resume = false;
  bool progress = true;
  // Polled after each step: true stops training there and saves it for --resume, without a
  // validation (Ctrl-C).
  std::function<bool()> stop_requested;
  std::function<void(const std::string&)> log;  // validations, and every 100 steps off a terminal
};

struct RecommendTrainSummary {
  int64_t steps = 0;
  bool nothing_to_train = false;  // resumed at its limits: nothing trained or written
  bool interrupted = false;       // by stop_requested: the last state is saved, not validated
  int64_t epochs = 0;             // the epoch the last step trained in (1-based)
  double last_train_loss = 0;     // the mean over the steps between the last two validations
  double best_valid_ndcg = -1;    // sampled NDCG@k on valid; -1 without a valid split
  double seconds = 0;
};

RecommendTrainSummary train_recommend(const RecommendTrainOptions& options);

}  // namespace huiyan::pipeline
