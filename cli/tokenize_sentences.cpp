// huiyan tokenize sentences: options -> pipeline::split_sentences_stream.

#include <iostream>

#include "cli/command.h"
#include "cli/tokenize_actions.h"
#include "io/descriptor_output.h"
#include "io/error.h"
#include "io/line_reader.h"
#include "pipeline/sentence_stream.h"

namespace huiyan::cli {

int run_tokenize_sentences(const std::vector<std::string>& args) {
  std::string input = "-";
  std::string locale;
  bool joined = false;
  CommonOptions common;
  auto options = option_group("Options");
  options.add_options()("input,i", po::value(&input)->value_name("FILE")->default_value("-"),
                        "input file (plain or .gz; - for stdin)")(
      "locale", po::value(&locale)->value_name("LOCALE")->default_value(""),
      "ICU locale, e.g. en or de (default: root)")(
      "tab", po::bool_switch(&joined),
      "write each document's sentences on one line, separated by tabs");
  options.add(common_options(common));
  po::variables_map values;
  if (!parse_options(args, "huiyan tokenize sentences [--tab] < documents > sentences",
                     "Each input line is a document. Writes its sentences one per line with an "
                     "empty line after each\ndocument, or with --tab one line per document.",
                     options, values)) {
    return 0;
  }
  apply(common);
  io::LineReader reader(input);
  pipeline::split_sentences_stream(reader, std::cout, locale, joined);
  io::check_stdout_written();
  return 0;
}

}  // namespace huiyan::cli
