// huiyan tokenize build: options -> pipeline::build_dataset.

#include <iostream>

#include "cli/command.h"
#include "cli/tokenize_actions.h"
#include "pipeline/dataset_builder.h"

namespace huiyan::cli {

namespace {

std::vector<std::string> split_commas(const std::vector<std::string>& values) {
  std::vector<std::string> names;
  for (const auto& value : values) {
    size_t start = 0;
    while (start <= value.size()) {
      const size_t comma = std::min(value.find(',', start), value.size());
      if (comma > start) names.push_back(value.substr(start, comma - start));
      start = comma + 1;
    }
  }
  return names;
}

}  // namespace

int run_tokenize_build(const std::vector<std::string>& args) {
  pipeline::DatasetBuildOptions o;
  std::vector<std::string> splits;
  std::string separator = ",";
  CommonOptions common;
  auto options = option_group("Options");
  options.add_options()("task", po::value(&o.task)->value_name("TASK")->required(),
                        "translate, classify or text")(
      "data-dir,d", po::value(&o.data_dir)->value_name("DIR")->required(),
      "directory written by huiyan preprocess")("model,m", po::value(&o.model)->value_name("FILE"),
                                                "SentencePiece model for every side (joint)")(
      "src-model", po::value(&o.src_model)->value_name("FILE"),
      "translate: source-side model (with --tgt-model)")(
      "tgt-model", po::value(&o.tgt_model)->value_name("FILE"),
      "translate: target-side model (with --src-model)")(
      "splits", po::value(&splits)->value_name("LIST")->composing(),
      "splits to include, comma-separated (default: every <split> file in --data-dir)")(
      "sentences", po::bool_switch(&o.sentences),
      "classify/text: store each document as its ICU sentences (for hierarchical models)")(
      "sentence-locale", po::value(&o.sentence_locale)->value_name("LOCALE")->default_value(""),
      "ICU locale for sentence boundaries, e.g. en or de (default: root)")(
      "multi-label", po::bool_switch(&o.multi_label),
      "classify: a label line holds several labels")(
      "label-separator", po::value(&separator)->value_name("CHAR")->default_value(","),
      "classify: separator of multiple labels")(
      "output,o", po::value(&o.output)->value_name("FILE")->required(),
      "the dataset file to write (.h5)");
  options.add(common_options(common));
  po::variables_map values;
  if (!parse_options(
          args,
          "huiyan tokenize build --task translate|classify|text --data-dir DIR "
          "-m MODEL -o DATA.h5 [options]",
          "Encodes every split with SentencePiece and writes one HDF5 dataset (see it with "
          "h5ls -r DATA.h5):\n  /<split>/src/{ids,offsets}, /<split>/tgt/..., "
          "/<split>/labels, /<split>/doc_offsets, /label_names, /tokenizer/{src,tgt}.",
          options, values)) {
    return 0;
  }
  apply(common);
  if (separator.size() != 1) throw UsageError("--label-separator must be one character");
  o.label_separator = separator.front();
  o.splits = split_commas(splits);
  if (given(values, "splits") && o.splits.empty()) {
    throw UsageError("--splits needs split names, comma-separated (train,valid,test)");
  }
  const auto summary = pipeline::build_dataset(o);
  for (const auto& warning : summary.warnings) {
    std::cerr << "huiyan tokenize: warning: " << warning << "\n";
  }
  if (!common.quiet) std::cerr << summary.to_text() << "wrote " << o.output << "\n";
  return 0;
}

}  // namespace huiyan::cli
