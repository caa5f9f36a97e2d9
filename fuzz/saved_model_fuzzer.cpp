// libFuzzer harness: `elbo predict --model DIR` on a fuzzed DIR/model.json of
// the torch-free kinds (lda, gmm, gp), each predicting for a small fixed data
// file. Every field must be checked on load (cli/saved_fields.hpp).
#include <nlohmann/json.hpp>

#include "fuzz_support.hpp"
#include "predict.hpp"
#include "saved_model.hpp"

namespace {

struct Files {
  std::string dir, ldac, text, uci, points, gp;
};

const Files& files() {
  static const Files f = [] {
    namespace fz = elbo::fuzz;
    Files out;
    out.dir = fz::scratch_dir().string();
    // LDA's topic-word pseudo-counts for K = 2 topics over V = 6 words.
    fz::write_scratch("topic_word_counts.csv",
                      "word_0,word_1,word_2,word_3,word_4,word_5\n1,2,3,1,1,1\n3,1,1,2,1,0.5\n");
    out.ldac = fz::write_scratch("docs.dat", "2 0:1 3:2\n1 5:4\n3 1:1 2:1 4:7\n");
    out.text = fz::write_scratch("docs.txt", "apple banana cherry\n\nbanana date elder fig\n");
    out.uci = fz::write_scratch("docword.txt", "2\n6\n3\n1 1 2\n2 3 1\n2 6 5\n");
    out.points = fz::write_scratch("points.csv", "x,y\n0.5,1\n-1,2\n3,0\n");
    out.gp = fz::write_scratch("gp.csv", "x1,x2,y\n0.1,0.2,1\n0.3,-1,0\n2,1,1\n");
    return out;
  }();
  return f;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Files& f = files();
  // Only model.json is fuzzed: the files it names stay the fixed ones above.
  const auto json = nlohmann::json::parse(elbo::fuzz::bytes_of(data, size), nullptr, false);
  if (json.is_object() && json.contains("topic_word_counts") &&
      json["topic_word_counts"] != nlohmann::json("topic_word_counts.csv")) {
    return 0;
  }
  elbo::fuzz::write_scratch("model.json", elbo::fuzz::bytes_of(data, size));
  return elbo::fuzz::accept_clean_errors([&] {
    const nlohmann::json saved = elbo_cli::read_saved_model(f.dir);
    const std::string model = saved.at("model").get<std::string>();
    elbo_cli::PredictArgs args;
    args.model_dir = f.dir;
    args.output = (elbo::fuzz::scratch_dir() / "predictions.csv").string();
    args.quiet = true;
    args.threads = 1;
    if (model == "lda") {
      const auto format = saved.contains("corpus_format") ? saved["corpus_format"] : nlohmann::json();
      args.data = format == "text" ? f.text : format == "uci" ? f.uci : f.ldac;
      elbo_cli::predict_lda(saved, args);
    } else if (model == "gmm") {
      args.data = f.points;
      elbo_cli::predict_gmm(saved, args);
    } else if (model == "gp") {
      args.data = f.gp;
      elbo_cli::predict_gp(saved, args);
    }
  });
}
