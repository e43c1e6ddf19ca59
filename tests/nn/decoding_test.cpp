#include "nn/decoding.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <numeric>

#include "nn/graph.h"
#include "nn/random.h"

namespace huiyan::nn {
namespace {

constexpr int32_t kBos = 2, kEos = 3;
constexpr int64_t kVocab = 5;

// A test decoder's bookkeeping: each decoder row's sentence and the position it has reached,
// kept through beam search's row selections.
class TrackedRows : public StepDecoder {
 public:
  explicit TrackedRows(int64_t batch) {
    for (int64_t b = 0; b < batch; ++b) rows_.push_back({b, 0});
  }
  void select_rows(const std::vector<int32_t>& rows) override {
    std::vector<Row> next;
    for (const int32_t r : rows) next.push_back(rows_[static_cast<size_t>(r)]);
    rows_ = next;
  }

 protected:
  struct Row {
    int64_t sentence;
    int64_t position;
  };
  Graph graph_;
  std::vector<Row> rows_;
};

// A toy model: the next-token distribution depends on the sentence, the previous token and the
// position, through a fixed pseudo-random table. It tracks which sentence each row belongs to.
// Its steps return logits, shifted by an amount that depends on the row's path, so that beam
// search gets the right hypotheses only by normalizing each row.
class ToyDecoder : public TrackedRows {
 public:
  using TrackedRows::TrackedRows;
  static std::vector<float> distribution(int64_t sentence, int32_t previous, int64_t position) {
    std::vector<float> logits(kVocab);
    for (int64_t v = 0; v < kVocab; ++v) {
      const uint64_t h = (sentence * 131 + previous * 31 + position * 7 + v * 17) % 97;
      logits[static_cast<size_t>(v)] = static_cast<float>(h) / 25.0f;
    }
    logits[kBos] = -30;  // never generated
    float z = 0;
    for (const float l : logits) z += std::exp(l);
    for (auto& l : logits) l -= std::log(z);
    return logits;
  }
  Tensor step(const std::vector<int32_t>& tokens) override {
    Tensor out = graph_.empty({static_cast<int64_t>(tokens.size()), kVocab});
    // Attention over 3 source positions: all on position (token fed in) mod 3.
    attention_ = graph_.zeros({static_cast<int64_t>(tokens.size()), 3});
    for (size_t r = 0; r < tokens.size(); ++r) {
      attention_.data()[r * 3 + static_cast<size_t>(tokens[r] % 3)] = 1.0f;
      const auto d = distribution(rows_[r].sentence, tokens[r], rows_[r].position);
      const float shift = 0.9f * static_cast<float>(tokens[r]) + 4.0f;
      for (int64_t v = 0; v < kVocab; ++v) out.data()[r * kVocab + v] = d[v] + shift;
      ++rows_[r].position;
    }
    return out;
  }
  Tensor attention() const override { return attention_; }

