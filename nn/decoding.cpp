#include "nn/decoding.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "nn/kernels/scan.h"

namespace huiyan::nn {

float length_penalty(int64_t length, float alpha) {
  if (alpha == 0) return 1.0f;
  return static_cast<float>(std::pow((5.0 + static_cast<double>(length)) / 6.0, alpha));
}

namespace {

struct Live {
  std::vector<int32_t> tokens;
  float log_prob = 0;
  std::vector<float> attention;  // keep_attention only
};

struct Candidate {
  float log_prob;
  int32_t row;  // the live hypothesis it extends (index within the sentence's beam)
  int32_t token;
};

// Higher log-probability first; equal ones by token id, so results never depend on the order of
// the scan.
bool better(const Candidate& a, const Candidate& b) {
  return a.log_prob > b.log_prob || (a.log_prob == b.log_prob && a.token < b.token);
}

}  // namespace

std::vector<std::vector<Hypothesis>> beam_search(StepDecoder& decoder, int64_t batch,
                                                 const std::vector<int64_t>& max_lengths,
                                                 const DecodeOptions& o) {
  if (o.beam < 1 || o.n_best < 1 || o.n_best > o.beam) {
    throw std::invalid_argument("beam search needs 1 <= n-best <= beam");
  }
  if (static_cast<int64_t>(max_lengths.size()) != batch) {
    throw std::invalid_argument("beam search: one maximum length per sentence");
  }
  const int beam = o.beam;
  // Every sentence starts with one live hypothesis; rows are sentence-major.
  std::vector<std::vector<Live>> live(static_cast<size_t>(batch), std::vector<Live>(1));
  std::vector<std::vector<Hypothesis>> finished(static_cast<size_t>(batch));
  std::vector<int32_t> rows(static_cast<size_t>(batch));
  std::iota(rows.begin(), rows.end(), 0);
  std::vector<int32_t> tokens(static_cast<size_t>(batch), o.bos);

  for (int64_t length = 1;; ++length) {
    bool any_live = false;
    for (const auto& l : live) any_live = any_live || !l.empty();
    if (!any_live) break;
    const Tensor log_probs = decoder.step(tokens);
    const int64_t vocab = log_probs.shape()[1];
    const float* lp = log_probs.data();
    Tensor attention;
    if (o.keep_attention) {
      attention = decoder.attention();
      if (!attention.defined()) throw std::logic_error("this decoder has no attention weights");
    }
    // Attention of the step for a decoder row, appended to a parent's.
    const auto with_step = [&](const std::vector<float>& before, size_t row) {
      std::vector<float> rows = before;
      if (!attention.defined()) return rows;
      const int64_t len = attention.shape()[1];
      const float* w = attention.data() + static_cast<int64_t>(row) * len;
      rows.insert(rows.end(), w, w + len);
      return rows;
    };

    std::vector<int32_t> next_rows;
    std::vector<int32_t> next_tokens;
    std::vector<std::vector<Live>> next_live(static_cast<size_t>(batch));
    size_t row_base = 0;  // first decoder row of the current sentence
    for (int64_t b = 0; b < batch; ++b) {
      auto& hyps = live[static_cast<size_t>(b)];
      if (hyps.empty()) continue;
      const bool last_step = length >= max_lengths[static_cast<size_t>(b)];
      // The best 2·beam extensions: enough to keep `beam` live ones after some end. The best of
      // all rows are among each row's best, so each row is scanned with a short sorted list.
      const size_t keep_max = static_cast<size_t>(2 * beam);
      std::vector<Candidate> candidates;
      candidates.reserve(hyps.size() * keep_max);
      for (size_t h = 0; h < hyps.size(); ++h) {
        const float* row = lp + (row_base + h) * static_cast<size_t>(vocab);
        const size_t first = candidates.size();
        const auto offer = [&](int32_t v) {
          const Candidate c{hyps[h].log_prob + row[v], static_cast<int32_t>(h), v};
          if (candidates.size() - first == keep_max) {
            if (!better(c, candidates.back())) return;
            candidates.pop_back();
          }
          auto at = candidates.end();
          while (at != candidates.begin() + static_cast<int64_t>(first) && better(c, *(at - 1)))
            --at;
          candidates.insert(at, c);
        };
        if (last_step) {
          offer(o.eos);  // out of room: end here
        } else {
          // Once the list is full, only entries that can beat its last one are offered.
          for (int64_t v = 0; v < vocab; ++v) {
            if (candidates.size() - first == keep_max) {
              v = kernels::first_reaching(row, v, vocab, hyps[h].log_prob,
                                          candidates.back().log_prob);
              if (v == vocab) break;
            }
            offer(static_cast<int32_t>(v));
          }
        }
      }
      const size_t keep = std::min(candidates.size(), keep_max);
      std::partial_sort(candidates.begin(), candidates.begin() + static_cast<int64_t>(keep),
                        candidates.end(), better);
      auto& done = finished[static_cast<size_t>(b)];
      for (size_t i = 0; i < keep; ++i) {
        const Candidate& c = candidates[i];
        const Live& parent = hyps[static_cast<size_t>(c.row)];
        if (c.token == o.eos) {
          if (static_cast<int>(done.size()) < beam) {
            Hypothesis h{parent.tokens, c.log_prob, 0, {}};
            h.score = c.log_prob / length_penalty(length, o.length_penalty);
            h.attention = with_step(parent.attention, row_base + static_cast<size_t>(c.row));
            done.push_back(std::move(h));
          }
          continue;
        }
        if (static_cast<int>(next_live[static_cast<size_t>(b)].size()) == beam) continue;
        Live extended{parent.tokens, c.log_prob,
                      with_step(parent.attention, row_base + static_cast<size_t>(c.row))};
        extended.tokens.push_back(c.token);
        next_live[static_cast<size_t>(b)].push_back(std::move(extended));
        next_rows.push_back(static_cast<int32_t>(row_base) + c.row);
        next_tokens.push_back(c.token);
      }
      // A sentence is done once it holds `beam` finished hypotheses (as fairseq decides): its
      // live rows go.
      if (static_cast<int>(done.size()) >= beam) {
        const size_t drop = next_live[static_cast<size_t>(b)].size();
        next_rows.resize(next_rows.size() - drop);
        next_tokens.resize(next_tokens.size() - drop);
        next_live[static_cast<size_t>(b)].clear();
      }
      row_base += hyps.size();
    }
    live = std::move(next_live);
    if (next_rows.empty()) break;
    decoder.select_rows(next_rows);
    tokens = std::move(next_tokens);
  }

  for (auto& done : finished) {
    std::stable_sort(done.begin(), done.end(),
                     [](const Hypothesis& a, const Hypothesis& b) { return a.score > b.score; });
    if (static_cast<int>(done.size()) > o.n_best) done.resize(static_cast<size_t>(o.n_best));
  }
  return finished;
}

}  // namespace huiyan::nn
