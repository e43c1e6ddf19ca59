// huiyan classify: options -> pipeline::classify_stream.

#include "pipeline/classify.h"

#include <unistd.h>

#include <iostream>
#include <optional>

#include "cli/command.h"
#include "io/atomic_file.h"
#include "io/counted.h"
#include "io/descriptor_output.h"
#include "io/line_reader.h"
#include "pipeline/explain_html.h"

namespace huiyan::cli {

int run_classify(const std::vector<std::string>& args) {
  std::string model_path, input = "-", html;
  pipeline::ClassifyOptions o;
  Count batch{1024};
  CommonOptions common;
  auto options = option_group("Classify");
  options.add_options()("model,m", po::value(&model_path)->value_name("FILE")->required(),
                        "model file made by huiyan train --task classify")(
      "input,i", po::value(&input)->value_name("FILE")->default_value("-"),
      "documents, one per line (plain or .gz; - for stdin)")(
      "input-format", po::value(&o.input_format)->value_name("F")->default_value("text"),
      "text (the whole line), tsv (see --text-column) or jsonl (see --text-field)")(
      "text-column", po::value(&o.text_column)->value_name("N")->default_value(1),
      "tsv: the text's column (1-based)")(
      "text-field", po::value(&o.text_field)->value_name("NAME")->default_value("text"),
      "jsonl: the text's field")("top-k", po::value(&o.top_k)->value_name("K")->default_value(1),
                                 "print the K most probable labels (single-label models)")(
      "json", po::bool_switch(&o.json),
      "one JSON object per line: {\"label\", \"probabilities\": {label: p}, \"attention\"}")(
      "explain", po::bool_switch(&o.explain),
      "show the words the model attended to: coloured on a terminal, else the ten heaviest as "
      "word:weight in a last column (with --json: every word's weight, and HAN's sentence "
      "weights)")("explain-html", po::value(&html)->value_name("FILE"),
                  "write an HTML page with each document's words highlighted by attention")(
      "batch", po::value(&batch)->value_name("N")->default_value(Count{1024}),
      "lines read before classifying them together (an interactive pipe gets each line at once)");
  options.add(common_options(common, true));
  po::variables_map values;
  if (!parse_options(args,
                     "huiyan classify -m MODEL.h5 [--top-k K] [--json] [--explain] "
                     "[--explain-html FILE] < documents",
                     "Reads one document per line and prints 'LABEL<TAB>PROBABILITY' for each "
                     "(multi-label models: every label over the model's threshold). Lines with "
                     "no text or invalid UTF-8 give an empty line and a warning on stderr.",
                     options, values)) {
    return 0;
  }
  apply(common);
  if (o.top_k <= 0) throw UsageError("--top-k must be > 0");
  if (o.input_format != "text" && o.input_format != "tsv" && o.input_format != "jsonl")
    throw UsageError("--input-format: text, tsv or jsonl, got '" + o.input_format + "'");
  if (o.input_format != "tsv") refuse_given(values, {"text-column"}, "is for --input-format tsv");
  if (o.input_format != "jsonl")
    refuse_given(values, {"text-field"}, "is for --input-format jsonl");
  if (o.text_column < 1) throw UsageError("--text-column must be >= 1 (the first column is 1)");
  if (batch.value == 0) throw UsageError("--batch must be > 0");
  o.batch_lines = batch.value;
  o.colour = o.explain && !o.json && isatty(STDOUT_FILENO);
  if (!common.quiet) {
    o.warn = [](const std::string& message) {
      std::cerr << "huiyan classify: warning: " << message << "\n";
    };
  }
  io::check_output_is_not_an_input(html, {model_path, input}, "--explain-html");
  io::check_outputs_apart("-", html, "--explain-html", "the labels");
  pipeline::ClassifierFile model = pipeline::load_classifier(model_path);
  if (model.model->config().multi_label && given(values, "top-k")) {
    throw UsageError(model_path +
                     ": --top-k is for single-label models; a multi-label one prints every label "
                     "over its threshold");
  }
  if ((o.explain || !html.empty()) && model.model->config().pooling == "cls" &&
      model.model->config().arch == "transformer") {
    throw UsageError(model_path +
                     ": a transformer with a class token has no attention pooling to explain");
  }
  pipeline::ExplainHtml page;
  // Claimed now: a page that cannot be written is found before the documents are classified.
  std::optional<io::AtomicFile> html_file;
  if (!html.empty()) {
    html_file.emplace(html);
    o.explained = [&](size_t line, const std::string&, const std::string& label, float p,
                      const pipeline::Explanation& e) { page.add(line, label, p, e); };
  }
  io::LineReader reader(input);
  pipeline::classify_stream(model, reader, std::cout, o);
  io::check_stdout_written();
  if (!html.empty()) {
    page.write(*html_file);
    if (!common.quiet)
      std::cerr << "huiyan classify: " << io::counted(static_cast<int64_t>(page.size()), "document")
                << " explained in " << html << "\n";
  }
  return 0;
}

}  // namespace huiyan::cli