 private:
  Tensor attention_;
};

// Every sequence of at most max_len tokens (eos included), best normalized score first.
std::vector<Hypothesis> exhaustive(int64_t sentence, int64_t max_len, float alpha) {
  std::vector<Hypothesis> all;
  std::function<void(std::vector<int32_t>&, int32_t, float)> grow =
      [&](std::vector<int32_t>& prefix, int32_t previous, float lp) {
        const auto d =
            ToyDecoder::distribution(sentence, previous, static_cast<int64_t>(prefix.size()));
        const int64_t length = static_cast<int64_t>(prefix.size()) + 1;
        all.push_back({prefix, lp + d[kEos], (lp + d[kEos]) / length_penalty(length, alpha), {}});
        if (length == max_len) return;
        for (int32_t v = 0; v < kVocab; ++v) {
          if (v == kEos || v == kBos) continue;
          prefix.push_back(v);
          grow(prefix, v, lp + d[static_cast<size_t>(v)]);
          prefix.pop_back();
        }
      };
  std::vector<int32_t> prefix;
  grow(prefix, kBos, 0);
  std::stable_sort(all.begin(), all.end(),
                   [](const Hypothesis& a, const Hypothesis& b) { return a.score > b.score; });
  return all;
}

// Greedy decoding done by hand: the most likely token after each one, from `scores(sentence,
// previous token, position)`, until eos or until only eos fits (max_len tokens with eos).
std::vector<int32_t> argmax_chain(
    const std::function<std::vector<float>(int64_t, int32_t, int64_t)>& scores, int64_t sentence,
    int64_t max_len) {
  std::vector<int32_t> chain;
  int32_t previous = kBos;
  for (int64_t t = 0; t < max_len; ++t) {
    const auto s = scores(sentence, previous, t);
    int32_t best = static_cast<int32_t>(std::max_element(s.begin(), s.end()) - s.begin());
    if (t == max_len - 1) best = kEos;  // out of room
    if (best == kEos) break;
    chain.push_back(best);
    previous = best;
  }
  return chain;
}

TEST(BeamSearch, GreedyFollowsTheMostLikelyTokenEachStep) {
  ToyDecoder decoder(2);
  DecodeOptions o;
  o.bos = kBos;
  o.eos = kEos;
  const auto result = beam_search(decoder, 2, {6, 6}, o);
  for (int64_t b = 0; b < 2; ++b) {
    ASSERT_EQ(result[static_cast<size_t>(b)].size(), 1u);
    EXPECT_EQ(result[static_cast<size_t>(b)][0].tokens,
              argmax_chain(ToyDecoder::distribution, b, 6))
        << b;
  }
}

// A decoder over a vocabulary of 2,000 (wide enough for the scan's floor from runs of 64 to act)
// whose logits are pseudo-random in the sentence, the previous token and the position.
class WideDecoder : public TrackedRows {
 public:
  static constexpr int64_t kWide = 2000;
  using TrackedRows::TrackedRows;
  static std::vector<float> logits(int64_t sentence, int32_t previous, int64_t position) {
    Random rng(static_cast<uint64_t>(sentence * 1000003 + previous * 101 + position));
    std::vector<float> out(kWide);
    for (auto& v : out) v = rng.uniform(-8.0f, 8.0f);
    out[kBos] = -30;
    if (sentence == 1 && position == 0) {  // among the best first tokens, not the best
      out[kEos] = *std::max_element(out.begin(), out.end()) - 1e-4f;
    }
    return out;
  }
  Tensor step(const std::vector<int32_t>& tokens) override {
    Tensor out = graph_.empty({static_cast<int64_t>(tokens.size()), kWide});
    for (size_t r = 0; r < tokens.size(); ++r) {
      const auto l = logits(rows_[r].sentence, tokens[r], rows_[r].position++);
      std::copy(l.begin(), l.end(), out.data() + r * kWide);
    }
    return out;
  }
};

// log-softmax of a row, in double.
std::vector<double> log_probs(const std::vector<float>& logits) {
  double sum = 0;
  for (const float l : logits) sum += std::exp(static_cast<double>(l));
  std::vector<double> out;
  for (const float l : logits) out.push_back(l - std::log(sum));
  return out;
}

// Over a wide vocabulary: greedy decoding follows the argmax, and a beam of 5 with room for one
// token keeps the 10 best first tokens (5 of them live, eos ending at once), so its hypotheses are
// those of a plain sort of the first step's log-probabilities.
TEST(BeamSearch, WideVocabularyMatchesPlainTopK) {
  DecodeOptions o;
  o.bos = kBos;
  o.eos = kEos;
  WideDecoder greedy_decoder(3);
  const auto greedy = beam_search(greedy_decoder, 3, {8, 8, 8}, o);
  for (int64_t b = 0; b < 3; ++b) {
    ASSERT_EQ(greedy[static_cast<size_t>(b)].size(), 1u);
    EXPECT_EQ(greedy[static_cast<size_t>(b)][0].tokens, argmax_chain(WideDecoder::logits, b, 8))
        << b;
  }

  o.beam = 5;
  o.n_best = 5;
  o.length_penalty = 0;
  WideDecoder beam_decoder(2);
  const auto beam = beam_search(beam_decoder, 2, {2, 2}, o);
  for (int64_t b = 0; b < 2; ++b) {
    const auto first = log_probs(WideDecoder::logits(b, kBos, 0));
    std::vector<int32_t> order(WideDecoder::kWide);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int32_t x, int32_t y) {
      return first[static_cast<size_t>(x)] > first[static_cast<size_t>(y)];
    });
    // Beam search's own rule on the 10 best first tokens: eos among the 5 best ends, the first 5
    // others go on and must end at the next step, best first.
    std::vector<std::pair<double, std::vector<int32_t>>> expected, ending;
    for (size_t i = 0; i < 10; ++i) {
      const int32_t v = order[i];
      if (v == kEos) {
        if (i < 5) expected.push_back({first[kEos], {}});
      } else if (ending.size() < 5) {
        ending.push_back(
            {first[static_cast<size_t>(v)] + log_probs(WideDecoder::logits(b, v, 1))[kEos], {v}});
      }
    }
    std::stable_sort(ending.begin(), ending.end(),
                     [](const auto& x, const auto& y) { return x.first > y.first; });
    for (const auto& e : ending) {
      if (expected.size() < 5) expected.push_back(e);
    }
    std::stable_sort(expected.begin(), expected.end(),
                     [](const auto& x, const auto& y) { return x.first > y.first; });
    const auto& got = beam[static_cast<size_t>(b)];
    ASSERT_EQ(got.size(), expected.size());
    EXPECT_EQ(std::count_if(expected.begin(), expected.end(),
                            [](const auto& e) { return e.second.empty(); }),
              b == 1 ? 1 : 0);  // sentence 1 ends at once among its best
    for (size_t i = 0; i < expected.size(); ++i) {
      EXPECT_EQ(got[i].tokens, expected[i].second) << b << " " << i;
      EXPECT_NEAR(got[i].log_prob, expected[i].first, 1e-4) << b << " " << i;
    }
  }
}

