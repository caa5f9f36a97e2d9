#include "elbo/amortized/trainer.hpp"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <mutex>

#include "elbo/amortized/archive_util.hpp"
#include "elbo/amortized/fused_adam.hpp"
#include "elbo/amortized/image_data.hpp"
#include "elbo/core/check.hpp"
#include "elbo/core/error.hpp"
#include "elbo/core/random.hpp"
#include "elbo/optim/torch_optimizer.hpp"

namespace elbo::amortized {

namespace {
constexpr const char* kTrainStateFormat = "elbo-vae-train-state-1";
}

VaeTrainer::VaeTrainer(Vae vae, TrainOptions options)
    : vae_(std::move(vae)), options_(std::move(options)), gen_(make_generator(options_.seed())) {
  check_option_positive("train vae", "epochs", static_cast<double>(options_.epochs()));
  check_option_positive("train vae", "batch_size", static_cast<double>(options_.batch_size()));
  check_option_positive("train vae", "learning_rate", options_.learning_rate());
  if (options_.warmup_epochs() < 0) {
    throw ConfigError(check_message("train vae", "warmup_epochs", -1,
                                    static_cast<double>(options_.warmup_epochs()), "nonnegative"));
  }
  optimizer_ = std::make_unique<torch::optim::Adam>(
      vae_->parameters(), torch::optim::AdamOptions(options_.learning_rate()).eps(options_.adam_eps()));
}

VaeTrainer::~VaeTrainer() = default;

double VaeTrainer::beta_at(int64_t step, int64_t steps_per_epoch) const {
  if (options_.warmup_epochs() == 0) return 1.0;
  return std::min(1.0, static_cast<double>(step) /
                           static_cast<double>(options_.warmup_epochs() * steps_per_epoch));
}

EpochRecord VaeTrainer::train_epoch(const at::Tensor& x) {
  const auto start = std::chrono::steady_clock::now();
  const int64_t n = x.size(0), b = std::min(options_.batch_size(), n);
  const int64_t steps = n / b;  // full minibatches; the remainder waits for the next order
  auto order = torch::randperm(n, gen_, torch::kLong);
  EpochRecord rec;
  rec.epoch = epoch_ + 1;
  rec.input_density = 0;
  vae_->train();
  for (int64_t s = 0; s < steps; ++s) {
    const auto rows = order.narrow(0, s * b, b);
    // The same draws as binarize_dynamic(x.index_select(0, rows), gen_), without the copy.
    const auto xb = options_.dynamic_binarization() ? binarize_dynamic_rows(x, rows, gen_) : x.index_select(0, rows);
    auto objective = options_.objective();
    objective.beta(beta_at(step_, steps));
    clear_gradients(*optimizer_);
    ObjectiveValue v = evaluate_objective(vae_, xb, objective, gen_);
    const double loss = v.loss.item<double>();
    if (!std::isfinite(loss)) {
      throw NumericalError("train vae: epoch " + std::to_string(rec.epoch) + ", step " +
                           std::to_string(s + 1) + ": the objective is not finite (try a smaller learning rate)");
    }
    v.loss.backward();
    fused_adam_step(*optimizer_);
    ++step_;
    rec.loss += loss;
    rec.bound += v.bound;
    rec.kl += v.kl;
    rec.recon += v.recon;
    rec.beta = objective.beta();
    rec.input_density += vae_->encoder()->net()->last_input_density();
    if (options_.on_step()) options_.on_step()(s + 1, steps, loss);
  }
  rec.loss /= static_cast<double>(steps);
  rec.bound /= static_cast<double>(steps);
  rec.kl /= static_cast<double>(steps);
  rec.recon /= static_cast<double>(steps);
  rec.input_density /= static_cast<double>(steps);
  rec.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ++epoch_;
  history_.push_back(rec);
  return rec;
}

void VaeTrainer::train(const at::Tensor& x) {
  if (x.dim() != 2 || x.size(0) < 1) throw ConfigError("train vae: data must be a non-empty [N, P] matrix");
  while (epoch_ < options_.epochs()) {
    const EpochRecord rec = train_epoch(x);
    if (!options_.checkpoint().empty()) save_state(options_.checkpoint());
    if (options_.on_epoch()) options_.on_epoch()(rec);
  }
}

std::string VaeTrainer::signature() const {
  return vae_options_to_json(vae_->options()).dump() + "|" + objective_name(options_.objective()) +
         "|batch " + std::to_string(options_.batch_size());
}

void VaeTrainer::save_state(const std::string& path) const {
  torch::serialize::OutputArchive archive;
  write_string(archive, "format", kTrainStateFormat);
  write_string(archive, "signature", signature());
  torch::serialize::OutputArchive model, optimizer;
  vae_->save(model);
  archive.write("model", model);
  optimizer_->save(optimizer);
  archive.write("optimizer", optimizer);
  {
    std::lock_guard<std::mutex> lock(gen_.mutex());
    archive.write("rng", gen_.get_state());
  }
  archive.write("counters", torch::tensor({epoch_, step_}, torch::kLong));
  auto h = torch::empty({static_cast<int64_t>(history_.size()), 7}, torch::kDouble);
  for (size_t i = 0; i < history_.size(); ++i) {
    const auto& r = history_[i];
    const double row[7] = {static_cast<double>(r.epoch), r.loss, r.bound, r.kl, r.recon, r.beta, r.seconds};
    for (int j = 0; j < 7; ++j) h[static_cast<int64_t>(i)][j] = row[j];
  }
  archive.write("history", h);
  save_archive_atomically(archive, path);
}

void VaeTrainer::load_state(const std::string& path) {
  torch::serialize::InputArchive archive;
  load_archive(archive, path);
  if (read_string(archive, "format", path) != kTrainStateFormat) {
    throw InputError(path, 0, "format", "not an elbo VAE training checkpoint");
  }
  const std::string found = read_string(archive, "signature", path);
  if (found != signature()) {
    throw InputError(path, 0, "signature",
                     "checkpoint was written for another model, objective or batch size");
  }
  try {
    torch::serialize::InputArchive model, optimizer;
    archive.read("model", model);
    load_module_checked(*vae_, model, path, "model");
    archive.read("optimizer", optimizer);
    optimizer_->load(optimizer);
    optim::check_optimizer_state(*optimizer_);  // fused_adam_step reads the moments by raw pointer
    at::Tensor state, counters, h;
    archive.read("rng", state);
    {
      std::lock_guard<std::mutex> lock(gen_.mutex());
      gen_.set_state(state);
    }
    archive.read("counters", counters);
    archive.read("history", h);
    if (counters.scalar_type() != torch::kLong || !counters.sizes().equals({2}) || h.scalar_type() != torch::kDouble ||
        h.dim() != 2 || h.size(1) != 7) {
      throw InputError(path, 0, "counters", "counters or history have the wrong dtype or shape");
    }
    epoch_ = counters[0].item<int64_t>();
    step_ = counters[1].item<int64_t>();
    // One history row per epoch trained; steps never fewer than epochs.
    if (epoch_ < 0 || step_ < epoch_ || h.size(0) != epoch_ || !torch::isfinite(h).all().item<bool>() ||
        (h.numel() > 0 && h.select(1, 0).abs().max().item<double>() > 1e15)) {
      throw InputError(path, 0, "counters", "epoch " + std::to_string(epoch_) + ", step " + std::to_string(step_) +
                                                " and " + std::to_string(h.size(0)) + " history rows (finite) do not agree");
    }
    history_.clear();
    for (int64_t i = 0; i < h.size(0); ++i) {
      EpochRecord r;
      r.epoch = static_cast<int64_t>(h[i][0].item<double>());
      r.loss = h[i][1].item<double>();
      r.bound = h[i][2].item<double>();
      r.kl = h[i][3].item<double>();
      r.recon = h[i][4].item<double>();
      r.beta = h[i][5].item<double>();
      r.seconds = h[i][6].item<double>();
      history_.push_back(r);
    }
  } catch (const c10::Error& e) {
    throw InputError(path, 0, "", "corrupt checkpoint: " + first_line(e));
  } catch (const torch::jit::ObjectAttributeError& e) {  // a field missing from a sub-archive
    throw InputError(path, 0, "", "corrupt checkpoint: " + first_line(e));
  }
}

}  // namespace elbo::amortized
