#include "pipeline/classify.h"

#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <sstream>

#include "io/error.h"
#include "pipeline/classify_eval.h"
#include "pipeline/explain_html.h"
#include "tests/pipeline/classify_fixture.h"

namespace huiyan::pipeline {
namespace {

using huiyan::testing::TempDir;

// One trained model per architecture for the whole suite: training is the slow part.
class Trained : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::make_unique<TempDir>();
    data_ = testing::sentiment_dataset(*dir_);
    for (const std::string arch : {"han", "selfattn"})
      train_classify(testing::tiny_training(data_, *dir_ / (arch + ".h5"), arch));
  }
  static void TearDownTestSuite() { dir_.reset(); }
  static std::string model(const std::string& arch) { return *dir_ / (arch + ".h5"); }

  // classify_stream over `input`; warnings collected.
  static std::vector<std::string> run(const std::string& arch, const std::string& input,
                                      ClassifyOptions o, std::vector<std::string>* warnings) {
    const std::string path = *dir_ / "input.txt";
    std::ofstream(path, std::ios::binary) << input;
    ClassifierFile m = load_classifier(model(arch));
    o.warn = [&](const std::string& w) { warnings->push_back(w); };
    io::LineReader in(path);
    std::ostringstream out;
    classify_stream(m, in, out, o);
    std::vector<std::string> lines;
    std::istringstream split(out.str());
    for (std::string line; std::getline(split, line);) lines.push_back(line);
    return lines;
  }

  static std::unique_ptr<TempDir> dir_;
  static std::string data_;
};
std::unique_ptr<TempDir> Trained::dir_;
std::string Trained::data_;

TEST_F(Trained, OneLabelAndProbabilityPerLine) {
  std::vector<std::string> warnings;
  const auto lines =
      run("selfattn", "A great film.\nThe plot was awful. We saw it.\n", {}, &warnings);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].substr(0, 4), "pos\t");
  EXPECT_EQ(lines[1].substr(0, 4), "neg\t");
  const float p = std::stof(lines[0].substr(4));
  EXPECT_GT(p, 0.5f);
  EXPECT_LE(p, 1.0f);
  EXPECT_TRUE(warnings.empty());
}

TEST_F(Trained, BadLinesWarnAndKeepTheirPlace) {
  std::vector<std::string> warnings;
  std::string huge;
  while (huge.size() < (1u << 20)) huge += "the film was quite long and very boring. ";
  const std::string input = "\n" + std::string("bad \xff\xfe utf8") + "\n" + huge + "\nGreat.\n";
  for (const std::string arch : {"han", "selfattn"}) {
    warnings.clear();
    const auto lines = run(arch, input, {}, &warnings);
    ASSERT_EQ(lines.size(), 4u) << arch;
    EXPECT_EQ(lines[0], "");
    EXPECT_EQ(lines[1], "");
    EXPECT_EQ(lines[2].substr(0, 4), "neg\t");  // the 1 MB line is read in part, not dropped
    EXPECT_EQ(lines[3].substr(0, 4), "pos\t");
    ASSERT_EQ(warnings.size(), 3u) << arch;
    EXPECT_NE(warnings[0].find("line 1: no text"), std::string::npos) << warnings[0];
    EXPECT_NE(warnings[1].find("line 2: invalid UTF-8"), std::string::npos) << warnings[1];
    EXPECT_NE(warnings[2].find("line 3:"), std::string::npos) << warnings[2];
    EXPECT_NE(warnings[2].find("tokens: the model reads"), std::string::npos) << warnings[2];
  }
}

TEST_F(Trained, JsonExplainWeightsSumToOne) {
  for (const std::string arch : {"han", "selfattn"}) {
    ClassifyOptions o;
    o.json = true;
    o.explain = true;
    std::vector<std::string> warnings;
    const auto lines =
        run(arch, "The music was great. My friend saw it. It was a long night.\n", o, &warnings);
    ASSERT_EQ(lines.size(), 1u);
    const auto j = nlohmann::json::parse(lines[0]);
    EXPECT_EQ(j["label"], "pos");
    EXPECT_NEAR(j["probabilities"]["pos"].get<double>() + j["probabilities"]["neg"].get<double>(),
                1.0, 1e-5);
    double total = 0;
    std::string heaviest;
    double most = -1;
    for (const auto& w : j["attention"]["words"]) {
      total += w[1].get<double>();
      if (w[1].get<double>() > most) most = w[1].get<double>(), heaviest = w[0];
    }
    EXPECT_NEAR(total, 1.0, 1e-4) << arch;
    EXPECT_EQ(j["attention"]["words"].size(), 13u) << arch;
    if (arch == "han") {
      ASSERT_EQ(j["attention"]["sentences"].size(), 3u);
      double sentences = 0;
      for (const auto& s : j["attention"]["sentences"]) sentences += s.get<double>();
      EXPECT_NEAR(sentences, 1.0, 1e-5);
    }
  }
}

