#include "nn/module.h"

#include <cmath>
#include <stdexcept>

namespace huiyan::nn {

std::vector<NamedTensor> Module::parameters() const {
  std::vector<NamedTensor> out;
  collect("", out);
  return out;
}

int64_t Module::parameter_count() const {
  int64_t total = 0;
  for (const auto& p : parameters()) total += p.tensor.numel();
  return total;
}

void Module::collect(const std::string& prefix, std::vector<NamedTensor>& out) const {
  for (const auto& p : parameters_) out.push_back({prefix + p.name, p.tensor});
  for (const auto& [name, child] : children_) child->collect(prefix + name + ".", out);
}

size_t Module::visit_state(std::vector<uint64_t>* out, const uint64_t* words) const {
  size_t count = 0;
  for (Random* rng : randoms_) {
    if (out != nullptr) out->push_back(rng->state());
    if (words != nullptr) rng->set_state(words[count]);
    ++count;
  }
  for (uint64_t* word : words_) {
    if (out != nullptr) out->push_back(*word);
    if (words != nullptr) *word = words[count];
    ++count;
  }
  for (const auto& [name, child] : children_) {
    count += child->visit_state(out, words == nullptr ? nullptr : words + count);
  }
  return count;
}

std::vector<uint64_t> Module::state_words() const {
  std::vector<uint64_t> words;
  visit_state(&words, nullptr);
  return words;
}

void Module::set_state_words(const std::vector<uint64_t>& words) {
  const size_t expected = visit_state(nullptr, nullptr);
  if (words.size() != expected) {
    throw std::invalid_argument("set_state_words: " + std::to_string(words.size()) + " words for " +
                                std::to_string(expected));
  }
  visit_state(nullptr, words.data());
}

void Module::train(bool on) {
  training_ = on;
  for (auto& [name, child] : children_) child->train(on);
}

Tensor Module::add_parameter(const std::string& name, const Shape& shape, Init init, Random& rng) {
  Tensor t = Tensor::persistent(shape, true);
  initialize(t, init, rng);
  parameters_.push_back({name, t});
  return t;
}

void Module::add_module(const std::string& name, Module& child) {
  children_.emplace_back(name, &child);
}

void initialize(Tensor& t, Init init, Random& rng) {
  if (rng.loading()) return;
  float* data = t.data();
  const int64_t n = t.numel();
  const Shape& shape = t.shape();
  switch (init) {
    case Init::zeros:
      std::fill_n(data, n, 0.0f);
      break;
    case Init::ones:
      std::fill_n(data, n, 1.0f);
      break;
    case Init::xavier_uniform: {
      // Glorot & Bengio (2010): U(-a, a), a = sqrt(6 / (fan_in + fan_out)).
      const double fan_out = shape.rank >= 2 ? static_cast<double>(shape[0]) : 1.0;
      const double fan_in =
          shape.rank >= 2 ? static_cast<double>(n) / fan_out : static_cast<double>(n);
      const auto a = static_cast<float>(std::sqrt(6.0 / (fan_in + fan_out)));
      for (int64_t i = 0; i < n; ++i) data[i] = rng.uniform(-a, a);
      break;
    }
    case Init::normal_002:
      for (int64_t i = 0; i < n; ++i) data[i] = rng.normal(0.0f, 0.02f);
      break;
    case Init::embedding_normal: {
      // N(0, d^-1/2) as in Vaswani et al. for embeddings scaled by sqrt(d).
      const auto stddev = static_cast<float>(1.0 / std::sqrt(static_cast<double>(shape[-1])));
      for (int64_t i = 0; i < n; ++i) data[i] = rng.normal(0.0f, stddev);
      break;
    }
  }
}

}  // namespace huiyan::nn
