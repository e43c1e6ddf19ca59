// huiyan eval: scores a system's output. Given --hyp, the metric mode: corpus BLEU and chrF of a
// hypothesis file against one or more reference files, as sacreBLEU computes them. Model
// evaluation modes (--task translate, --task recommend) are branches of run_eval.

#include <algorithm>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/eval_classify.h"
#include "cli/eval_recommend.h"
#include "io/atomic_file.h"
#include "io/error.h"
#include "io/line_reader.h"
#include "io/utf8.h"
#include "pipeline/bleu.h"
#include "pipeline/chrf.h"
#include "pipeline/translate.h"

namespace huiyan::cli {

namespace {

struct MetricEvalOptions {
  std::string hyp;
  std::vector<std::string> refs;
  std::vector<std::string> metrics;  // as given: names or comma-separated lists
  std::string tokenize;
  bool lowercase = false;
  bool json = false;
};

struct Metrics {
  bool bleu = false;
  bool chrf = false;
};

Metrics parse_metrics(const std::vector<std::string>& values) {
  Metrics metrics;
  for (const auto& value : values) {
    size_t start = 0;
    while (start <= value.size()) {
      const size_t comma = std::min(value.find(',', start), value.size());
      const std::string name = value.substr(start, comma - start);
      if (name == "bleu") {
        metrics.bleu = true;
      } else if (name == "chrf") {
        metrics.chrf = true;
      } else {
        throw UsageError("unknown metric '" + name + "' (bleu, chrf or bleu,chrf)");
      }
      start = comma + 1;
    }
  }
  return metrics;
}

// Reads a hypothesis or reference file as sacreBLEU's command line does: one segment a line, with
// its trailing whitespace stripped (so a line of spaces is an empty reference). Text must be UTF-8.
std::vector<std::string> read_segments(const std::string& path) {
  io::LineReader reader(path);
  std::vector<std::string> segments;
  std::string line;
  while (reader.next(line)) {
    io::require_valid_utf8(line, reader.name(), reader.line_number());
    segments.emplace_back(pipeline::rstrip_python(line));
  }
  return segments;
}

// The checks sacreBLEU makes, as DataErrors naming the file and line: every reference file has
// `lines` lines, as `against` (the hypotheses' file, or the source translated into them) has.
void check_alignment(const MetricEvalOptions& o, const std::string& against, size_t lines,
                     const pipeline::ReferenceStreams& refs) {
  for (size_t stream = 0; stream < refs.size(); ++stream) {
    if (refs[stream].size() != lines) {
      throw io::DataError(o.refs[stream] + ": has " + std::to_string(refs[stream].size()) +
                          " lines but " + against + " has " + std::to_string(lines));
    }
  }
  for (size_t line = 0; line < lines; ++line) {
    bool any = false;
    for (const auto& stream : refs) any = any || !stream[line].empty();
    if (!any) {
      throw io::DataError(o.refs.front() + ": line " + std::to_string(line + 1) +
                          ": the reference is empty" +
                          (refs.size() > 1 ? " in every reference file" : "") +
                          " (sacreBLEU refuses such lines too)");
    }
  }
}

pipeline::ReferenceStreams read_references(const MetricEvalOptions& o) {
  pipeline::ReferenceStreams refs;
  for (const auto& path : o.refs) refs.push_back(read_segments(path));
  return refs;
}

// Scores `hyps` (read from o.hyp, or translated from a source) against `refs`, read from o.refs
// and checked against them.
int score(const MetricEvalOptions& o, const std::vector<std::string>& hyps,
          const pipeline::ReferenceStreams& refs);

int run_metric_eval(const MetricEvalOptions& o) {
  if (o.refs.empty()) throw UsageError("--hyp needs at least one --ref");
  size_t from_stdin = o.hyp == "-" ? 1 : 0;
  for (const auto& ref : o.refs) from_stdin += ref == "-" ? 1 : 0;
  if (from_stdin > 1) throw UsageError("only one of --hyp and --ref can be '-' (standard input)");
  const std::vector<std::string> hyps = read_segments(o.hyp);
  const pipeline::ReferenceStreams refs = read_references(o);
  check_alignment(o, o.hyp, hyps.size(), refs);
  return score(o, hyps, refs);
}

int score(const MetricEvalOptions& o, const std::vector<std::string>& hyps,
          const pipeline::ReferenceStreams& refs) {
  const Metrics metrics = parse_metrics(o.metrics);
  pipeline::BleuOptions bleu_options;
  bleu_options.tokenizer = pipeline::parse_mt_tokenizer(o.tokenize);
  bleu_options.lowercase = o.lowercase;
  pipeline::ChrfOptions chrf_options;
  chrf_options.lowercase = o.lowercase;

  nlohmann::json json;
  // The order sacreBLEU prints them in.
  if (metrics.bleu) {
    const auto bleu = pipeline::corpus_bleu(hyps, refs, bleu_options);
    if (o.json) {
      json["bleu"] = bleu.score;
      json["signature"]["bleu"] = bleu.signature;
      json["bleu_details"] = {{"precisions", bleu.precisions}, {"counts", bleu.counts},
                              {"totals", bleu.totals},         {"bp", bleu.bp},
                              {"ratio", bleu.ratio},           {"hyp_len", bleu.hyp_len},
                              {"ref_len", bleu.ref_len}};
    } else {
      std::cout << bleu.text() << "\n" << bleu.signature << "\n";
    }
  }
  if (metrics.chrf) {
    const auto chrf = pipeline::corpus_chrf(hyps, refs, chrf_options);
    if (o.json) {
      json["chrf"] = chrf.score;
      json["signature"]["chrf"] = chrf.signature;
    } else {
      std::cout << chrf.text() << "\n" << chrf.signature << "\n";
    }
  }
  if (o.json) std::cout << json.dump(2) << "\n";
  std::cout << std::flush;
  return 0;
}

struct TranslateEvalOptions {
  std::string model;
  std::string src;
  std::string output;  // the translations, when given
  pipeline::TranslateOptions translate;
};

// Translates the source with the model, then scores like the metric mode.
int run_translate_eval(MetricEvalOptions metric, const TranslateEvalOptions& t) {
  if (t.model.empty() || t.src.empty() || metric.refs.empty()) {
    throw UsageError("--task translate needs -m MODEL, --src FILE and --ref FILE");
  }
  // Every option is checked before the long part, the translation.
  std::vector<std::string> inputs = {t.model, t.src};
  inputs.insert(inputs.end(), metric.refs.begin(), metric.refs.end());
  io::check_output_is_not_an_input(t.output, inputs);
  parse_metrics(metric.metrics);
  pipeline::parse_mt_tokenizer(metric.tokenize);
  pipeline::check_translate_options(t.translate);
  pipeline::Translator translator = pipeline::load_translator(t.model);
  const std::vector<std::string> sources = io::read_lines(t.src);
  // So are the references.
  const pipeline::ReferenceStreams refs = read_references(metric);
  check_alignment(metric, t.src, sources.size(), refs);
  const auto hypotheses = pipeline::translate_lines(translator, sources, t.src, 1, t.translate);
  std::vector<std::string> hyps;
  for (const auto& h : hypotheses) {
    hyps.push_back(h.empty() ? std::string() : translator.tgt_tokenizer->decode_ids(h[0].tokens));
  }
  if (!t.output.empty()) {
    std::string text;
    for (const auto& line : hyps) text += line + "\n";
    io::write_file_atomically(t.output, text);
  }
  return score(metric, hyps, refs);
}

}  // namespace

int run_eval(const std::vector<std::string>& args) {
  MetricEvalOptions metric;
  TranslateEvalOptions translate;
  RecommendEvalArgs recommend;
  ClassifyEvalArgs classify;
  Count negatives{100}, max_users{10000}, seed{42};
  std::string task;
  auto options = option_group("Metric mode (given --hyp)");
  options.add_options()("hyp", po::value(&metric.hyp)->value_name("FILE"),
                        "system output, one segment a line (plain or .gz, - for stdin)")(
      "ref", po::value(&metric.refs)->value_name("FILE")->composing(),
      "a reference file, line-aligned with --hyp; repeat for several reference sets (an empty "
      "line means that segment has one reference fewer)")(
      "metric",
      po::value(&metric.metrics)->value_name("LIST")->composing()->default_value({"bleu"}, "bleu"),
      "bleu, chrf or bleu,chrf")(
      "tokenize", po::value(&metric.tokenize)->value_name("TOK")->default_value("13a"),
      "BLEU's tokenizer: 13a (mteval-v13a, sacreBLEU's default), intl "
      "(Unicode punctuation and symbols) or none")("lowercase", po::bool_switch(&metric.lowercase),
                                                   "case-insensitive BLEU and chrF")(
      "json", po::bool_switch(&metric.json),
      "print one JSON object: \"bleu\", \"chrf\" (unrounded), \"signature\" {metric: string} "
      "and \"bleu_details\" {precisions, counts, totals, bp, ratio, hyp_len, ref_len}");
  auto model_mode = option_group("Model mode (given --task)");
  model_mode.add_options()("task", po::value(&task)->value_name("TASK"),
                           "translate: translate --src with -m, then score against --ref; "
                           "classify: classify --input with -m and score its labels; "
                           "recommend: rank held-out items of --data with -m")(
      "model,m", po::value(&translate.model)->value_name("FILE"), "model file")(
      "src", po::value(&translate.src)->value_name("FILE"), "source text, one segment a line")(
      "output,o", po::value(&translate.output)->value_name("FILE"),
      "also write the translations here")(
      "beam", po::value(&translate.translate.beam)->value_name("N")->default_value(5), "beam size")(
      "length-penalty",
      po::value(&translate.translate.length_penalty)->value_name("A")->default_value(0.6f, "0.6"),
      "GNMT length penalty alpha");
  auto recommend_mode = option_group("Recommendation (--task recommend)");
  recommend_mode.add_options()("data", po::value(&recommend.data)->value_name("FILE"),
                               "dataset made by preprocess --format interactions")(
      "split", po::value(&recommend.split)->value_name("NAME")->default_value("test"),
      "test, or valid")("baseline", po::value(&recommend.baseline)->value_name("NAME"),
                        "popular: rank by training popularity instead of a model")(
      "negatives", po::value(&negatives)->value_name("N")->default_value(Count{100}),
      "sampled negatives per user")(
      "max-users", po::value(&max_users)->value_name("N")->default_value(Count{10000}),
      "rank at most N users, drawn with --seed (0: all)")(
      "seed", po::value(&seed)->value_name("N")->default_value(Count{42}),
      "seed of the negatives, the user draw and tie-breaking");
  auto classify_mode = option_group("Classification (--task classify)");
  classify_mode.add_options()("input", po::value(&classify.input)->value_name("FILE"),
                              "labelled TSV (plain or .gz): a gold label column and a text column")(
      "label-column", po::value(&classify.tsv.label_column)->value_name("N")->default_value(1),
      "the gold label's column (1-based); multi-label: labels separated by --label-separator")(
      "text-column", po::value(&classify.tsv.text_column)->value_name("N")->default_value(2),
      "the text's column (1-based)")(
      "label-separator",
      po::value(&classify.tsv.label_separator)->value_name("C")->default_value(','),
      "multi-label models: separator of the labels in one field");
  options.add(model_mode).add(classify_mode).add(recommend_mode);
  CommonOptions common;
  options.add(common_options(common, true));
  po::variables_map values;
  if (!parse_options(
          args,
          "huiyan eval (--hyp FILE | --task translate -m MODEL --src FILE) --ref FILE [options]\n"
          "       huiyan eval --task classify -m MODEL --input TSV --label-column N --text-column "
          "N\n"
          "       huiyan eval --task recommend (-m MODEL | --baseline popular) --data DATA.h5",
          "Scores a system's output. With --hyp: corpus BLEU and chrF2 exactly as sacreBLEU 2.x\n"
          "computes them with its defaults (BLEU: smoothing exp, max order 4; chrF: 6 character\n"
          "orders, beta 2, whitespace excluded), each followed by its signature line. Trailing\n"
          "whitespace is stripped from every line, as sacreBLEU's command line does.",
          options, values)) {
    return 0;
  }
  apply(common);
  // An option of another mode is a mistake (an -o that would be written, say), not a no-op.
  const std::string mode = task.empty() ? "metric" : task;
  const std::vector<std::pair<const char*, std::vector<std::string>>> modes = {
      {"hyp", {"metric"}},
      {"ref", {"metric", "translate"}},
      {"metric", {"metric", "translate"}},
      {"tokenize", {"metric", "translate"}},
      {"lowercase", {"metric", "translate"}},
      {"model", {"translate", "classify", "recommend"}},
      {"src", {"translate"}},
      {"output", {"translate"}},
      {"beam", {"translate"}},
      {"length-penalty", {"translate"}},
      {"data", {"recommend"}},
      {"split", {"recommend"}},
      {"baseline", {"recommend"}},
      {"negatives", {"recommend"}},
      {"max-users", {"recommend"}},
      {"seed", {"recommend"}},
      {"input", {"classify"}},
      {"label-column", {"classify"}},
      {"text-column", {"classify"}},
      {"label-separator", {"classify"}}};
  for (const auto& [name, used_by] : modes) {
    if (given(values, name) && std::find(used_by.begin(), used_by.end(), mode) == used_by.end() &&
        (mode == "metric" || mode == "translate" || mode == "classify" || mode == "recommend")) {
      throw UsageError(std::string("--") + name + " is not for " +
                       (task.empty() ? std::string("the metric mode (--hyp)") : "--task " + task));
    }
  }
  if (task == "classify") {
    classify.model = translate.model;
    classify.json = metric.json;
    classify.quiet = common.quiet;
    return run_classify_eval(classify);
  }
  if (task == "recommend") {
    recommend.model = translate.model;
    recommend.json = metric.json;
    // No negatives makes every held-out item a hit.
    if (negatives.value == 0 || negatives.value > 1'000'000) {
      throw UsageError("--negatives must be between 1 and 1,000,000");
    }
    recommend.ranking.negatives = static_cast<int>(negatives.value);
    recommend.ranking.max_users = max_users.value;
    recommend.ranking.seed = seed.value;
    return run_recommend_eval(recommend);
  }
  if (!task.empty()) {
    if (task != "translate")
      throw UsageError("--task: translate, classify or recommend, got '" + task + "'");
    if (!metric.hyp.empty()) throw UsageError("give --hyp or --task, not both");
    if (!common.quiet) {
      translate.translate.warn = [](const std::string& message) {
        std::cerr << "huiyan eval: warning: " << message << "\n";
      };
    }
    return run_translate_eval(metric, translate);
  }
  if (!metric.hyp.empty()) return run_metric_eval(metric);
  throw UsageError("nothing to score: give --hyp FILE and --ref FILE");
}

}  // namespace huiyan::cli
