// huiyan tokenize train: options -> pipeline::train_subword_model.

#include <omp.h>

#include <iostream>

#include "cli/command.h"
#include "cli/tokenize_actions.h"
#include "pipeline/subword_trainer.h"

namespace huiyan::cli {

int run_tokenize_train(const std::vector<std::string>& args) {
  pipeline::SubwordTrainOptions o;
  CommonOptions common;
  Count max_sentences;
  Count max_sentence_bytes;
  Count seed;
  auto options = option_group("Options");
  options.add_options()(
      "input,i", po::value(&o.inputs)->value_name("FILE")->required()->composing(),
      "cleaned text file (plain or .gz), one sentence or document a line; repeat for several "
      "files (both sides of a parallel corpus give a joint model)")(
      "output,o", po::value(&o.output)->value_name("FILE")->required(),
      "the model file to write (NAME.model; NAME.vocab is written beside it)")(
      "vocab-size", po::value(&o.vocab_size)->value_name("N")->default_value(8000),
      "pieces in the vocabulary, special ids included")(
      "model-type", po::value(&o.model_type)->value_name("TYPE")->default_value("unigram"),
      "unigram or bpe")(
      "character-coverage",
      po::value(&o.character_coverage)->value_name("X")->default_value(0.9995, "0.9995"),
      "share of characters the vocabulary covers (1.0 for small alphabets)")(
      "split-sentences", po::bool_switch(&o.split_sentences),
      "train on the ICU sentences of each line (for documents)")(
      "max-sentences", po::value(&max_sentences)->value_name("N")->default_value(Count{2'000'000}),
      "train on a seeded random sample of at most this many sentences")(
      "max-sentence-bytes",
      po::value(&max_sentence_bytes)->value_name("N")->default_value(Count{16384}),
      "longer sentences are left out of training")(
      "byte-fallback", po::bool_switch(&o.byte_fallback),
      "spell unknown characters as UTF-8 byte pieces instead of <unk>")(
      "seed", po::value(&seed)->value_name("N")->default_value(Count{1}),
      "seed of the sample and of SentencePiece")("verbose", po::bool_switch(&o.verbose),
                                                 "show SentencePiece's own log");
  options.add(common_options(common));
  po::variables_map values;
  if (!parse_options(args, "huiyan tokenize train -i FILE [-i FILE ...] -o NAME.model [options]",
                     "Trains a SentencePiece model. Special ids: pad 0, unk 1, bos 2, eos 3.\n"
                     "The model depends on the seed and on the thread count (SentencePiece's own\n"
                     "training is multi-threaded): give --threads to reproduce a model elsewhere.",
                     options, values)) {
    return 0;
  }
  apply(common);
  o.threads = omp_get_max_threads();
  o.max_sentences = max_sentences.value;
  o.max_sentence_bytes = max_sentence_bytes.value;
  o.seed = seed.value;
  if (o.max_sentence_bytes < 10 || o.max_sentence_bytes > (1u << 30)) {
    throw UsageError("--max-sentence-bytes must be between 10 and 2^30 (SentencePiece's limits)");
  }
  if (!common.quiet) o.log = [](const std::string& message) { std::cerr << message << "\n"; };
  const auto summary = pipeline::train_subword_model(o);
  if (!common.quiet) {
    std::cerr << "wrote " << o.output << " (" << summary.vocab_size << " pieces) in "
              << summary.seconds << " s\n";
  }
  return 0;
}

}  // namespace huiyan::cli
