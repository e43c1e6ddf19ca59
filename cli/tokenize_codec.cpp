// huiyan tokenize encode|decode: options -> pipeline::encode_stream / decode_stream.

#include <fstream>
#include <iostream>
#include <memory>

#include "cli/command.h"
#include "cli/tokenize_actions.h"
#include "io/atomic_file.h"
#include "io/descriptor_output.h"
#include "io/error.h"
#include "io/line_reader.h"
#include "pipeline/subword_stream.h"

namespace huiyan::cli {

namespace {

int run_codec(const std::vector<std::string>& args, bool encode) {
  std::string model_path;
  std::string input = "-";
  std::string output = "-";
  bool ids = false;
  CommonOptions common;
  auto options = option_group("Options");
  options.add_options()("model,m", po::value(&model_path)->value_name("FILE")->required(),
                        "SentencePiece model file")(
      "ids", po::bool_switch(&ids),
      encode ? "write token ids instead of pieces" : "read token ids instead of pieces")(
      "input,i", po::value(&input)->value_name("FILE")->default_value("-"),
      "input file (plain or .gz; - for stdin)")(
      "output,o", po::value(&output)->value_name("FILE")->default_value("-"),
      "output file (- for stdout)");
  options.add(common_options(common));
  po::variables_map values;
  const std::string name = encode ? "encode" : "decode";
  if (!parse_options(args, "huiyan tokenize " + name + " -m MODEL [--ids] < in > out",
                     encode ? "Splits each line into space-separated pieces (or ids)."
                            : "Joins each line of space-separated pieces (or ids) into text.",
                     options, values)) {
    return 0;
  }
  apply(common);
  io::check_output_is_not_an_input(output, {model_path, input});
  const auto model = pipeline::SubwordModel::load(model_path);
  io::LineReader reader(input);
  const auto format = ids ? pipeline::TokenFormat::ids : pipeline::TokenFormat::pieces;
  const auto run = [&](std::ostream& out) {
    return encode ? pipeline::encode_stream(model, reader, out, format)
                  : pipeline::decode_stream(model, reader, out, format);
  };
  if (output == "-") {
    run(std::cout);
    io::check_stdout_written();
    return 0;
  }
  io::AtomicFile file(output);
  std::ofstream out = file.open_stream();
  run(out);
  file.commit(out);
  return 0;
}

}  // namespace

int run_tokenize_encode(const std::vector<std::string>& args) {
  return run_codec(args, true);
}
int run_tokenize_decode(const std::vector<std::string>& args) {
  return run_codec(args, false);
}

}  // namespace huiyan::cli