// A model gone wrong (NaN scores) stops the search with an error, not with sentences silently
// left without a translation.
TEST(BeamSearch, NanScoresAreAnError) {
  class NanDecoder : public TrackedRows {
   public:
    using TrackedRows::TrackedRows;
    Tensor step(const std::vector<int32_t>& tokens) override {
      Tensor out = graph_.full({static_cast<int64_t>(tokens.size()), 100}, 0.5f);
      out.data()[7] = NAN;  // row 0
      return out;
    }
  };
  for (const int beam : {1, 4}) {
    NanDecoder decoder(2);
    DecodeOptions o;
    o.bos = kBos;
    o.eos = kEos;
    o.beam = beam;
    EXPECT_THROW(beam_search(decoder, 2, {5, 5}, o), std::runtime_error);
  }
}

// With a beam as wide as the whole search space, beam search finds the exhaustive optimum, and
// n-best lists the next ones in order.
TEST(BeamSearch, WideBeamFindsTheExhaustiveBest) {
  const int64_t max_len = 4;
  for (const float alpha : {0.0f, 0.6f, 1.0f}) {
    ToyDecoder decoder(3);
    DecodeOptions o;
    o.bos = kBos;
    o.eos = kEos;
    o.beam = 40;
    o.n_best = 3;
    o.length_penalty = alpha;
    const auto result = beam_search(decoder, 3, {max_len, max_len, max_len}, o);
    for (int64_t b = 0; b < 3; ++b) {
      const auto truth = exhaustive(b, max_len, alpha);
      ASSERT_EQ(result[static_cast<size_t>(b)].size(), 3u);
      for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(result[static_cast<size_t>(b)][static_cast<size_t>(i)].tokens,
                  truth[static_cast<size_t>(i)].tokens)
            << b << " " << i;
        EXPECT_NEAR(result[static_cast<size_t>(b)][static_cast<size_t>(i)].score,
                    truth[static_cast<size_t>(i)].score, 1e-5);
      }
    }
  }
}

