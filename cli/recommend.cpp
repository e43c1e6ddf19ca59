// huiyan recommend: options -> pipeline::recommend_stream.

#include "pipeline/recommend.h"

#include <iostream>

#include "cli/command.h"
#include "io/descriptor_output.h"
#include "io/line_reader.h"

namespace huiyan::cli {

int run_recommend(const std::vector<std::string>& args) {
  std::string model_path, input = "-";
  pipeline::RecommendOptions o;
  Count batch{1024};
  CommonOptions common;
  auto options = option_group("Recommend");
  options.add_options()("model,m", po::value(&model_path)->value_name("FILE")->required(),
                        "model file made by huiyan train --task recommend")(
      "input,i", po::value(&input)->value_name("FILE")->default_value("-"),
      "histories, one per line (- for stdin)")(
      "k,k", po::value(&o.k)->value_name("K")->default_value(10), "items per line")(
      "exclude-seen", po::bool_switch(&o.exclude_seen), "never recommend an item of the history")(
      "by-title", po::bool_switch(&o.by_title),
      "histories and recommendations as item titles (tab-separated) instead of ids")(
      "json", po::bool_switch(&o.json),
      "one JSON object per line: {\"items\": [{\"item\", \"title\", \"score\"}, ...]}")(
      "batch", po::value(&batch)->value_name("N")->default_value(Count{1024}),
      "histories scored together");
  options.add(common_options(common, true));
  po::variables_map values;
  if (!parse_options(args,
                     "huiyan recommend -m MODEL.h5 [-k K] [--exclude-seen] [--json] < histories",
                     "Reads one history per line (item ids, oldest first, separated by spaces or "
                     "commas) and prints the k best next items as 'ITEM SCORE' entries separated "
                     "by tabs, best first.\nUnknown items are skipped with a warning; a line with "
                     "no known item gives an empty line.",
                     options, values)) {
    return 0;
  }
  apply(common);
  if (o.k <= 0) throw UsageError("-k must be > 0");
  if (batch.value == 0) throw UsageError("--batch must be > 0");
  o.batch = batch.value;
  if (!common.quiet) {
    o.warn = [](const std::string& message) {
      std::cerr << "huiyan recommend: warning: " << message << "\n";
    };
  }
  pipeline::RecommenderFile model = pipeline::load_recommender(model_path);
  io::LineReader reader(input);
  pipeline::recommend_stream(model, reader, std::cout, o);
  io::check_stdout_written();
  return 0;
}

}  // namespace huiyan::cli
