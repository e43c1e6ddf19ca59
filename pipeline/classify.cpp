#include "pipeline/classify.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <numeric>
#include <sstream>

#include "io/counted.h"
#include "io/error.h"
#include "io/tsv.h"
#include "io/utf8.h"
#include "pipeline/fixed.h"
#include "pipeline/line_stream.h"
#include "pipeline/normalize.h"
#include "pipeline/parallel.h"

namespace huiyan::pipeline {

namespace {

void probabilities_of(const float* logits, int64_t labels, bool multi_label,
                      std::vector<float>& out) {
  out.resize(static_cast<size_t>(labels));
  if (multi_label) {
    for (int64_t k = 0; k < labels; ++k) out[k] = 1.0f / (1.0f + std::exp(-logits[k]));
    return;
  }
  const float top = *std::max_element(logits, logits + labels);
  double total = 0;
  for (int64_t k = 0; k < labels; ++k) total += out[k] = std::exp(logits[k] - top);
  for (auto& p : out) p = static_cast<float>(p / total);
}

}  // namespace

std::vector<Prediction> predict(nn::Classifier& model, const std::vector<DocumentView>& documents,
                                bool explain, int64_t batch_tokens) {
  const nn::ClassifierConfig& config = model.config();
  std::vector<BatchShape> shapes(documents.size());
  for (size_t i = 0; i < documents.size(); ++i) shapes[i] = document_shape(config, documents[i]);
  const auto area = [&](size_t i) { return shapes[i].height * shapes[i].width; };
  std::vector<size_t> order(documents.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return area(a) < area(b); });

  std::vector<Prediction> predictions(documents.size());
  nn::Graph graph;
  nn::NoGrad no_grad(graph);
  for (size_t begin = 0; begin < order.size();) {
    // A batch pads every document to its most sentences and its longest row.
    size_t end = begin + 1;
    int64_t most = shapes[order[begin]].height, longest = shapes[order[begin]].width;
    while (end < order.size() && end - begin < 512) {
      const int64_t h = std::max(most, shapes[order[end]].height);
      const int64_t w = std::max(longest, shapes[order[end]].width);
      if (static_cast<int64_t>(end - begin + 1) * h * w > batch_tokens) break;
      most = h, longest = w;
      ++end;
    }
    std::vector<DocumentView> batch;
    for (size_t i = begin; i < end; ++i) batch.push_back(documents[order[i]]);
    std::vector<std::vector<std::vector<TokenOrigin>>> kept;
    const nn::ClassifierOutput out =
        model(classifier_input(graph, config, batch, explain ? &kept : nullptr));
    const std::vector<float> logits = out.logits.values();
    std::vector<float> weights, sentence_weights;
    int64_t rows = 0, width = 0;
    if (explain && out.token_weights.defined()) {
      weights = out.token_weights.values();
      rows = out.token_weights.shape()[1];
      width = out.token_weights.shape()[2];
      if (out.sentence_weights.defined()) sentence_weights = out.sentence_weights.values();
    }
    for (size_t i = begin; i < end; ++i) {
      const auto b = static_cast<int64_t>(i - begin);
      Prediction& p = predictions[order[i]];
      probabilities_of(logits.data() + b * config.labels, config.labels, config.multi_label,
                       p.probabilities);
      if (weights.empty()) continue;
      p.origins = std::move(kept[static_cast<size_t>(b)]);
      for (size_t r = 0; r < p.origins.size(); ++r) {
        const float* row = weights.data() + (b * rows + static_cast<int64_t>(r)) * width;
        p.token_weights.emplace_back(row, row + p.origins[r].size());
      }
      if (!sentence_weights.empty()) {
        const float* row = sentence_weights.data() + b * rows;
        p.sentence_weights.assign(row, row + p.origins.size());
      }
    }
    graph.reset();
    begin = end;
  }
  return predictions;
}

std::vector<int32_t> predicted_labels(const Prediction& p, bool multi_label, float threshold) {
  std::vector<int32_t> order(p.probabilities.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int32_t a, int32_t b) { return p.probabilities[a] > p.probabilities[b]; });
  if (!multi_label) return {order.front()};
  std::vector<int32_t> labels;
  for (const int32_t k : order)
    if (p.probabilities[static_cast<size_t>(k)] >= threshold) labels.push_back(k);
  return labels;
}

