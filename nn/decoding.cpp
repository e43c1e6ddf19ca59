#include "nn/decoding.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

#include "nn/kernels/normalization.h"
#include "nn/kernels/parallel.h"
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
  int32_t row;  // the live hypothesis it extends
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
    const Tensor scores = decoder.step(tokens);
    const int64_t vocab = scores.shape()[1];
    const size_t keep_max = static_cast<size_t>(2 * beam);
    // Each decoder row's parent, and whether its sentence is out of room (it can only end).
    std::vector<float> parent_log_prob;
    std::vector<char> ends_here;
    for (int64_t b = 0; b < batch; ++b) {
      for (const Live& h : live[static_cast<size_t>(b)]) {
        parent_log_prob.push_back(h.log_prob);
        ends_here.push_back(length >= max_lengths[static_cast<size_t>(b)] ? 1 : 0);
      }
    }
    const auto rows_now = static_cast<int64_t>(parent_log_prob.size());
    if (scores.shape()[0] != rows_now) throw std::logic_error("beam search: decoder rows changed");
    // The best keep_max extensions of each row, best first (the best of a sentence's rows are
    // among each row's best). Rows are independent, so they are scanned in parallel, each right
    // after its log-sum-exp while it is still in cache.
    std::vector<Candidate> row_best(static_cast<size_t>(rows_now) * keep_max);
    std::vector<size_t> row_count(static_cast<size_t>(rows_now));
    std::vector<char> unusable(static_cast<size_t>(rows_now));  // no finite log-sum-exp
    const int64_t runs = kernels::run_count(vocab);
    const int64_t per_row = runs + static_cast<int64_t>(keep_max);  // maxima, then scratch
    std::vector<float> maxima(static_cast<size_t>(rows_now * per_row));
    kernels::parallel_rows(rows_now, vocab, [&](int64_t r) {
      const float* row = scores.data() + r * vocab;
      float* row_maxima = maxima.data() + r * per_row;
      // A token's log-probability is its score minus the row's log-sum-exp, rounded as
      // log_softmax rounds it.
      const float shift =
          kernels::log_sum_exp(vocab, row, kernels::run_maxima(row, vocab, row_maxima));
      if (!std::isfinite(shift)) {  // NaN or infinite scores: no token has a probability
        unusable[static_cast<size_t>(r)] = 1;
        return;
      }
      const float parent = parent_log_prob[static_cast<size_t>(r)];
      Candidate* list = row_best.data() + static_cast<size_t>(r) * keep_max;
      size_t& count = row_count[static_cast<size_t>(r)];
      const auto offer = [&](int32_t v) {
        const Candidate c{parent + (row[v] - shift), static_cast<int32_t>(r), v};
        if (count == keep_max) {
          if (!better(c, list[count - 1])) return;
          --count;
        }
        size_t at = count++;
        for (; at > 0 && better(c, list[at - 1]); --at) list[at] = list[at - 1];
        list[at] = c;
      };
      if (ends_here[static_cast<size_t>(r)] != 0) {
        offer(o.eos);  // out of room: end here
        return;
      }
      // Only entries that can still enter the list are offered: none below the floor (as many
      // entries as the list holds reach it), and once the list is full, none that cannot beat
      // its last one. Log-probabilities grow with scores, so the floor bounds them too.
      const float floor =
          parent + (kernels::kth_largest(row_maxima, runs, static_cast<int64_t>(keep_max),
                                         row_maxima + runs) -
                    shift);
      for (int64_t v = 0; v < vocab; ++v) {
        const float bar = count == keep_max ? std::max(floor, list[count - 1].log_prob) : floor;
        v = kernels::first_reaching(row, row_maxima, v, vocab, shift, parent, bar);
        if (v == vocab) break;
        offer(static_cast<int32_t>(v));
      }
    });
    if (std::find(unusable.begin(), unusable.end(), 1) != unusable.end()) {
      throw std::runtime_error("decoding: the model gave NaN or infinite scores at output step " +
                               std::to_string(length));
    }
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
      // The best 2·beam extensions of the sentence: enough to keep `beam` live ones after some
      // end. Candidate rows here count within the sentence.
      std::vector<Candidate> candidates;
      for (size_t h = 0; h < hyps.size(); ++h) {
        const Candidate* list = row_best.data() + (row_base + h) * keep_max;
        for (size_t i = 0; i < row_count[row_base + h]; ++i) {
          candidates.push_back({list[i].log_prob, static_cast<int32_t>(h), list[i].token});
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
          // Only an end among the best `beam` finishes a hypothesis (as in fairseq): one ranked
          // below them, taken, would end greedy decoding whenever eos came second.
          if (i < static_cast<size_t>(beam) && static_cast<int>(done.size()) < beam) {
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
