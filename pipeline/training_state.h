#pragma once
// What every trainer keeps for exact resume, in the model file next to the parameters: the
// optimizer's state, the random streams' states (dropout masks) and the trainer's own counters
// (step, epoch, data cursor, ...).

#include <cstdint>
#include <map>
#include <string>

#include "nn/module.h"
#include "nn/optimizer.h"
#include "pipeline/model_file.h"

namespace huiyan::pipeline {

// Sets file.params from `model` and, with an optimizer, the train state: its tensors, `counters`
// and the model's random states (as counters "rng.<i>").
void add_training_state(ModelFile& file, const nn::Module& model, const nn::Optimizer* optimizer,
                        std::map<std::string, int64_t> counters = {});

// Restores what add_training_state saved at `path` into `model` and `optimizer` and returns the
// counters; io::DataError naming the file when there is nothing to resume from.
std::map<std::string, int64_t> resume_training_state(const std::string& path, nn::Module& model,
                                                     nn::Optimizer& optimizer);

}  // namespace huiyan::pipeline
