#include "pipeline/classify_model.h"

#include <algorithm>

#include "io/error.h"
#include "pipeline/model_file.h"

namespace huiyan::pipeline {

nlohmann::json to_json(const nn::ClassifierConfig& c) {
  return {{"arch", c.arch},
          {"vocab", c.vocab},
          {"labels", c.labels},
          {"embedding_dim", c.embedding_dim},
          {"hidden", c.hidden},
          {"cell", c.cell},
          {"attention_dim", c.attention_dim},
          {"hops", c.hops},
          {"penalty", c.penalty},
          {"mlp", c.mlp},
          {"layers", c.layers},
          {"heads", c.heads},
          {"ff_dim", c.ff_dim},
          {"pooling", c.pooling},
          {"class_token", c.class_token},
          {"dropout", c.dropout},
          {"max_tokens", c.max_tokens},
          {"max_sentences", c.max_sentences},
          {"multi_label", c.multi_label}};
}

nn::ClassifierConfig classifier_config_from(const nlohmann::json& j) {
  nn::ClassifierConfig c;
  c.arch = j.at("arch").get<std::string>();
  c.vocab = j.at("vocab").get<int64_t>();
  c.labels = j.at("labels").get<int64_t>();
  c.embedding_dim = j.at("embedding_dim").get<int64_t>();
  c.hidden = j.at("hidden").get<int64_t>();
  c.cell = j.at("cell").get<std::string>();
  c.attention_dim = j.at("attention_dim").get<int64_t>();
  c.hops = j.at("hops").get<int64_t>();
  c.penalty = j.at("penalty").get<float>();
  c.mlp = j.at("mlp").get<int64_t>();
  c.layers = j.at("layers").get<int64_t>();
  c.heads = j.at("heads").get<int64_t>();
  c.ff_dim = j.at("ff_dim").get<int64_t>();
  c.pooling = j.at("pooling").get<std::string>();
  c.class_token = j.at("class_token").get<int32_t>();
  c.dropout = j.at("dropout").get<float>();
  c.max_tokens = j.at("max_tokens").get<int64_t>();
  c.max_sentences = j.at("max_sentences").get<int64_t>();
  c.multi_label = j.at("multi_label").get<bool>();
  return c;
}

ClassifierFile load_classifier(const std::string& path) {
  const ModelHeader header = read_model_header(path);
  ClassifierFile file;
  try {
    file.config = nlohmann::json::parse(header.config_json);
    if (file.config.value("task", "") != "classify") {
      throw io::DataError(path + ": a '" + file.config.value("task", "?") +
                          "' model, not a classification model");
    }
    file.model = nn::make_classifier(classifier_config_from(file.config.at("model")), 1);
    file.sentences = file.config.value("sentences", false);
    file.sentence_locale = file.config.value("sentence_locale", "");
    file.lowercase = file.config.value("lowercase", false);
    file.threshold = file.config.value("threshold", 0.5f);
  } catch (const nlohmann::json::exception& e) {
    throw io::DataError(path + ": bad config: " + e.what());
  } catch (const std::invalid_argument& e) {
    throw io::DataError(path + ": " + e.what());
  }
  const auto labels = header.tables.find("labels");
  if (labels == header.tables.end()) throw io::DataError(path + ": /tables/labels: not found");
  file.labels = labels->second;
  if (static_cast<int64_t>(file.labels.size()) != file.model->config().labels) {
    throw io::DataError(path + ": /tables/labels: " + std::to_string(file.labels.size()) +
                        " labels for a model of " + std::to_string(file.model->config().labels));
  }
  const auto tokenizer = header.tokenizers.find("src");
  if (tokenizer == header.tokenizers.end())
    throw io::DataError(path + ": /tokenizer/src: not found");
  file.tokenizer = std::make_unique<SubwordModel>(
      SubwordModel::from_bytes(tokenizer->second, path + ": /tokenizer/src"));
  auto params = file.model->parameters();
  load_tensors(path, params);
  file.model->train(false);
  return file;
}

DocumentView document_of(const io::DatasetSplit& split, size_t i) {
  DocumentView doc;
  if (split.doc_offsets) {
    const auto& offsets = *split.doc_offsets;
    for (auto s = offsets[i]; s < offsets[i + 1]; ++s)
      doc.push_back(split.src[static_cast<size_t>(s)]);
  } else {
    doc.push_back(split.src[i]);
  }
  return doc;
}

namespace {

// The positions a flat model reads of `total` tokens: all, or the head and the tail.
template <typename Visit>
void flat_positions(int64_t total, int64_t budget, Visit visit) {
  if (total <= budget) {
    for (int64_t t = 0; t < total; ++t) visit(t);
    return;
  }
  const int64_t head = budget / 4;
  for (int64_t t = 0; t < head; ++t) visit(t);
  for (int64_t t = total - (budget - head); t < total; ++t) visit(t);
}

int64_t total_tokens(const DocumentView& doc) {
  int64_t n = 0;
  for (const auto& s : doc) n += static_cast<int64_t>(s.size());
  return n;
}

}  // namespace

int64_t document_tokens(const nn::ClassifierConfig& c, const DocumentView& doc) {
  if (!c.hierarchical()) return std::min(total_tokens(doc), c.max_tokens);
  int64_t n = 0;
  const size_t sentences = std::min(doc.size(), static_cast<size_t>(c.max_sentences));
  for (size_t s = 0; s < sentences; ++s) n += std::min<int64_t>(doc[s].size(), c.max_tokens);
  return n;
}

BatchShape document_shape(const nn::ClassifierConfig& c, const DocumentView& doc) {
  if (!c.hierarchical())
    return {1, std::max<int64_t>(1, std::min(total_tokens(doc), c.max_tokens))};
  const size_t sentences = std::min(doc.size(), static_cast<size_t>(c.max_sentences));
  int64_t longest = 1;
  for (size_t s = 0; s < sentences; ++s)
    longest = std::max<int64_t>(longest, std::min<int64_t>(doc[s].size(), c.max_tokens));
  return {std::max<int64_t>(1, static_cast<int64_t>(sentences)), longest};
}

nn::ClassifierInput classifier_input(nn::Graph& graph, const nn::ClassifierConfig& c,
                                     const std::vector<DocumentView>& documents,
                                     std::vector<std::vector<std::vector<TokenOrigin>>>* kept) {
  const auto docs = static_cast<int64_t>(documents.size());
  if (kept) kept->assign(documents.size(), {});
  nn::ClassifierInput in;
  if (!c.hierarchical()) {
    int64_t width = 1;
    for (const auto& d : documents)
      width = std::max(width, std::min(total_tokens(d), c.max_tokens));
    std::vector<int32_t> tokens(static_cast<size_t>(docs * width), 0), lengths;
    for (int64_t b = 0; b < docs; ++b) {
      const DocumentView& d = documents[static_cast<size_t>(b)];
      // Flatten positions to (sentence, token) once, then pick the ones read.
      std::vector<TokenOrigin> origin;
      for (size_t s = 0; s < d.size(); ++s)
        for (size_t t = 0; t < d[s].size(); ++t)
          origin.push_back({static_cast<int32_t>(s), static_cast<int32_t>(t)});
      std::vector<TokenOrigin> read;
      flat_positions(static_cast<int64_t>(origin.size()), c.max_tokens, [&](int64_t p) {
        const TokenOrigin o = origin[static_cast<size_t>(p)];
        tokens[static_cast<size_t>(b * width) + read.size()] =
            d[static_cast<size_t>(o.sentence)][static_cast<size_t>(o.token)];
        read.push_back(o);
      });
      lengths.push_back(static_cast<int32_t>(read.size()));
      if (kept) (*kept)[static_cast<size_t>(b)].push_back(std::move(read));
    }
    in.tokens = graph.ids({docs, width}, tokens);
    in.lengths = graph.ids({docs}, lengths);
    return in;
  }
  int64_t rows_per_doc = 1, width = 1;
  for (const auto& d : documents) {
    const auto n = std::min(static_cast<int64_t>(d.size()), c.max_sentences);
    rows_per_doc = std::max(rows_per_doc, n);
    for (int64_t s = 0; s < n; ++s)
      width = std::max(width, std::min<int64_t>(d[static_cast<size_t>(s)].size(), c.max_tokens));
  }
  std::vector<int32_t> tokens(static_cast<size_t>(docs * rows_per_doc * width), 0);
  std::vector<int32_t> lengths(static_cast<size_t>(docs * rows_per_doc), 0), sentences;
  for (int64_t b = 0; b < docs; ++b) {
    const DocumentView& d = documents[static_cast<size_t>(b)];
    const auto n = std::min(static_cast<int64_t>(d.size()), c.max_sentences);
    sentences.push_back(static_cast<int32_t>(n));
    for (int64_t s = 0; s < n; ++s) {
      const auto& sentence = d[static_cast<size_t>(s)];
      const int64_t len = std::min<int64_t>(sentence.size(), c.max_tokens);
      const int64_t row = b * rows_per_doc + s;
      std::copy(sentence.begin(), sentence.begin() + len,
                tokens.begin() + static_cast<std::ptrdiff_t>(row * width));
      lengths[static_cast<size_t>(row)] = static_cast<int32_t>(len);
      if (kept) {
        std::vector<TokenOrigin> read;
        for (int64_t t = 0; t < len; ++t)
          read.push_back({static_cast<int32_t>(s), static_cast<int32_t>(t)});
        (*kept)[static_cast<size_t>(b)].push_back(std::move(read));
      }
    }
  }
  in.tokens = graph.ids({docs * rows_per_doc, width}, tokens);
  in.lengths = graph.ids({docs * rows_per_doc}, lengths);
  in.sentences = graph.ids({docs}, sentences);
  return in;
}

}  // namespace huiyan::pipeline
