// huiyan translate: options -> pipeline::translate_stream.

#include "pipeline/translate.h"

#include <fstream>
#include <iostream>
#include <memory>

#include "cli/command.h"
#include "io/atomic_file.h"
#include "io/descriptor_output.h"
#include "io/error.h"
#include "io/line_reader.h"

namespace huiyan::cli {

int run_translate(const std::vector<std::string>& args) {
  std::string model_path;
  std::string input = "-";
  std::string output = "-";
  pipeline::TranslateOptions o;
  int64_t batch = 0;  // 0: the pipeline's default for the search
  int64_t maxi_batch = 32;
  std::string attention_out;
  bool json = false;
  CommonOptions common;
  auto options = option_group("Options");
  options.add_options()("model,m", po::value(&model_path)->value_name("FILE")->required(),
                        "model file made by huiyan train")(
      "input,i", po::value(&input)->value_name("FILE")->default_value("-"),
      "input (plain or .gz; - for stdin)")(
      "output,o", po::value(&output)->value_name("FILE")->default_value("-"),
      "output (- for stdout)")("beam", po::value(&o.beam)->value_name("N")->default_value(5),
                               "beam size (1: greedy)")(
      "n-best", po::value(&o.n_best)->value_name("K")->default_value(1),
      "print the K best as 'index ||| translation ||| score' lines")(
      "length-penalty", po::value(&o.length_penalty)->value_name("A")->default_value(0.6f, "0.6"),
      "GNMT length penalty alpha (0: none)")(
      "max-length-ratio", po::value(&o.max_length_ratio)->value_name("R")->default_value(2.0f, "2"),
      "at most R × source tokens + offset output tokens")(
      "max-length-offset", po::value(&o.max_length_offset)->value_name("N")->default_value(10),
      "see --max-length-ratio")(
      "batch", po::value(&batch)->value_name("N")->default_value(0, "64 greedy, 32 with a beam"),
      "sentences translated together")(
      "maxi-batch", po::value(&maxi_batch)->value_name("N")->default_value(32),
      "read up to N batches of lines ahead and sort them by length together (1: each batch "
      "alone); a pipe that pauses gets its lines back at once")(
      "attention-out", po::value(&attention_out)->value_name("FILE"),
      "also write each sentence's pieces and attention matrix (HDF5; JSON lines with --json); "
      "for a --hard-attention model, the distribution each step's source position was picked "
      "from (the decoder attended to its argmax alone)")("json", po::bool_switch(&json),
                                                         "--attention-out as JSON lines");
  options.add(common_options(common, true));
  po::variables_map values;
  if (!parse_options(args, "huiyan translate -m MODEL.h5 [options] < source > translation",
                     "Translates each input line; empty lines stay empty. Long lines are truncated "
                     "to the model's\nmaximum length with a warning.",
                     options, values)) {
    return 0;
  }
  apply(common);
  pipeline::check_translate_options(o);
  if (!values["batch"].defaulted() && batch < 1) throw UsageError("--batch must be >= 1");
  if (maxi_batch < 1) throw UsageError("--maxi-batch must be >= 1");
  o.batch_sentences = static_cast<size_t>(batch);
  o.maxi_batch = static_cast<size_t>(maxi_batch);
  // The cap holds for the default batch too (64 sentences for greedy search).
  if (pipeline::sentences_per_batch(o) > 1'000'000 / o.maxi_batch)
    throw UsageError("--batch × --maxi-batch must be at most 1,000,000 lines");
  if (!common.quiet)
    o.warn = [](const std::string& message) {
      std::cerr << "huiyan translate: warning: " << message << "\n";
    };
  if (json && attention_out.empty()) throw UsageError("--json goes with --attention-out FILE");
  if (attention_out == "-") {
    throw UsageError("--attention-out needs a file name, not stdout");
  }
  io::check_output_is_not_an_input(output, {model_path, input});
  if (!attention_out.empty()) {
    io::check_output_is_not_an_input(attention_out, {model_path, input}, "--attention-out");
    io::check_outputs_apart(output, attention_out, "--attention-out", "the translations");
  }
  pipeline::Translator translator = pipeline::load_translator(model_path);
  io::LineReader reader(input);
  std::unique_ptr<pipeline::AttentionExport> exported;
  if (!attention_out.empty()) {
    exported = std::make_unique<pipeline::AttentionExport>(attention_out, json, model_path);
    o.attention = [&](const pipeline::AttentionRecord& r) { exported->write(r); };
  }
  if (output == "-") {
    pipeline::translate_stream(translator, reader, std::cout, o);
    io::check_stdout_written();
    if (exported) exported->commit();
  } else {
    io::AtomicFile file(output);
    std::ofstream out = file.open_stream();
    pipeline::translate_stream(translator, reader, out, o);
    // Both outputs complete before either replaces its file: a failure leaves both as they were.
    if (exported) exported->finish();
    file.finish(out);
    file.commit();
    if (exported) exported->commit();
  }
  return 0;
}

}  // namespace huiyan::cli
