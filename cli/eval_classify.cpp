// huiyan eval --task classify: classifies a labelled TSV with a model and prints accuracy,
// macro-F1, per-class precision/recall and the confusion matrix (multi-label: micro/macro F1).

#include "cli/eval_classify.h"

#include <iostream>

#include "io/counted.h"
#include "io/descriptor_output.h"

namespace huiyan::cli {

int run_classify_eval(const ClassifyEvalArgs& a) {
  if (a.model.empty() || a.input.empty())
    throw UsageError("--task classify needs -m MODEL and --input TSV");
  if (a.tsv.label_column < 1 || a.tsv.text_column < 1)
    throw UsageError("--label-column and --text-column are 1-based");
  pipeline::LabeledTsvOptions tsv = a.tsv;
  if (!a.quiet) {
    tsv.warn = [](const std::string& message) {
      std::cerr << "huiyan eval: warning: " << message << "\n";
    };
  }
  pipeline::ClassifierFile model = pipeline::load_classifier(a.model);
  const pipeline::ClassifyEvaluation e = pipeline::evaluate_labeled_tsv(model, a.input, tsv);
  if (a.json) {
    nlohmann::json j = e.metrics.to_json();
    j["model"] = a.model;
    j["input"] = a.input;
    j["skipped"] = e.skipped;
    j["seconds"] = e.seconds;
    std::cout << j.dump() << "\n" << std::flush;
  } else {
    std::cout << a.model << " on " << a.input
              << (e.skipped
                      ? " (" + io::counted(static_cast<int64_t>(e.skipped), "line") + " left out)"
                      : "")
              << "\n"
              << e.metrics.to_text() << std::flush;
  }
  io::check_stdout_written();
  return 0;
}

}  // namespace huiyan::cli
