// `elbo eval vae`: importance-sampled test log-likelihood of a trained VAE
// (Burda et al. 2016, §5.2: K = 5000) with its standard error over test images,
// the active-units statistic, and PNG grids for the test images.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>

#include "commands.hpp"
#include "option_validators.hpp"
#include "elbo/core/threads.hpp"
#include "elbo/amortized/evaluate.hpp"
#include "elbo/amortized/image_data.hpp"
#include "elbo/amortized/vae.hpp"
#include "elbo/amortized/vae_outputs.hpp"
#include "elbo/core/error.hpp"
#include "elbo/core/random.hpp"
#include "elbo/io/json_writer.hpp"
#include "elbo/io/progress_bar.hpp"

namespace elbo_cli {

namespace {

namespace am = elbo::amortized;

struct EvalVaeArgs {
  std::string model, data, binarize, output;
  int64_t k = 5000, chunk = 500, batch = 100, last = 0;
  uint64_t seed = 1;
  int threads = 0;
  bool no_progress = false, quiet = false;
};

void run_eval_vae(const EvalVaeArgs& a) {
  if (a.k < 1 || a.chunk < 1 || a.batch < 1 || a.last < 0 || a.threads < 0) {
    throw elbo::ConfigError("eval vae: --k, --chunk and --batch must be positive; --last and --threads >= 0");
  }
  if (a.threads > 0) elbo::set_num_threads(a.threads);
  std::string model_file = a.model;
  if (std::filesystem::is_directory(a.model)) model_file = a.model + "/model.pt";
  am::Vae vae = am::load_vae(model_file);
  vae->eval();
  // The training run's binarisation unless overridden.
  std::string binarize = a.binarize;
  if (binarize.empty()) {
    binarize = "none";
    const std::string summary_path = std::filesystem::path(model_file).parent_path() / "summary.json";
    std::ifstream in(summary_path);
    if (in) {
      try {
        binarize = nlohmann::json::parse(in).value("binarize", "none");
      } catch (const nlohmann::json::exception&) {
        throw elbo::InputError(summary_path, 0, "", "not valid JSON");
      }
    }
  }
  am::ImageData test = am::load_images(a.data);
  if (a.last > 0) {
    if (a.last > test.size()) {
      throw elbo::ConfigError(fmt::format("eval vae: --last {} but {} has {} images", a.last, a.data, test.size()));
    }
    test = test.slice(test.size() - a.last, a.last);
  }
  const auto& o = vae->options();
  if (test.rows * test.cols != o.input()) {
    throw elbo::InputError(a.data, 0, "",
                           fmt::format("shape mismatch: images are {} x {} but the model expects {} pixels ({} x {})",
                                       test.rows, test.cols, o.input(), o.image_rows(), o.image_cols()));
  }
  auto data_gen = elbo::make_generator(a.seed ^ 0x5eedULL);
  at::Tensor x = binarize == "threshold" ? am::binarize_threshold(test.x)
                 : binarize == "dynamic" ? am::binarize_dynamic(test.x, data_gen)
                                         : test.x;
  const auto dtype = vae->encoder()->net()->output_layer()->weight.scalar_type();
  x = x.to(dtype);
  auto gen = elbo::make_generator(a.seed ^ 0xe7a1ULL);
  elbo::io::ProgressBar bar(x.size(0), "test log p(x)", !a.no_progress && !a.quiet);
  const auto t0 = std::chrono::steady_clock::now();
  const auto ll = am::importance_log_likelihood(
      vae, x,
      am::LogLikelihoodOptions().samples(a.k).chunk(a.chunk).batch(a.batch).progress(
          [&](int64_t done) { bar.update(done); }),
      gen);
  bar.finish();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const am::ActiveUnits au = am::active_units(vae, x);
  if (!a.quiet) {
    fmt::print("test log p(x) ≈ {:.3f} ± {:.3f} (NLL {:.3f}; K = {}, {} images, {:.1f} s)\n", ll.mean,
               ll.standard_error, -ll.mean, a.k, x.size(0), seconds);
    fmt::print("active units: {} of {}\n", au.active, o.latent());
  }
  if (!a.output.empty()) {
    elbo::io::ensure_directory(a.output);
    nlohmann::json out = {{"command", "eval vae"},
                          {"model", model_file},
                          {"data", a.data},
                          {"images", x.size(0)},
                          {"binarize", binarize},
                          {"k", a.k},
                          {"seed", a.seed},
                          {"log_likelihood", ll.mean},
                          {"standard_error", ll.standard_error},
                          {"nll", -ll.mean},
                          {"seconds", seconds},
                          {"active_units", au.active},
                          {"active_unit_variances", au.variance}};
    auto img_gen = elbo::make_generator(a.seed ^ 0x9a1dULL);
    out["images_written"] = am::write_vae_grids(vae, test.x, a.output, img_gen);
    elbo::io::write_json_file(a.output + "/eval.json", out);
  }
}

}  // namespace

void add_eval_vae_command(CLI::App& eval) {
  auto args = std::make_shared<EvalVaeArgs>();
  auto* cmd = eval.add_subcommand("vae", "Importance-sampled test log-likelihood of a trained VAE");
  cmd->add_option("--model", args->model, "Output directory of `elbo train vae` (or its model.pt)")
      ->required()->check(CLI::ExistingPath);
  cmd->add_option("--data", args->data, "Test images: IDX file (plain or .gz) or 8x8 digits CSV")
      ->required()->check(CLI::ExistingFile);
  cmd->add_option("--last", args->last, "Use only the last N images of --data (e.g. a --holdout split)")->check(validators::positive_integer());
  cmd->add_option("--k", args->k, "Importance samples per image")->check(validators::integer_in(1, 10000000))->capture_default_str();
  cmd->add_option("--chunk", args->chunk, "Samples per pass (memory)")->check(validators::positive_integer())->capture_default_str();
  cmd->add_option("--batch", args->batch, "Images per pass")->check(validators::positive_integer())->capture_default_str();
  cmd->add_option("--binarize", args->binarize, "dynamic, threshold or none (default: as trained)")
      ->check(CLI::IsMember({"dynamic", "threshold", "none"}));
  cmd->add_option("--seed", args->seed, "Random seed")->check(validators::seed())->capture_default_str();
  cmd->add_option("--threads", args->threads, "Threads for the BLAS (0: one per core)")->check(validators::thread_count())->capture_default_str();
  cmd->add_option("--output,-o", args->output, "Directory for eval.json and PNG grids");
  cmd->add_flag("--no-progress", args->no_progress, "No progress bar");
  cmd->add_flag("--quiet,-q", args->quiet, "Print nothing but errors");
  cmd->callback([args] { run_eval_vae(*args); });
}

}  // namespace elbo_cli