std::vector<std::vector<int32_t>> encode_text(const ClassifierFile& model,
                                              SentenceSplitter& splitter, std::string_view text,
                                              TokenSurfaces* surfaces) {
  if (!io::is_valid_utf8(text)) throw io::DataError("invalid UTF-8");
  NormalizeOptions options;
  options.lowercase = model.lowercase;
  const std::string normalized = TextNormalizer(options)(text);
  std::vector<std::vector<int32_t>> sentences;
  if (surfaces != nullptr) surfaces->clear();
  const auto encode = [&](std::string_view s) {
    std::vector<int> ids;
    if (surfaces != nullptr) {
      ids = model.tokenizer->encode_ids(s, surfaces->emplace_back());
    } else {
      ids = model.tokenizer->encode_ids(s);
    }
    sentences.emplace_back(ids.begin(), ids.end());
  };
  if (model.sentences) {
    for (const auto& s : splitter.split(normalized)) encode(s);
  } else if (!normalized.empty()) {
    encode(normalized);
  }
  return sentences;
}

Explanation explain(const ClassifierFile& model, const Prediction& p, const DocumentView& doc,
                    const TokenSurfaces* surfaces) {
  static const std::string kWordStart = "\xE2\x96\x81";  // ▁ starts a word in SentencePiece
  static const std::string kCut = "\xE2\x80\xA6";        // … marks a word truncation cut
  const auto starts_word = [&](int32_t id) {
    return model.tokenizer->piece(id).starts_with(kWordStart);
  };
  // Whether the model read a word cut short after this token: the next one, which it did not read,
  // continues the word.
  const auto cut_after = [&](int32_t sentence, int32_t token) {
    const auto& tokens = doc[static_cast<size_t>(sentence)];
    return static_cast<size_t>(token) + 1 < tokens.size() &&
           !starts_word(tokens[static_cast<size_t>(token) + 1]);
  };
  Explanation e;
  e.sentence_weights = p.sentence_weights;
  for (size_t r = 0; r < p.origins.size(); ++r) {
    const float scale = p.sentence_weights.empty() ? 1.0f : p.sentence_weights[r];
    int32_t previous_sentence = -1, previous_token = -1;
    for (size_t t = 0; t < p.origins[r].size(); ++t) {
      const TokenOrigin o = p.origins[r][t];
      const auto sentence = static_cast<size_t>(o.sentence);
      const auto token = static_cast<size_t>(o.token);
      std::string piece = model.tokenizer->piece(doc[sentence][token]);
      const bool starts = piece.starts_with(kWordStart);
      if (surfaces != nullptr) {
        const std::string& surface = (*surfaces)[sentence][token];
        piece = surface.substr(std::min(surface.find_first_not_of(' '), surface.size()));
      } else if (starts) {
        piece.erase(0, kWordStart.size());
      }
      // A piece continues the word before it unless it starts a word, follows a gap left by
      // truncation, or begins a new sentence.
      const bool continues = !starts && !e.words.empty() && o.sentence == previous_sentence &&
                             o.token == previous_token + 1;
      if (continues) {
        e.words.back().word += piece;
        e.words.back().weight += p.token_weights[r][t] * scale;
        previous_token = o.token;
        continue;
      }
      if (previous_token >= 0 && cut_after(previous_sentence, previous_token)) {
        e.words.back().word += kCut;
      }
      // A word the model read from its middle on, after a truncation gap (unless all it missed
      // is a lone word-start mark).
      const bool cut_before =
          !starts && o.token > 0 && model.tokenizer->piece(doc[sentence][token - 1]) != kWordStart;
      e.words.push_back(
          {cut_before ? kCut + piece : piece, p.token_weights[r][t] * scale, o.sentence});
      previous_sentence = o.sentence;
      previous_token = o.token;
    }
    if (previous_token >= 0 && cut_after(previous_sentence, previous_token)) {
      e.words.back().word += kCut;
    }
  }
  return e;
}

bool line_text(const std::string& line, const ClassifyOptions& o, std::string& text,
               std::string& error) {
  if (o.input_format == "text") {
    text = line;
  } else if (o.input_format == "tsv") {
    std::vector<std::string_view> fields;
    io::split_tsv(line, fields);
    if (o.text_column < 1 || static_cast<size_t>(o.text_column) > fields.size()) {
      error = "no column " + std::to_string(o.text_column) + " (the line has " +
              std::to_string(fields.size()) + ")";
      return false;
    }
    text = fields[static_cast<size_t>(o.text_column - 1)];
  } else {
    try {
      const nlohmann::json j = nlohmann::json::parse(line);
      if (!j.is_object() || !j.contains(o.text_field) || !j[o.text_field].is_string()) {
        error = "no string field \"" + o.text_field + "\"";
        return false;
      }
      text = j[o.text_field].get<std::string>();
    } catch (const nlohmann::json::exception&) {
      error = "not a JSON object";
      return false;
    }
  }
  return true;
}

