// huiyan preprocess: options -> pipeline::preprocess.

#include "pipeline/preprocess.h"

#include <iostream>

#include "cli/command.h"
#include "io/descriptor_output.h"
#include "io/error.h"
#include "pipeline/preprocess_interactions.h"

namespace huiyan::cli {

namespace {

pipeline::CorpusFormat parse_format(const std::string& format) {
  if (format == "parallel") return pipeline::CorpusFormat::parallel;
  if (format == "labeled" || format == "labelled") return pipeline::CorpusFormat::labeled;
  if (format == "text") return pipeline::CorpusFormat::text;
  throw UsageError("--format must be parallel, labeled, text or interactions, got '" + format +
                   "'");
}

// The summary as JSON on stdout (--json) and as text on stderr (unless --quiet).
template <typename Summary>
void report(const Summary& summary, bool json, bool quiet) {
  if (json) {
    std::cout << summary.to_json().dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
              << "\n"
              << std::flush;
    io::check_stdout_written();
  }
  if (!quiet) std::cerr << summary.to_text();
  if constexpr (requires { summary.warnings; }) {
    for (const auto& warning : summary.warnings) {
      std::cerr << "huiyan preprocess: warning: " << warning << "\n";
    }
  }
}

}  // namespace

int run_preprocess(const std::vector<std::string>& args) {
  pipeline::PreprocessOptions o;
  std::string format;
  bool keep_br_tags = false;
  bool json = false;
  Count max_length;
  Count seed;
  CommonOptions common;
  pipeline::InteractionsOptions interactions;
  Count min_feature_count{2};

  auto input = option_group("Input");
  input.add_options()(
      "format", po::value(&format)->value_name("FORMAT")->required(),
      "parallel (two aligned files, or a TSV), labeled (TSV with label and text columns), "
      "text (one example a line) or interactions (user-item events for recommendation)")(
      "src", po::value(&o.src_path)->value_name("FILE"),
      "parallel: source-side file (plain or .gz)")(
      "tgt", po::value(&o.tgt_path)->value_name("FILE"),
      "parallel: target-side file, line i translating --src line i")(
      "input,i", po::value(&o.input_path)->value_name("FILE"),
      "the one input file (plain or .gz; - for stdin): a TSV for parallel and labeled")(
      "src-column", po::value(&o.src_column)->value_name("N")->default_value(1),
      "parallel TSV: source column (1-based)")(
      "tgt-column", po::value(&o.tgt_column)->value_name("N")->default_value(2),
      "parallel TSV: target column (1-based)")(
      "label-column", po::value(&o.label_column)->value_name("N")->default_value(1),
      "labeled: label column (1-based)")(
      "text-column", po::value(&o.text_column)->value_name("N")->default_value(2),
      "labeled: text column (1-based)")(
      "skip-invalid", po::bool_switch(&o.skip_invalid),
      "skip and count lines with invalid UTF-8 or missing columns (default: stop with an error)");

  auto recommend = option_group(
      "Interactions (--format interactions: 'user item [rating] [timestamp]' per line, '::', tab "
      "or space separated; writes DIR/data.h5 with SASRec's leave-one-out split)");
  recommend.add_options()("items", po::value(&interactions.items_path)->value_name("FILE"),
                          "item titles and genres: MovieLens u.item or movies.dat (Latin-1 is "
                          "converted), or a TSV id, title, genres")(
      "min-rating", po::value(&interactions.min_rating)->value_name("R")->default_value(0, "0"),
      "drop interactions rated below R (4-column input)")(
      "min-feature-count", po::value(&min_feature_count)->value_name("N")->default_value(Count{2}),
      "side information: drop title words seen on fewer than N items");

  auto cleaning = option_group("Cleaning and filters");
  cleaning.add_options()("lowercase", po::bool_switch(&o.normalize.lowercase),
                         "lower-case all text")(
      "keep-br-tags", po::bool_switch(&keep_br_tags),
      "keep HTML line breaks (<br />); by default they become spaces")(
      "keep-empty", po::bool_switch(&o.keep_empty), "keep examples whose text is empty")(
      "max-length", po::value(&max_length)->value_name("N")->default_value(Count{0}),
      "drop examples with more words than this on either side (0 = no limit)")(
      "max-length-ratio", po::value(&o.max_length_ratio)->value_name("R")->default_value(0),
      "parallel: drop pairs whose longer side has more than this times the words of the "
      "shorter (0 = no limit)")("dedup", po::bool_switch(&o.dedup),
                                "drop exact duplicates of an earlier example");

  auto output = option_group("Output");
  output.add_options()("out-dir,o", po::value(&o.out_dir)->value_name("DIR")->required(),
                       "directory for the split files and summary.json")(
      "split", po::value(&o.split)->value_name("NAME"),
      "the whole input is this split (e.g. train, valid, test); nothing is drawn at random")(
      "valid-size", po::value(&o.valid_size)->value_name("X")->default_value(0.05, "0.05"),
      "examples drawn for valid: a fraction if below 1, else a count")(
      "test-size", po::value(&o.test_size)->value_name("X")->default_value(0.05, "0.05"),
      "examples drawn for test: a fraction if below 1, else a count")(
      "seed", po::value(&seed)->value_name("N")->default_value(Count{1}),
      "seed of the random split")("json", po::bool_switch(&json),
                                  "print the summary as JSON on stdout");

  po::options_description all(kHelpWidth, kHelpWidth / 2);
  all.add(input).add(recommend).add(cleaning).add(output).add(common_options(common));
  po::variables_map values;
  if (!parse_options(args,
                     "huiyan preprocess --format parallel|labeled|text|interactions [options]",
                     "Normalizes raw text (NFKC, control characters removed, whitespace squeezed), "
                     "filters it and writes\n<split>.src/.tgt (parallel), <split>.txt/.label "
                     "(labeled) or <split>.txt (text) plus summary.json.\n\nExamples:\n"
                     "  huiyan preprocess --format parallel --src train.de.gz --tgt train.en.gz "
                     "--split train --out-dir data\n"
                     "  huiyan preprocess --format labeled --input train.tsv.gz --label-column 1 "
                     "--text-column 4 --test-size 0 --out-dir imdb\n"
                     "  huiyan preprocess --format interactions --input u.data --items u.item "
                     "--out-dir ml-100k",
                     all, values)) {
    return 0;
  }
  apply(common);
  if (given(values, "split") && values["split"].as<std::string>().empty()) {
    throw UsageError("--split needs a name (train, valid, test, ...)");
  }
  // An option the format does not read is a mistake (expecting a split the leave-one-out split
  // does not make, say), not a no-op.
  const auto refuse = [&](std::initializer_list<const char*> names, const std::string& why) {
    refuse_given(values, names, why);
  };
  if (format == "interactions") {
    refuse({"split", "valid-size", "test-size", "seed"},
           "is not for --format interactions (each user's last item is test and the one before "
           "it valid)");
    refuse({"src", "tgt", "src-column", "tgt-column", "label-column", "text-column", "skip-invalid",
            "lowercase", "keep-br-tags", "keep-empty", "max-length", "max-length-ratio", "dedup"},
           "is not for --format interactions (user-item events, not text)");
    if (interactions.items_path.empty()) {
      refuse({"min-feature-count"}, "is for the item features of --items FILE");
    }
  } else {
    o.format = parse_format(format);
    refuse({"items", "min-rating", "min-feature-count"}, "is for --format interactions");
    if (o.format != pipeline::CorpusFormat::parallel) {
      refuse({"src", "tgt", "src-column", "tgt-column", "max-length-ratio"},
             "is for --format parallel");
    } else if (!o.src_path.empty()) {
      refuse({"src-column", "tgt-column"}, "picks a column of a TSV --input, not of --src/--tgt");
    }
    if (o.format != pipeline::CorpusFormat::labeled) {
      refuse({"label-column", "text-column"}, "is for --format labeled");
    }
  }
  if (format == "interactions") {
    interactions.input_path = o.input_path;
    interactions.out_dir = o.out_dir;
    interactions.min_feature_count = min_feature_count.value;
    report(pipeline::preprocess_interactions(interactions), json, common.quiet);
    return 0;
  }
  o.format = parse_format(format);
  if (!o.split.empty()) {
    for (const char* name : {"valid-size", "test-size"}) {
      if (!values[name].defaulted()) {
        throw UsageError(std::string("--") + name + " splits the input at random; --split " +
                         o.split + " writes all of it as one split: give one or the other");
      }
    }
  }
  o.normalize.strip_line_break_tags = !keep_br_tags;
  o.progress = !common.quiet;
  o.max_length = max_length.value;
  o.seed = seed.value;

  report(pipeline::preprocess(o), json, common.quiet);
  return 0;
}

}  // namespace huiyan::cli
