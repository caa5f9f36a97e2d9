// Natural-gradient SVI checkpoints that pass the checksum but hold invalid
// fields (another version, a bug, a hand edit): each is refused with the field
// named, never resumed into a state that later crashes or silently misfits.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <functional>
#include <limits>
#include <string>

#include "elbo/conjugate/lda.hpp"
#include "elbo/conjugate/natural_svi.hpp"
#include "elbo/core/error.hpp"
#include "elbo/io/checksummed_file.hpp"
#include "synthetic_corpus.hpp"

namespace elbo::conjugate {
namespace {

constexpr const char* kKind = "natural-svi-checkpoint";

class NaturalSviCheckpoint : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (std::filesystem::temp_directory_path() / ("elbo_nsvi_ckpt_" + std::to_string(::getpid()))).string();
    Lda model = make_model();
    NaturalSvi svi(model, options());
    for (int t = 0; t < 5; ++t) svi.step();
    svi.save_checkpoint(path_);
    saved_ = nlohmann::json::parse(io::read_checksummed_file(path_, kKind));
  }
  void TearDown() override { std::remove(path_.c_str()); }

  static Lda make_model() {
    Lda model(testing::draw_corpus(3, 20, 40, 30, 0.5, 7).corpus, LdaOptions().num_topics(3).threads(1));
    Rng rng(3);
    model.initialize(rng);
    return model;
  }
  static NaturalSviOptions options() { return NaturalSviOptions().batch_size(8).max_steps(20).seed(5); }

  // Resumes from the saved checkpoint after `edit`; the error message, or "resumed".
  std::string resume_after(const std::function<void(nlohmann::json&)>& edit) {
    nlohmann::json j = saved_;
    edit(j);
    io::write_checksummed_file(path_, kKind, j.dump());
    Lda model = make_model();
    NaturalSvi svi(model, options());
    try {
      svi.resume(path_);
      svi.step();
    } catch (const InputError& e) {
      return e.what();
    }
    return "resumed";
  }

  std::string path_;
  nlohmann::json saved_;
};

TEST_F(NaturalSviCheckpoint, IntactResumes) { EXPECT_EQ(resume_after([](nlohmann::json&) {}), "resumed"); }

TEST_F(NaturalSviCheckpoint, InvalidFieldsAreNamed) {
  auto refused = [&](const std::function<void(nlohmann::json&)>& edit, const std::string& field) {
    const std::string what = resume_after(edit);
    EXPECT_NE(what.find("field '" + field + "'"), std::string::npos) << what;
  };
  refused([](auto& j) { j["batch_size"] = 0; }, "batch_size");
  refused([](auto& j) { j["batch_size"] = -4; }, "batch_size");
  refused([](auto& j) { j["batch_size"] = 1000000; }, "batch_size");
  refused([](auto& j) { j["step"] = -1; }, "step");
  refused([](auto& j) { j["stream_position"] = -8; }, "stream_position");
  refused([](auto& j) { j["epoch_position"] = -1; }, "epoch_position");
  refused([](auto& j) { j["epoch_position"] = 41; }, "epoch_position");
  refused([](auto& j) { j["epoch_order"] = {0, 1, 2}; }, "epoch_order");
  refused([](auto& j) { j["epoch_order"][0] = 40; }, "epoch_order");
  refused([](auto& j) { j["lambda"][4] = -0.5; }, "lambda");
  refused([](auto& j) { j["lambda"][4] = 0.0; }, "lambda");
  refused([](auto& j) { j["lambda"].erase(0); }, "lambda");
  refused([](auto& j) { j["num_data"] = 39; }, "num_data");
  refused([](auto& j) { j["model"] = "bayes_gmm"; }, "model");
  refused([](auto& j) { j["adaptive"]["gbar"] = {1.0, 2.0}; }, "adaptive");
  refused([](auto& j) { j["adaptive"]["tau"] = -1.0; }, "adaptive");
  refused([](auto& j) { j["rng"] = "not a state"; }, "rng");
  // A mistyped field: one line naming the file, not a JSON library exception.
  const std::string mistyped = resume_after([](auto& j) { j["step"] = "five"; });
  EXPECT_NE(mistyped.find(path_), std::string::npos) << mistyped;
  EXPECT_NE(mistyped.find("field 'step'"), std::string::npos) << mistyped;
  // A float where an integer belongs (nlohmann would cast 1e300 unchecked), and a
  // step count the next steps would overflow.
  refused([](auto& j) { j["step"] = 1e300; }, "step");
  refused([](auto& j) { j["num_data"] = 2.5; }, "num_data");
  refused([](auto& j) { j["step"] = uint64_t{1} << 62; }, "step");
  refused([](auto& j) { j["epoch_order"] = {0.5, 1.0}; }, "epoch_order");
}

}  // namespace
}  // namespace elbo::conjugate
