#pragma once
// VAE training driver: Adam on minibatches for a number of epochs, with KL warm-up
// (β rising linearly from 0 to 1 over `warmup_epochs`, per step), free bits,
// optional dynamic binarisation, and checkpoint/resume of the whole run state —
// model, optimizer moments, generator state, epoch and history — written
// atomically at the end of every epoch, so a killed run resumes where it stopped
// and continues exactly as an uninterrupted one.
#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>
#include <torch/arg.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "elbo/amortized/objective.hpp"
#include "elbo/amortized/vae.hpp"

namespace torch::optim {
class Adam;
}

namespace elbo::amortized {

struct EpochRecord {
  int64_t epoch = 0;    // 1-based
  double loss = 0;      // mean minibatch loss (with β and free bits)
  double bound = 0;     // mean minibatch bound (ELBO or IWAE_K), per point
  double kl = 0, recon = 0;
  double beta = 1;      // β at the epoch's last step
  double seconds = 0;   // wall time of the epoch
  /// Mean fraction of the encoder's first-layer multiply-adds actually performed: the
  /// nonzero fraction of the minibatches that took the sparse-input path, 1 for dense ones.
  /// Not stored in checkpoints (1 for epochs restored from one).
  double input_density = 1;
};

struct TrainOptions {
  TORCH_ARG(int64_t, epochs) = 10;
  TORCH_ARG(int64_t, batch_size) = 100;
  TORCH_ARG(double, learning_rate) = 1e-3;
  TORCH_ARG(double, adam_eps) = 1e-4;  // Burda et al. 2016's ε
  TORCH_ARG(ObjectiveOptions, objective) = {};
  TORCH_ARG(int64_t, warmup_epochs) = 0;
  TORCH_ARG(bool, dynamic_binarization) = false;
  TORCH_ARG(uint64_t, seed) = 1;
  TORCH_ARG(std::string, checkpoint) = "";  // written after every epoch when set
  /// Called after each minibatch (step within the epoch, steps per epoch, loss).
  TORCH_ARG(std::function<void(int64_t, int64_t, double)>, on_step) = nullptr;
  TORCH_ARG(std::function<void(const EpochRecord&)>, on_epoch) = nullptr;
};

class VaeTrainer {
 public:
  VaeTrainer(Vae vae, TrainOptions options);
  ~VaeTrainer();

  /// Trains the remaining epochs (options.epochs − epoch()) on x [N, P].
  void train(const at::Tensor& x);
  /// One pass over x in a fresh random order; returns its record.
  EpochRecord train_epoch(const at::Tensor& x);

  void save_state(const std::string& path) const;
  /// Restores a state saved by save_state for the same model and options;
  /// InputError on a missing, foreign or mismatched file.
  void load_state(const std::string& path);

  int64_t epoch() const { return epoch_; }
  const std::vector<EpochRecord>& history() const { return history_; }
  Vae& vae() { return vae_; }
  at::Generator& generator() { return gen_; }
  /// KL weight at global step `step` (0-based) with `steps_per_epoch`.
  double beta_at(int64_t step, int64_t steps_per_epoch) const;

 private:
  std::string signature() const;

  Vae vae_;
  TrainOptions options_;
  std::unique_ptr<torch::optim::Adam> optimizer_;
  mutable at::Generator gen_;  // mutable: save_state locks its mutex
  int64_t epoch_ = 0, step_ = 0;
  std::vector<EpochRecord> history_;
};

}  // namespace elbo::amortized
