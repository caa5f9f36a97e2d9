// `elbo train vae`: a variational autoencoder (amortized VI) on images — MNIST-style
// IDX files (plain or gzip), the 8 × 8 digits CSV, or (default) generated synthetic
// shapes — trained with the ELBO, IWAE_K or a flow-posterior ELBO; writes the model,
// a JSON summary (per-epoch loss and time, active units, test log-likelihood) and
// PNG grids of reconstructions, samples and latent traversals to --output.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <chrono>
#include <filesystem>
#include <memory>

#include "commands.hpp"
#include "option_validators.hpp"
#include "next_step.hpp"
#include "saved_model.hpp"
#include "elbo/core/threads.hpp"
#include "elbo/amortized/evaluate.hpp"
#include "elbo/amortized/image_data.hpp"
#include "elbo/amortized/objective.hpp"
#include "elbo/amortized/prior.hpp"
#include "elbo/amortized/trainer.hpp"
#include "elbo/amortized/vae.hpp"
#include "elbo/amortized/vae_outputs.hpp"
#include "elbo/core/error.hpp"
#include "elbo/core/random.hpp"
#include "elbo/io/json_writer.hpp"
#include "elbo/io/progress_bar.hpp"

namespace elbo_cli {

void add_eval_vae_command(CLI::App& eval);  // cli/eval_vae.cpp

namespace {

namespace am = elbo::amortized;
using Clock = std::chrono::steady_clock;

struct TrainVaeArgs {
  std::string data, labels, test, output, checkpoint;
  std::string objective = "elbo", flow = "none", binarize = "dynamic", likelihood = "bernoulli";
  std::string activation = "tanh", covariance = "diagonal", prior = "normal";
  int64_t latent = 50, latent2 = 0, epochs = 10, batch_size = 100, warmup = 0, holdout = 0;
  std::vector<int64_t> hidden = {200, 200}, hidden2 = {100, 100};
  double lr = 1e-3, free_bits = 0;
  int64_t test_k = 1000, chunk = 500;
  uint64_t seed = 1;
  int threads = 0;
  bool resume = false, no_progress = false, quiet = false, report = false;
};

void check_at_least(const char* name, double value, double low) {
  if (!(value >= low)) {
    throw elbo::ConfigError(fmt::format("train vae: {} is {}, but must be at least {}", name, value, low));
  }
}

void run_train_vae(const TrainVaeArgs& a) {
  check_at_least("--latent", static_cast<double>(a.latent), 1);
  check_at_least("--latent2", static_cast<double>(a.latent2), 0);
  check_at_least("--epochs", static_cast<double>(a.epochs), 1);
  check_at_least("--batch-size", static_cast<double>(a.batch_size), 1);
  check_at_least("--warmup", static_cast<double>(a.warmup), 0);
  check_at_least("--free-bits", a.free_bits, 0);
  check_at_least("--holdout", static_cast<double>(a.holdout), 0);
  check_at_least("--test-k", static_cast<double>(a.test_k), 1);
  check_at_least("--chunk", static_cast<double>(a.chunk), 1);
  check_at_least("--threads", a.threads, 0);
  if (!(a.lr > 0) || !std::isfinite(a.lr)) throw elbo::ConfigError("train vae: --lr must be positive");
  for (int64_t h : a.hidden) check_at_least("--hidden", static_cast<double>(h), 1);
  for (int64_t h : a.hidden2) check_at_least("--hidden2", static_cast<double>(h), 1);
  if (a.resume && a.checkpoint.empty()) throw elbo::ConfigError("train vae: --resume needs --checkpoint FILE");
  if (!a.test.empty() && a.holdout > 0) throw elbo::ConfigError("train vae: give --test or --holdout, not both");
  am::ObjectiveOptions objective = am::parse_objective(a.objective);
  if (objective.bound() == am::Bound::Iwae && a.free_bits > 0) {
    throw elbo::ConfigError("train vae: --free-bits applies to the ELBO only, not to IWAE");
  }
  objective.free_bits(a.free_bits);
  const auto [flow, flow_length] = am::parse_flow(a.flow);
  if (flow != am::FlowKind::None && a.latent2 > 0) {
    throw elbo::ConfigError("train vae: --flow needs one stochastic layer (--latent2 0)");
  }
  const am::Likelihood likelihood = am::parse_likelihood(a.likelihood);
  if (likelihood == am::Likelihood::Gaussian && a.binarize != "none") {
    throw elbo::ConfigError("train vae: --likelihood gaussian needs --binarize none");
  }
  if (a.threads > 0) elbo::set_num_threads(a.threads);

  // ---- data ----------------------------------------------------------------
  const auto t_load = Clock::now();
  am::ImageData train, test;
  if (a.data.empty()) {
    if (!a.labels.empty()) throw elbo::ConfigError("train vae: --labels needs --data");
    train = am::synthetic_shapes(2000, 16, a.seed);
    if (a.test.empty()) test = am::synthetic_shapes(500, 16, a.seed + 1);
  } else {
    train = am::load_images(a.data, a.labels);
  }
  if (!a.test.empty()) test = am::load_images(a.test);
  if (a.holdout > 0) {
    if (a.holdout >= train.size()) {
      throw elbo::ConfigError(fmt::format("train vae: --holdout {} leaves no training images of {}", a.holdout,
                                          train.size()));
    }
    test = train.slice(train.size() - a.holdout, a.holdout);
    train = train.slice(0, train.size() - a.holdout);
  }
  if (test.size() > 0 && (test.rows != train.rows || test.cols != train.cols)) {
    throw elbo::InputError(test.source, 0, "",
                           fmt::format("shape mismatch: test images are {} x {} but training images are {} x {}",
                                       test.rows, test.cols, train.rows, train.cols));
  }
  // Fixed binarisation of the test set (seeded), as in Burda et al.'s evaluation.
  auto data_gen = elbo::make_generator(a.seed ^ 0x5eedULL);
  at::Tensor x_train = train.x;
  if (a.binarize == "threshold") x_train = am::binarize_threshold(x_train);
  at::Tensor x_test;
  if (test.size() > 0) {
    x_test = a.binarize == "threshold" ? am::binarize_threshold(test.x)
             : a.binarize == "dynamic" ? am::binarize_dynamic(test.x, data_gen)
                                       : test.x;
  }
  const double load_seconds = std::chrono::duration<double>(Clock::now() - t_load).count();

  // ---- model and training ----------------------------------------------------
  const int64_t pixels = train.rows * train.cols;
  torch::manual_seed(a.seed);  // weight initialisation
  am::Vae vae(am::VaeOptions(pixels, a.latent)
                  .hidden(a.hidden)
                  .activation(am::parse_activation(a.activation))
                  .likelihood(likelihood)
                  .covariance(a.covariance == "cholesky" ? am::Covariance::Cholesky : am::Covariance::Diagonal)
                  .flow(flow)
                  .flow_length(flow_length)
                  .prior_components(am::parse_prior_components(a.prior, "train vae: --prior"))
                  .latent2(a.latent2)
                  .hidden2(a.hidden2)
                  .image_rows(train.rows)
                  .image_cols(train.cols));
  const int64_t steps_per_epoch = train.size() / std::min(a.batch_size, train.size());
  std::unique_ptr<elbo::io::ProgressBar> bar;
  const bool show = !a.no_progress && !a.quiet;
  int64_t bar_epoch = 0;
  am::VaeTrainer trainer(
      vae, am::TrainOptions()
               .epochs(a.epochs)
               .batch_size(a.batch_size)
               .learning_rate(a.lr)
               .objective(objective)
               .warmup_epochs(a.warmup)
               .dynamic_binarization(a.binarize == "dynamic")
               .seed(a.seed)
               .checkpoint(a.checkpoint)
               .on_step([&](int64_t step, int64_t steps, double loss) {
                 if (!bar) bar = std::make_unique<elbo::io::ProgressBar>(steps, fmt::format("epoch {}", bar_epoch + 1), show);
                 bar->update(step, fmt::format("loss {:.2f}", loss));
               })
               .on_epoch([&](const am::EpochRecord& r) {
                 if (bar) bar->finish();
                 bar.reset();
                 bar_epoch = r.epoch;
                 if (!a.quiet) {
                   fmt::print("epoch {:>4}/{}: bound {:.3f}  KL {:.3f}  beta {:.2f}  {:.2f} s\n", r.epoch, a.epochs,
                              r.bound, r.kl, r.beta, r.seconds);
                   std::fflush(stdout);
                 }
               }));
  int64_t resumed_from = 0;
  if (a.resume && std::filesystem::exists(a.checkpoint)) {
    trainer.load_state(a.checkpoint);
    resumed_from = trainer.epoch();
    bar_epoch = resumed_from;
    if (!a.quiet) fmt::print("resumed from {} at epoch {}\n", a.checkpoint, resumed_from);
  }
  const auto t_train = Clock::now();
  trainer.train(x_train);
  const double train_seconds = std::chrono::duration<double>(Clock::now() - t_train).count();

  // ---- evaluation and outputs --------------------------------------------------
  vae->eval();
  nlohmann::json summary;
  summary["command"] = "train vae";
  summary["data"] = train.source;
  summary["train_images"] = train.size();
  summary["image_rows"] = train.rows;
  summary["image_cols"] = train.cols;
  summary["test_data"] = test.size() > 0 ? nlohmann::json(test.source) : nlohmann::json(nullptr);
  summary["test_images"] = test.size();
  summary["model"] = am::vae_options_to_json(vae->options());
  summary["objective"] = am::objective_name(objective);
  summary["free_bits"] = a.free_bits;
  summary["warmup_epochs"] = a.warmup;
  summary["binarize"] = a.binarize;
  summary["epochs"] = a.epochs;
  summary["batch_size"] = a.batch_size;
  summary["learning_rate"] = a.lr;
  summary["seed"] = a.seed;
  summary["threads"] = elbo::num_threads();
  summary["resumed_from_epoch"] = resumed_from;
  summary["load_seconds"] = load_seconds;
  summary["train_seconds"] = train_seconds;
  nlohmann::json epochs = nlohmann::json::array();
  double epoch_seconds = 0, density_sum = 0;
  int64_t timed = 0;
  for (const auto& r : trainer.history()) {
    epochs.push_back({{"epoch", r.epoch}, {"loss", r.loss}, {"bound", r.bound}, {"kl", r.kl},
                      {"recon", r.recon}, {"beta", r.beta}, {"seconds", r.seconds}});
    if (r.epoch > resumed_from) {
      epoch_seconds += r.seconds;
      density_sum += r.input_density;
      ++timed;
    }
  }
  summary["history"] = epochs;
  const double mean_epoch = timed > 0 ? epoch_seconds / static_cast<double>(timed) : 0.0;
  summary["seconds_per_epoch"] = mean_epoch;
  // FLOPs of a training step: forward 2·MAC, backward ≈ 2× forward; the encoder's MLP runs
  // once per point, everything after the first draw (flows, second layer, decoders) K times.
  const double once = static_cast<double>(vae->encoder()->net()->multiply_adds());
  const double per_draw = static_cast<double>(vae->multiply_adds()) - once;
  const double step_flops = 6.0 * (once + per_draw * static_cast<double>(objective.samples())) *
                            static_cast<double>(std::min(a.batch_size, train.size()));
  summary["flops_per_step"] = step_flops;
  summary["achieved_gflops"] =
      mean_epoch > 0 ? step_flops * static_cast<double>(steps_per_epoch) / mean_epoch / 1e9 : 0.0;
  // achieved_gflops is the dense-equivalent rate. The first encoder layer works on the
  // nonzero pixels only (fraction ρ, binarised input) and needs no input gradient, so
  // it performs 4ρ·M1 of the 6·M1 FLOPs per point counted above.
  const double rho = timed > 0 ? density_sum / static_cast<double>(timed) : 1.0;
  const double m1 = static_cast<double>(vae->encoder()->net()->input_layer_multiply_adds());
  const double performed_flops =
      step_flops - static_cast<double>(std::min(a.batch_size, train.size())) * (2.0 + 4.0 * (1.0 - rho)) * m1;
  summary["input_density"] = rho;
  summary["performed_flops_per_step"] = performed_flops;
  summary["performed_gflops"] =
      mean_epoch > 0 ? performed_flops * static_cast<double>(steps_per_epoch) / mean_epoch / 1e9 : 0.0;
  const am::ActiveUnits au = am::active_units(vae, x_test.defined() ? x_test : x_train);
  summary["active_units"] = au.active;
  summary["active_unit_variances"] = au.variance;
  if (!a.quiet) fmt::print("active units: {} of {}\n", au.active, a.latent);
  if (x_test.defined()) {
    auto eval_gen = elbo::make_generator(a.seed ^ 0xe7a1ULL);
    elbo::io::ProgressBar ebar(x_test.size(0), "test log p(x)", show);
    const auto t_eval = Clock::now();
    const auto ll = am::importance_log_likelihood(
        vae, x_test,
        am::LogLikelihoodOptions().samples(a.test_k).chunk(a.chunk).progress([&](int64_t done) { ebar.update(done); }),
        eval_gen);
    ebar.finish();
    summary["test_log_likelihood"] = {{"k", a.test_k}, {"mean", ll.mean}, {"standard_error", ll.standard_error},
                                      {"nll", -ll.mean},
                                      {"seconds", std::chrono::duration<double>(Clock::now() - t_eval).count()}};
    if (!a.quiet) fmt::print("test log p(x) ≈ {:.3f} ± {:.3f} (K = {}, {} images)\n", ll.mean, ll.standard_error, a.test_k, x_test.size(0));
  }
  if (!a.output.empty()) {
    elbo::io::ensure_directory(a.output);
    am::save_vae(vae, a.output + "/model.pt");
    // `elbo predict` encodes new images with model.pt, preprocessed as training's were.
    write_saved_model(a.output, "vae", {{"weights", "model.pt"}, {"binarize", a.binarize}});
    auto img_gen = elbo::make_generator(a.seed ^ 0x9a1dULL);
    const auto grids = am::write_vae_grids(vae, x_test.defined() ? test.x : train.x, a.output, img_gen);
    summary["images"] = grids;
    elbo::io::write_json_file(a.output + "/summary.json", summary);
    if (!a.quiet) fmt::print("wrote {}/summary.json, model.pt, {}\n", a.output, fmt::join(grids, ", "));
    std::fflush(stdout);
  }
  finish_fit(a.output, a.report, a.quiet);
}

}  // namespace

void add_vae_commands(CLI::App& app) {
  auto* train = app.add_subcommand("train", "Train a generative model with amortized VI");
  train->require_subcommand(1);
  auto args = std::make_shared<TrainVaeArgs>();
  auto* cmd = train->add_subcommand("vae", "Variational autoencoder: ELBO, IWAE, flow posteriors");
  cmd->add_option("--data", args->data,
                  "Training images: IDX file (plain or .gz) or 8x8 digits CSV (default: generated shapes)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--labels", args->labels, "IDX labels file for --data (optional)")->check(CLI::ExistingFile);
  cmd->add_option("--test", args->test, "Test images (IDX or digits CSV) for the test log-likelihood")
      ->check(CLI::ExistingFile);
  cmd->add_option("--holdout", args->holdout, "Use the last N images of --data as the test set")->check(validators::positive_integer());
  cmd->add_option("--latent", args->latent, "Latent dimension (first stochastic layer)")->check(validators::integer_in(1, 65536))->capture_default_str();
  cmd->add_option("--latent2", args->latent2, "Second stochastic layer size (0: one layer; Burda et al.: 50)")->check(validators::nonnegative_integer())
      ->capture_default_str();
  cmd->add_option("--hidden", args->hidden, "Encoder hidden sizes (decoder mirrors)")
      ->check(validators::integer_in(1, 65536))->delimiter(',')->capture_default_str();
  cmd->add_option("--hidden2", args->hidden2, "Hidden sizes of the second layer's networks")
      ->check(validators::integer_in(1, 65536))->delimiter(',')->capture_default_str();
  cmd->add_option("--activation", args->activation, "tanh, relu or softplus")->capture_default_str();
  cmd->add_option("--likelihood", args->likelihood, "bernoulli or gaussian")->capture_default_str();
  cmd->add_option("--covariance", args->covariance, "q(z|x) covariance: diagonal or cholesky")
      ->check(CLI::IsMember({"diagonal", "cholesky"}))->capture_default_str();
  cmd->add_option("--prior", args->prior, "normal or mixture:C (learned mixture of C Gaussians)")
      ->capture_default_str();
  cmd->add_option("--objective", args->objective, "elbo, elbo:K or iwae:K")->capture_default_str();
  cmd->add_option("--flow", args->flow, "Posterior flow: none, planar:K or iaf:K")->capture_default_str();
  cmd->add_option("--epochs", args->epochs, "Passes over the training data")->check(validators::positive_integer())->capture_default_str();
  cmd->add_option("--batch-size", args->batch_size, "Minibatch size")->check(validators::positive_integer())->capture_default_str();
  cmd->add_option("--lr", args->lr, "Adam learning rate")->check(validators::positive_real())->capture_default_str();
  cmd->add_option("--warmup", args->warmup, "KL warm-up epochs (beta 0 -> 1)")->check(validators::nonnegative_integer())->capture_default_str();
  cmd->add_option("--free-bits", args->free_bits, "Free bits: KL floor per latent dimension, nats")->check(validators::nonnegative_real())
      ->capture_default_str();
  cmd->add_option("--binarize", args->binarize, "dynamic, threshold or none")
      ->check(CLI::IsMember({"dynamic", "threshold", "none"}))->capture_default_str();
  cmd->add_option("--test-k", args->test_k, "Importance samples for the test log-likelihood")->check(validators::positive_integer())->capture_default_str();
  cmd->add_option("--chunk", args->chunk, "Importance samples per pass (memory)")->check(validators::positive_integer())->capture_default_str();
  cmd->add_option("--seed", args->seed, "Random seed")->check(validators::seed())->capture_default_str();
  cmd->add_option("--threads", args->threads, "Threads for the BLAS (0: one per core)")->check(validators::thread_count())->capture_default_str();
  cmd->add_option("--output,-o", args->output, "Directory for model.pt, summary.json and PNG grids");
  cmd->add_option("--checkpoint", args->checkpoint, "Training-state file, written after every epoch");
  cmd->add_flag("--resume", args->resume, "Resume from --checkpoint if it exists");
  cmd->add_flag("--no-progress", args->no_progress, "No progress bar");
  add_report_flag(*cmd, args->report);
  cmd->add_flag("--quiet,-q", args->quiet, "Print nothing but errors");
  cmd->callback([args] { run_train_vae(*args); });

  auto* eval = app.add_subcommand("eval", "Evaluate a trained model");
  eval->require_subcommand(1);
  add_eval_vae_command(*eval);
}

}  // namespace elbo_cli
