// A run checkpointed part-way, destroyed, and resumed from the file in a new
// process state reproduces the uninterrupted run with the same seed exactly.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <cmath>

#include "elbo/core/error.hpp"
#include "elbo/family/make_family.hpp"
#include "elbo/infer/svi.hpp"
#include "elbo/io/checksummed_file.hpp"
#include "elbo/model/model_density.hpp"
#include "elbo/objective/reparam_elbo.hpp"
#include "infer/gaussian_targets.hpp"

namespace elbo::infer {
namespace {

struct Run {
  std::shared_ptr<model::ModelDensity> density;
  family::FamilyPtr q;
  std::unique_ptr<Svi> svi;
};

Run make_run(const std::string& family, int64_t max_iterations, const std::string& checkpoint,
             const std::string& optimizer_method) {
  auto model = std::make_shared<testing::KnownSigmaRegression>(testing::correlated_regression());
  Run run;
  run.density = std::make_shared<model::ModelDensity>(model);
  run.q = family::make_family(family, run.density->dim(), 11);
  SviOptions o;
  o.max_iterations = max_iterations;
  o.eval_every = 50;
  o.tol_rel_obj = 1e-12;
  o.average_iterates = true;
  o.batch_size = 10;  // minibatches: the data subsampling RNG must be restored too
  o.seed = 99;
  o.checkpoint_path = checkpoint;
  o.checkpoint_every = 150;
  optim::OptimizerOptions opt;
  opt.method = optimizer_method;
  opt.eta = optimizer_method == "stan" ? 0.1 : 0.05;
  auto objective = std::make_shared<objective::ReparamElbo>(objective::ReparamElboOptions().num_draws(3));
  run.svi = std::make_unique<Svi>(run.density, run.q, objective, opt, o);
  return run;
}

class CheckpointResume : public ::testing::TestWithParam<std::pair<std::string, std::string>> {};

TEST_P(CheckpointResume, ReproducesUninterruptedRun) {
  const auto [family, method] = GetParam();
  auto dir = std::filesystem::temp_directory_path() /
             ("elbo_ckpt_" + family + method + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string ckpt = (dir / "state.pt").string();

  auto full = make_run(family, 1000, "", method);
  auto full_result = full.svi->run();

  // Killed at step 470: the last checkpoint on disk is from step 450.
  {
    struct Killed {};
    auto first = make_run(family, 1000, ckpt, method);
    EXPECT_THROW(first.svi->run([](const SviProgress& p) {
                   if (p.iteration == 470) throw Killed{};
                 }),
                 Killed);
  }
  // Resumed in a fresh object with the full iteration budget.
  auto second = make_run(family, 1000, ckpt, method);
  second.svi->resume();
  auto resumed = second.svi->run();

  EXPECT_TRUE(resumed.resumed);
  EXPECT_EQ(resumed.iterations, full_result.iterations);
  ASSERT_EQ(resumed.trace.size(), full_result.trace.size());
  for (size_t i = 0; i < resumed.trace.size(); ++i) {
    EXPECT_EQ(resumed.trace[i].elbo, full_result.trace[i].elbo) << "trace point " << i;
  }
  auto a = full.q->parameters(), b = second.q->parameters();
  for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(torch::equal(a[i], b[i])) << "parameter " << i;
  std::filesystem::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Families, CheckpointResume,
                         ::testing::Values(std::make_pair(std::string("fullrank"), std::string("adam")),
                                           std::make_pair(std::string("meanfield"), std::string("stan")),
                                           std::make_pair(std::string("lowrank:2"), std::string("rmsprop"))));

TEST(CheckpointResume, RejectsMissingCorruptAndMismatchedFiles) {
  auto dir = std::filesystem::temp_directory_path() / ("elbo_ckpt_bad" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string ckpt = (dir / "state.pt").string();
  auto run = make_run("fullrank", 10, ckpt, "adam");
  EXPECT_THROW(run.svi->resume(), InputError);  // missing
  { std::ofstream(ckpt) << "not a checkpoint"; }
  EXPECT_THROW(run.svi->resume(), InputError);  // corrupt
  auto other = make_run("meanfield", 200, ckpt, "adam");
  other.svi->run();                              // writes a meanfield checkpoint at step 150
  try {
    run.svi->resume();
    ADD_FAILURE() << "a meanfield checkpoint was resumed by a fullrank run";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("checkpoint is for 'meanfield"), std::string::npos) << e.what();
  }
  // One flipped byte anywhere, or a truncated copy, is refused (the checksum);
  // the intact file still resumes.
  std::string bytes;
  {
    std::ifstream in(ckpt, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  auto other_again = make_run("meanfield", 200, ckpt, "adam");
  EXPECT_NO_THROW(other_again.svi->resume());
  for (const size_t at : {bytes.size() / 3, bytes.size() / 2, bytes.size() - 1}) {
    std::string flipped = bytes;
    flipped[at] = static_cast<char>(~flipped[at]);
    { std::ofstream(ckpt, std::ios::binary) << flipped; }
    try {
      other_again.svi->resume();
      ADD_FAILURE() << "a checkpoint with byte " << at << " flipped was resumed";
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find("corrupt"), std::string::npos) << e.what();
    }
  }
  { std::ofstream(ckpt, std::ios::binary) << bytes.substr(0, bytes.size() / 2); }
  EXPECT_THROW(other_again.svi->resume(), InputError);  // truncated
  std::filesystem::remove_all(dir);
}

// A copy of `in` with `replace` (a key -> tensor) substituted, nested archives kept.
void copy_archive(torch::serialize::InputArchive& in, torch::serialize::OutputArchive& out,
                  const std::string& key_to_replace, const at::Tensor& replacement) {
  for (const auto& key : in.keys()) {
    at::Tensor t;
    c10::IValue value;
    torch::serialize::InputArchive nested;
    if (key == key_to_replace) {
      out.write(key, replacement);
    } else if (in.try_read(key, nested)) {
      torch::serialize::OutputArchive nested_out;
      copy_archive(nested, nested_out, key_to_replace, replacement);
      out.write(key, nested_out);
    } else if (in.try_read(key, t)) {
      out.write(key, t);
    } else if (in.try_read(key, value)) {
      out.write(key, value);  // the optimizer's version numbers and step counts
    }
  }
}

// Files that pass the checksum but were not written by this elbo (another version,
// a bug, a forgery): each field's dtype, shape and range is checked, so the resume
// is one InputError naming the field, never an out-of-bounds read or a later crash.
TEST(CheckpointResume, RejectsWellFormedCheckpointsWithInvalidFields) {
  auto dir = std::filesystem::temp_directory_path() / ("elbo_ckpt_forged" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string ckpt = (dir / "state.pt").string();
  make_run("meanfield", 200, ckpt, "adam").svi->run();  // a checkpoint at step 150
  const std::string payload = io::read_checksummed_file(ckpt, "svi-checkpoint");
  const std::string forged_path = (dir / "forged.pt").string();
  auto forged_error = [&](const std::string& key, const at::Tensor& value) {
    torch::serialize::InputArchive in;
    in.load_from(payload.data(), payload.size());
    torch::serialize::OutputArchive out;
    copy_archive(in, out, key, value);
    std::ostringstream bytes;
    out.save_to(bytes);
    io::write_checksummed_file(forged_path, "svi-checkpoint", bytes.str());
    auto run = make_run("meanfield", 200, forged_path, "adam");
    try {
      run.svi->resume();
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("resumed");
  };
  // The intact payload, rewritten by the copier, still resumes.
  EXPECT_EQ(forged_error("", at::Tensor()), "resumed");
  const auto opts = torch::kDouble;
  EXPECT_NE(forged_error("counters", torch::tensor({150, -1, -1}, torch::kLong)).find("field 'counters': has dtype"),
            std::string::npos);
  EXPECT_NE(forged_error("counters", torch::tensor({-5, -1, -1, 0, 0, 0, 0, 0}, torch::kLong))
                .find("field 'counters': holds a negative step"),
            std::string::npos);
  EXPECT_NE(forged_error("trace", torch::zeros({4}, opts)).find("field 'trace'"), std::string::npos);
  EXPECT_NE(forged_error("rel_window", torch::zeros({2, 2}, torch::kFloat)).find("field 'rel_window'"),
            std::string::npos);
  EXPECT_NE(forged_error("divergence", torch::tensor({0.0, -0.1, 0.0, 0.0, 0.0}, opts)).find("field 'divergence'"),
            std::string::npos);
  EXPECT_NE(forged_error("divergence", torch::tensor({0.0, 0.1, 0.0, 0.0, 1e18}, opts)).find("field 'divergence'"),
            std::string::npos);
  EXPECT_NE(forged_error("restarts", torch::zeros({1, 2}, opts)).find("field 'restarts'"), std::string::npos);
  // A family parameter of another shape, or NaN.
  torch::serialize::InputArchive in;
  in.load_from(payload.data(), payload.size());
  torch::serialize::InputArchive family;
  in.read("family", family);
  std::string param;
  at::Tensor original;
  for (const auto& key : family.keys()) {
    if (family.try_read(key, original)) {
      param = key;
      break;
    }
  }
  ASSERT_FALSE(param.empty());
  EXPECT_NE(forged_error(param, torch::zeros({7}, opts)).find("field 'family'"), std::string::npos);
  EXPECT_NE(forged_error(param, torch::full_like(original, std::nan(""))).find("field 'family'"), std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace elbo::infer