TEST_F(Trained, TopKAndTsvInput) {
  ClassifyOptions o;
  o.top_k = 2;
  o.input_format = "tsv";
  o.text_column = 2;
  std::vector<std::string> warnings;
  const auto lines = run("selfattn", "7\tAn awful story.\nonly one column\n", o, &warnings);
  ASSERT_EQ(lines.size(), 2u);
  std::vector<std::string> fields;
  std::istringstream split(lines[0]);
  for (std::string f; std::getline(split, f, '\t');) fields.push_back(f);
  ASSERT_EQ(fields.size(), 4u);
  EXPECT_EQ(fields[0], "neg");
  EXPECT_EQ(fields[2], "pos");
  EXPECT_GE(std::stof(fields[1]), std::stof(fields[3]));
  EXPECT_EQ(lines[1], "");
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("no column 2"), std::string::npos);
}

TEST_F(Trained, ExplainHtmlEscapesAndShadesWords) {
  ClassifierFile m = load_classifier(model("han"));
  SentenceSplitter splitter;
  const auto encoded = encode_text(m, splitter, "A great film. It was long.");
  DocumentView doc;
  for (const auto& s : encoded) doc.emplace_back(s);
  const auto p = predict(*m.model, {doc}, true);
  ExplainHtml page;
  page.add(1, "pos", p[0].probabilities[1], explain(m, p[0], doc));
  const std::string html = page.page();
  EXPECT_NE(html.find(">great</span>"), std::string::npos);
  EXPECT_EQ(html_escape("<a & \"b\">"), "&lt;a &amp; &quot;b&quot;&gt;");
  EXPECT_NE(html.find("rgba(220,40,40,1.000)"), std::string::npos);  // the heaviest word
  EXPECT_NE(html.find("class=s"), std::string::npos);                // HAN sentence bars
}

TEST_F(Trained, EvaluatesALabelledTsv) {
  const std::string tsv = *dir_ / "test.tsv";
  {
    std::ofstream out(tsv);
    nn::Random rng(9);
    for (int i = 0; i < 40; ++i) {
      const auto [text, label] = testing::synthetic_document(rng, false);
      out << label << "\t" << text << "\n";
    }
  }
  ClassifierFile m = load_classifier(model("selfattn"));
  LabeledTsvOptions o;
  const ClassifyEvaluation e = evaluate_labeled_tsv(m, tsv, o);
  EXPECT_EQ(e.metrics.examples, 40);
  EXPECT_GE(e.metrics.accuracy, 0.85);
  std::ofstream(tsv, std::ios::app) << "meh\tA film.\n";
  try {
    evaluate_labeled_tsv(m, tsv, o);
    FAIL() << "an unknown gold label must be an error";
  } catch (const io::DataError& error) {
    EXPECT_NE(std::string(error.what()).find("line 41: label 'meh'"), std::string::npos)
        << error.what();
  }
  // A model from before labels lost their invisible marks may hold two that are now one: scoring
  // one class for the other would be silently wrong.
  m.labels[1] = m.labels[0] + "\u200E";
  try {
    evaluate_labeled_tsv(m, tsv, o);
    FAIL() << "labels that clean to one must be an error";
  } catch (const io::DataError& error) {
    EXPECT_NE(std::string(error.what()).find("are one label once cleaned"), std::string::npos)
        << error.what();
  }
}

TEST(ClassifyModel, LongDocumentsAreReadAtTheirHeadAndTail) {
  nn::ClassifierConfig c;
  c.arch = "selfattn";
  c.max_tokens = 8;
  std::vector<int32_t> first(6), second(6);
  for (int i = 0; i < 6; ++i) first[i] = 10 + i, second[i] = 20 + i;
  const DocumentView doc = {first, second};
  EXPECT_EQ(document_shape(c, doc).width, 8);
  EXPECT_EQ(document_shape(c, doc).height, 1);
  nn::Graph graph;
  std::vector<std::vector<std::vector<TokenOrigin>>> kept;
  const nn::ClassifierInput in = classifier_input(graph, c, {doc}, &kept);
  const std::vector<int32_t> tokens(in.tokens.data, in.tokens.data + in.tokens.numel());
  // The first quarter (2 tokens) and the last three quarters (6 tokens).
  EXPECT_EQ(tokens, (std::vector<int32_t>{10, 11, 20, 21, 22, 23, 24, 25}));
  ASSERT_EQ(kept[0].size(), 1u);
  EXPECT_EQ(kept[0][0][2].sentence, 1);
  EXPECT_EQ(kept[0][0][2].token, 0);

  c.arch = "han";
  c.max_tokens = 4;
  c.max_sentences = 1;
  const nn::ClassifierInput nested = classifier_input(graph, c, {doc, {second}});
  EXPECT_EQ(nested.tokens.shape, (nn::Shape{2, 4}));
  EXPECT_EQ(nested.sentences.data[0], 1);
  EXPECT_EQ(nested.tokens.data[4], 20);
}

}  // namespace
}  // namespace huiyan::pipeline
