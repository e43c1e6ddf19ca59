#pragma once
// Checkpoint averaging (Vaswani et al. 2017, §6.1): the element-wise mean of the parameters of
// several checkpoints of one training run, usually the last few, which smooths the end of
// training and typically gains a little BLEU over any single checkpoint.

#include <string>
#include <vector>

namespace huiyan::pipeline {

// Writes to `output` a model file with the first input's config, tokenizers and tables and the mean
// of every input's /params (no training state). The inputs must share config and parameter shapes:
// otherwise io::DataError naming the file that differs.
void average_models(const std::vector<std::string>& inputs, const std::string& output);

}  // namespace huiyan::pipeline