// Each hypothesis carries the attention rows of its own path through the beam's reorderings: the
// row for output position t is the decoder's attention when it was fed token t-1 (bos first).
TEST(BeamSearch, AttentionFollowsEachHypothesisPath) {
  ToyDecoder decoder(2);
  DecodeOptions o;
  o.bos = kBos;
  o.eos = kEos;
  o.beam = 4;
  o.n_best = 4;
  o.keep_attention = true;
  const auto result = beam_search(decoder, 2, {5, 5}, o);
  for (const auto& sentence : result) {
    ASSERT_FALSE(sentence.empty());
    for (const auto& h : sentence) {
      ASSERT_EQ(h.attention.size(), (h.tokens.size() + 1) * 3);
      int32_t fed = kBos;
      for (size_t t = 0; t <= h.tokens.size(); ++t) {
        for (int s = 0; s < 3; ++s) {
          EXPECT_EQ(h.attention[t * 3 + static_cast<size_t>(s)], s == fed % 3 ? 1.0f : 0.0f);
        }
        if (t < h.tokens.size()) fed = h.tokens[t];
      }
    }
  }
}

// A decoder whose next-token probabilities are scripted by (previous token, position); tokens
// not in the script get a small remainder.
class ScriptedDecoder : public TrackedRows {
 public:
  using Script = std::map<std::pair<int32_t, int64_t>, std::map<int32_t, float>>;
  ScriptedDecoder(int64_t batch, Script script) : TrackedRows(batch), script_(std::move(script)) {}
  Tensor step(const std::vector<int32_t>& tokens) override {
    Tensor out = graph_.empty({static_cast<int64_t>(tokens.size()), kVocab});
    for (size_t r = 0; r < tokens.size(); ++r) {
      const auto& p = script_.at({tokens[r], rows_[r].position});
      for (int32_t v = 0; v < kVocab; ++v) {
        const auto it = p.find(v);
        out.data()[r * kVocab + v] = std::log(it != p.end() ? it->second : 0.001f);
      }
      ++rows_[r].position;
    }
    return out;
  }

 private:
  Script script_;
};

// An end ranked below the best `beam` extensions does not finish a hypothesis: greedy decoding
// follows the most likely token when eos comes second, and a beam of 2 does not fill up with ends
// ranked third and fourth while better hypotheses are still growing.
TEST(BeamSearch, OnlyAnEndAmongTheBestBeamFinishes) {
  const ScriptedDecoder::Script second = {
      {{kBos, 0}, {{4, 0.6f}, {kEos, 0.3f}, {0, 0.05f}}},
      {{4, 1}, {{kEos, 0.9f}, {0, 0.05f}}},
      {{0, 1}, {{kEos, 0.9f}}},
  };
  ScriptedDecoder greedy_decoder(1, second);
  DecodeOptions o;
  o.bos = kBos;
  o.eos = kEos;
  o.length_penalty = 0;
  const auto greedy = beam_search(greedy_decoder, 1, {5}, o);
  ASSERT_EQ(greedy[0].size(), 1u);
  EXPECT_EQ(greedy[0][0].tokens, std::vector<int32_t>{4});

  const ScriptedDecoder::Script ranked_low = {
      {{kBos, 0}, {{4, 0.5f}, {0, 0.4f}, {kEos, 0.08f}}},
      {{4, 1}, {{1, 0.85f}, {kEos, 0.1f}}},
      {{0, 1}, {{1, 0.85f}, {kEos, 0.1f}}},
      {{1, 2}, {{kEos, 0.95f}}},
  };
  ScriptedDecoder beam_decoder(1, ranked_low);
  o.beam = 2;
  o.n_best = 2;
  const auto beam = beam_search(beam_decoder, 1, {6}, o);
  ASSERT_EQ(beam[0].size(), 2u);
  EXPECT_EQ(beam[0][0].tokens, (std::vector<int32_t>{4, 1}));
  EXPECT_EQ(beam[0][1].tokens, (std::vector<int32_t>{0, 1}));
}

TEST(BeamSearch, LengthPenaltyIsGnmts) {
  EXPECT_FLOAT_EQ(length_penalty(1, 0.6f), 1.0f);
  EXPECT_NEAR(length_penalty(10, 0.6f), std::pow(15.0 / 6.0, 0.6), 1e-6);
  EXPECT_FLOAT_EQ(length_penalty(10, 0.0f), 1.0f);
  ToyDecoder decoder(1);
  EXPECT_THROW(beam_search(decoder, 1, {5}, DecodeOptions{2, 3}), std::invalid_argument);
}

}  // namespace
}  // namespace huiyan::nn
