#include "nn/decoding.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <map>

#include "nn/graph.h"

namespace huiyan::nn {
namespace {

constexpr int32_t kBos = 2, kEos = 3;
constexpr int64_t kVocab = 5;

// A toy model: the next-token distribution depends on the sentence, the previous token and the
// position, through a fixed pseudo-random table. It tracks which sentence each row belongs to.
// Its steps return logits, shifted by an amount that depends on the row's path, so that beam
// search gets the right hypotheses only by normalizing each row.
class ToyDecoder : public StepDecoder {
 public:
  explicit ToyDecoder(int64_t batch) {
    for (int64_t b = 0; b < batch; ++b) rows_.push_back({b, 0});
  }
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
  void select_rows(const std::vector<int32_t>& rows) override {
    std::vector<Row> next;
    for (const int32_t r : rows) next.push_back(rows_[static_cast<size_t>(r)]);
    rows_ = next;
  }
  Tensor attention() const override { return attention_; }

 private:
  struct Row {
    int64_t sentence;
    int64_t position;
  };
  Graph graph_;
  std::vector<Row> rows_;
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

TEST(BeamSearch, GreedyFollowsTheMostLikelyTokenEachStep) {
  ToyDecoder decoder(2);
  DecodeOptions o;
  o.bos = kBos;
  o.eos = kEos;
  const auto result = beam_search(decoder, 2, {6, 6}, o);
  for (int64_t b = 0; b < 2; ++b) {
    std::vector<int32_t> expected;
    int32_t previous = kBos;
    for (int64_t t = 0; t < 6; ++t) {
      const auto d = ToyDecoder::distribution(b, previous, t);
      int32_t best = static_cast<int32_t>(std::max_element(d.begin(), d.end()) - d.begin());
      if (t == 5) best = kEos;  // out of room
      if (best == kEos) break;
      expected.push_back(best);
      previous = best;
    }
    ASSERT_EQ(result[static_cast<size_t>(b)].size(), 1u);
    EXPECT_EQ(result[static_cast<size_t>(b)][0].tokens, expected) << b;
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

TEST(BeamSearch, LengthPenaltyIsGnmts) {
  EXPECT_FLOAT_EQ(length_penalty(1, 0.6f), 1.0f);
  EXPECT_NEAR(length_penalty(10, 0.6f), std::pow(15.0 / 6.0, 0.6), 1e-6);
  EXPECT_FLOAT_EQ(length_penalty(10, 0.0f), 1.0f);
  ToyDecoder decoder(1);
  EXPECT_THROW(beam_search(decoder, 1, {5}, DecodeOptions{2, 3}), std::invalid_argument);
}

}  // namespace
}  // namespace huiyan::nn
