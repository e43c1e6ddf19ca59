#pragma once
// A classifier as a file: the model's configuration, its SentencePiece model and label names (so
// the file alone serves `huiyan classify`), how text is split before encoding, the multi-label
// decision threshold, its parameters and the training state (pipeline/model_file.h has the
// layout; the labels are /tables/labels, the tokenizer /tokenizer/src).
//
// /config: {"task": "classify", "model": {...ClassifierConfig...}, "sentences": bool,
//           "sentence_locale": "", "lowercase": bool, "threshold": 0.5, "data": "..."}

#include <memory>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "io/dataset.h"
#include "nn/classifier.h"
#include "pipeline/batching.h"
#include "pipeline/subword_model.h"

namespace huiyan::pipeline {

nlohmann::json to_json(const nn::ClassifierConfig& config);
nn::ClassifierConfig classifier_config_from(const nlohmann::json& json);

struct ClassifierFile {
  nlohmann::json config;
  std::unique_ptr<nn::Classifier> model;
  std::unique_ptr<SubwordModel> tokenizer;
  std::vector<std::string> labels;
  bool sentences = false;  // text is split into ICU sentences before encoding
  bool lowercase = false;  // text is lower-cased before encoding (preprocess --lowercase)
  std::string sentence_locale;
  float threshold = 0.5f;  // multi-label: a label is predicted when its probability reaches this
};

// io::DataError naming the file when it is not a classification model.
ClassifierFile load_classifier(const std::string& path);

// A document as its sentences of token ids; a flat document is one sentence.
using DocumentView = std::vector<std::span<const int32_t>>;

// Document i of a classification split (its sentences when the split has documents).
DocumentView document_of(const io::DatasetSplit& split, size_t i);

// Tokens the model reads of the document (after truncation).
int64_t document_tokens(const nn::ClassifierConfig& config, const DocumentView& document);
// The document's extent in a padded batch: 1 × its tokens read (flat models), or its sentences
// read × the longest of them (HAN).
BatchShape document_shape(const nn::ClassifierConfig& config, const DocumentView& document);

// The documents as the model's input, cut to its limits: a flat model reads the sentences joined
// and, past max_tokens, the first quarter and the last three quarters of its budget (reviews
// tend to conclude at the end); HAN reads the first max_sentences sentences of at most
// max_tokens words each. `kept` (optional) gets, per document, the token positions read: for
// each input row position, where it came from as (sentence, token) of the document.
struct TokenOrigin {
  int32_t sentence = 0;
  int32_t token = 0;
};
nn::ClassifierInput classifier_input(
    nn::Graph& graph, const nn::ClassifierConfig& config,
    const std::vector<DocumentView>& documents,
    std::vector<std::vector<std::vector<TokenOrigin>>>* kept = nullptr);

}  // namespace huiyan::pipeline
