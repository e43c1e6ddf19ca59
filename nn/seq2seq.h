#pragma once
// What translation needs from an encoder-decoder, whatever its architecture (Transformer, RNN
// with attention): encode a padded source batch, score a whole target with teacher forcing, and
// decode one token at a time for beam search.

#include <memory>

#include "nn/decoding.h"
#include "nn/module.h"
#include "nn/ops.h"

namespace huiyan::nn {

class Seq2Seq : public Module {
 public:
  // src [B, S] ids (pad past each length); src_lengths [B]. Returns the memory [B, S, D].
  virtual Tensor encode(const IntTensor& src, const IntTensor& src_lengths) = 0;
  // tgt_in [B, T] (bos, y₁ … y_{T-1}) against the memory: logits [B, T, tgt_vocab].
  virtual Tensor decode(const IntTensor& tgt_in, const Tensor& memory,
                        const IntTensor& src_lengths) = 0;
  // A loss to add to the cross-entropy of decode()'s logits against tgt_out [B·T] (-1 = padding),
  // e.g. the REINFORCE term of hard attention; undefined when there is none.
  virtual Tensor auxiliary_loss(const Tensor& logits, const IntTensor& tgt_out) {
    (void)logits;
    (void)tgt_out;
    return {};
  }
  // A step decoder over `memory` for at most `steps` decode steps (no gradient).
  virtual std::unique_ptr<StepDecoder> step_decoder(const Tensor& memory,
                                                    const IntTensor& src_lengths,
                                                    int64_t steps) = 0;
  // The longest source it reads and the longest output it writes, in tokens.
  virtual int64_t max_length() const = 0;
};

}  // namespace huiyan::nn