namespace {

// Words shaded by their weight relative to the document's largest: ANSI 256-colour backgrounds
// from white to red.
std::string coloured(const Explanation& e) {
  float top = 0;
  for (const auto& w : e.words) top = std::max(top, w.weight);
  static const int kShades[] = {231, 224, 217, 210, 203, 196};
  std::string out;
  for (const auto& w : e.words) {
    const int level = top > 0 ? static_cast<int>(std::lround(5 * w.weight / top)) : 0;
    if (!out.empty()) out += ' ';
    if (level == 0) {
      out += w.word;
    } else {
      out += "\x1b[30;48;5;" + std::to_string(kShades[level]) + "m" + w.word + "\x1b[0m";
    }
  }
  return out;
}

// The ten words with the most weight, heaviest first: "word:0.123 ...".
std::string top_words(const Explanation& e) {
  std::vector<size_t> order(e.words.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return e.words[a].weight > e.words[b].weight; });
  std::string out;
  for (size_t i = 0; i < std::min<size_t>(10, order.size()); ++i) {
    if (!out.empty()) out += ' ';
    out += e.words[order[i]].word + ":" + fixed(e.words[order[i]].weight, 3);
  }
  return out;
}

}  // namespace

size_t classify_stream(ClassifierFile& model, io::LineReader& in, std::ostream& out,
                       const ClassifyOptions& o) {
  // ICU break iterators are not thread-safe: one splitter per thread.
  const SentenceSplitter prototype(model.sentence_locale);
  std::vector<SentenceSplitter> splitters(static_cast<size_t>(omp_get_max_threads()), prototype);
  const bool multi = model.model->config().multi_label;
  const bool need_weights = o.explain || static_cast<bool>(o.explained);
  return transform_line_batches(
      in, out, o.batch_lines, [&](const std::vector<std::string>& lines, size_t first_line) {
        std::vector<std::vector<std::vector<int32_t>>> encoded(lines.size());
        std::vector<TokenSurfaces> surfaces(need_weights ? lines.size() : 0);
        std::vector<std::string> texts(lines.size()), problems(lines.size());
        std::vector<char> readable(lines.size(), 0);
        for (size_t i = 0; i < lines.size(); ++i) {
          std::string error;
          if (!line_text(lines[i], o, texts[i], error)) {
            problems[i] = error + "; left unclassified";
          } else if (!io::is_valid_utf8(texts[i])) {
            problems[i] = "invalid UTF-8 at byte " +
                          std::to_string(io::find_invalid_utf8(texts[i]) + 1) +
                          "; left unclassified";
          } else {
            readable[i] = 1;
          }
        }
        parallel_for(lines.size(), [&](size_t i) {
          if (readable[i]) {
            encoded[i] = encode_text(model, splitters[static_cast<size_t>(omp_get_thread_num())],
                                     texts[i], need_weights ? &surfaces[i] : nullptr);
          }
        });
        const nn::ClassifierConfig& c = model.model->config();
        const auto limit = static_cast<size_t>(c.max_tokens);
        std::vector<size_t> usable;
        for (size_t i = 0; i < lines.size(); ++i) {
          if (readable[i]) {
            size_t tokens = 0, longest = 0;
            for (const auto& s : encoded[i])
              tokens += s.size(), longest = std::max(longest, s.size());
            if (tokens == 0) {
              problems[i] = "no text; left unclassified";
            } else {
              usable.push_back(i);
              if (c.hierarchical()
                      ? encoded[i].size() > static_cast<size_t>(c.max_sentences) || longest > limit
                      : tokens > limit) {
                const auto sentences = static_cast<int64_t>(encoded[i].size());
                problems[i] =
                    c.hierarchical()
                        ? io::counted(sentences, "sentence") + ", the longest " +
                              io::counted(static_cast<int64_t>(longest), "token") +
                              ": the model reads " +
                              io::counted(std::min(sentences, c.max_sentences), "sentence") +
                              " of up to " + io::counted(c.max_tokens, "token")
                        : io::counted(static_cast<int64_t>(tokens), "token") +
                              ": the model reads " + std::to_string(c.max_tokens) + " of them";
              }
            }
          }
          if (!problems[i].empty() && o.warn)
            o.warn(in.name() + ": line " + std::to_string(first_line + i) + ": " + problems[i]);
        }
        std::vector<DocumentView> docs;
        for (const size_t i : usable) {
          DocumentView d;
          for (const auto& s : encoded[i]) d.emplace_back(s);
          docs.push_back(std::move(d));
        }
        const std::vector<Prediction> predictions = predict(*model.model, docs, need_weights);
        std::vector<std::string> outputs(lines.size());
        for (size_t u = 0; u < usable.size(); ++u) {
          const size_t i = usable[u];
          const Prediction& p = predictions[u];
          std::vector<int32_t> labels = predicted_labels(p, multi, model.threshold);
          if (!multi && o.top_k > 1) {
            std::vector<int32_t> order(p.probabilities.size());
            std::iota(order.begin(), order.end(), 0);
            std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) {
              return p.probabilities[a] > p.probabilities[b];
            });
            order.resize(std::min(order.size(), static_cast<size_t>(o.top_k)));
            labels = order;
          }
          Explanation e;
          if (need_weights && !p.origins.empty()) e = explain(model, p, docs[u], &surfaces[i]);
          if (o.explained) {
            const int32_t best = predicted_labels(p, false, 0).front();
            o.explained(first_line + i, texts[i], model.labels[static_cast<size_t>(best)],
                        p.probabilities[static_cast<size_t>(best)], e);
          }
          std::string line;
          if (o.json) {
            nlohmann::json j;
            j["label"] = labels.empty() ? nlohmann::json(nullptr)
                                        : nlohmann::json(model.labels[labels.front()]);
            if (multi) {
              nlohmann::json names = nlohmann::json::array();
              for (const int32_t k : labels) names.push_back(model.labels[static_cast<size_t>(k)]);
              j["labels"] = names;
            }
            nlohmann::json probabilities = nlohmann::json::object();
            for (size_t k = 0; k < model.labels.size(); ++k)
              probabilities[model.labels[k]] = p.probabilities[k];
            j["probabilities"] = probabilities;
            if (o.explain && !e.words.empty()) {
              nlohmann::json words = nlohmann::json::array();
              for (const auto& w : e.words) words.push_back({w.word, w.weight, w.sentence});
              j["attention"] = {{"words", words}};
              if (!e.sentence_weights.empty()) j["attention"]["sentences"] = e.sentence_weights;
            }
            line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
          } else {
            for (size_t n = 0; n < labels.size(); ++n) {
              const auto k = static_cast<size_t>(labels[n]);
              line += (n ? "\t" : "") + model.labels[k] + "\t" + fixed(p.probabilities[k], 4);
            }
            if (o.explain && !e.words.empty())
              line += "\t" + (o.colour ? coloured(e) : top_words(e));
          }
          outputs[i] = std::move(line);
        }
        return outputs;
      });
}

}  // namespace huiyan::pipeline

namespace huiyan::pipeline {

std::vector<std::vector<int32_t>> gold_label_sets(const io::DatasetSplit& split) {
  std::vector<std::vector<int32_t>> gold;
  if (split.label_sets) {
    for (size_t i = 0; i < split.label_sets->size(); ++i) {
      const auto set = (*split.label_sets)[i];
      gold.emplace_back(set.begin(), set.end());
    }
  } else if (split.labels) {
    for (const int32_t label : *split.labels) gold.push_back({label});
  } else {
    throw io::DataError("split '" + split.name + "' has no labels");
  }
  return gold;
}

ClassificationMetrics score_predictions(const std::vector<Prediction>& predictions,
                                        const std::vector<std::vector<int32_t>>& gold,
                                        const std::vector<std::string>& labels, bool multi_label,
                                        float threshold) {
  if (multi_label) {
    std::vector<std::vector<int32_t>> predicted;
    for (const auto& p : predictions) predicted.push_back(predicted_labels(p, true, threshold));
    return multi_label_metrics(gold, predicted, labels);
  }
  std::vector<int32_t> gold_single, predicted;
  for (size_t i = 0; i < predictions.size(); ++i) {
    gold_single.push_back(gold[i].front());
    predicted.push_back(predicted_labels(predictions[i], false, 0).front());
  }
  return single_label_metrics(gold_single, predicted, labels);
}

float tune_threshold(const std::vector<Prediction>& predictions,
                     const std::vector<std::vector<int32_t>>& gold,
                     const std::vector<std::string>& labels) {
  float best_threshold = 0.5f;
  double best = -1;
  for (int i = 1; i <= 19; ++i) {
    const float threshold = 0.05f * static_cast<float>(i);
    const double f1 = score_predictions(predictions, gold, labels, true, threshold).micro_f1;
    if (f1 > best) {
      best = f1;
      best_threshold = threshold;
    }
  }
  return best_threshold;
}

}  // namespace huiyan::pipeline
