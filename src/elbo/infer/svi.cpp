#include "elbo/infer/svi.hpp"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>
#include <mutex>
#include <sstream>

#include "elbo/core/check.hpp"
#include "elbo/core/error.hpp"
#include "elbo/core/random.hpp"
#include "elbo/core/tensor_storage.hpp"
#include "elbo/io/checksummed_file.hpp"
#include "elbo/objective/reparam_elbo.hpp"

namespace elbo::infer {

namespace {

constexpr std::string_view kSviCheckpointKind = "svi-checkpoint";

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

double mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}

// Strings and scalars stored in a torch archive as tensors.
at::Tensor string_tensor(const std::string& s) {
  auto t = torch::empty({static_cast<int64_t>(s.size())}, torch::kUInt8);
  std::copy(s.begin(), s.end(), t.data_ptr<uint8_t>());
  return t;
}
std::string tensor_string(const at::Tensor& t) {
  auto c = t.contiguous();
  return std::string(c.data_ptr<uint8_t>(), c.data_ptr<uint8_t>() + c.numel());
}
// The first non-empty line of torch's message, without its backtrace: one line.
std::string first_line(const std::exception& e) {
  const auto* c10_error = dynamic_cast<const c10::Error*>(&e);
  const std::string what = c10_error ? c10_error->what_without_backtrace() : e.what();
  const size_t from = std::min(what.find_first_not_of(" \n"), what.size());
  return what.substr(from, what.find('\n', from) - from);
}

at::Tensor read_tensor(torch::serialize::InputArchive& archive, const std::string& key) {
  at::Tensor t;
  archive.read(key, t);
  return t;
}

// A tensor whose dtype and shape the checkpoint layout fixes (-1: any length).
// Anything else was not written by this elbo (or was forged past the checksum):
// one line naming the field, never an out-of-bounds read.
at::Tensor read_shaped(torch::serialize::InputArchive& archive, const std::string& path, const std::string& key,
                       at::ScalarType dtype, std::vector<int64_t> shape) {
  at::Tensor t = read_tensor(archive, key);
  bool ok = t.scalar_type() == dtype && t.dim() == static_cast<int64_t>(shape.size());
  for (size_t i = 0; ok && i < shape.size(); ++i) ok = shape[i] < 0 || t.size(static_cast<int64_t>(i)) == shape[i];
  if (!ok) {
    std::string want = "[";
    for (size_t i = 0; i < shape.size(); ++i) want += (i ? ", " : "") + (shape[i] < 0 ? std::string("n") : std::to_string(shape[i]));
    throw InputError(path, 0, key, "has dtype " + std::string(c10::toString(t.scalar_type())) + " and shape " +
                                       c10::str(t.sizes()) + ", not " + c10::toString(dtype) + " " + want + "]");
  }
  return t.contiguous();
}

// Column 0 of the trace and of the restarts holds iterations, read back as integers.
void check_iterations(const at::Tensor& rows, const std::string& path, const std::string& key) {
  if (rows.size(0) > 0 && !(rows.select(1, 0).abs().max().item<double>() < 1e15)) {
    throw InputError(path, 0, key, "holds an iteration that is not a count");
  }
}

// Saved parameter-shaped state (best iterate, running averages) must match q.
at::Tensor read_like(torch::serialize::InputArchive& archive, const std::string& path, const std::string& key,
                     const at::Tensor& like) {
  at::Tensor t = read_tensor(archive, key);
  if (t.scalar_type() != like.scalar_type() || !t.sizes().equals(like.sizes())) {
    throw InputError(path, 0, key, "has shape " + c10::str(t.sizes()) + ", but the family's parameter has " +
                                       c10::str(like.sizes()));
  }
  // They become λ (a restart's best iterate, the averaged iterate at the end).
  if (!torch::isfinite(t).all().item<bool>()) throw InputError(path, 0, key, "has non-finite values");
  return t;
}

}  // namespace

Svi::Svi(std::shared_ptr<const model::LogDensity> p, family::FamilyPtr q,
         std::shared_ptr<objective::Objective> objective, optim::OptimizerOptions optimizer,
         SviOptions options)
    : p_(std::move(p)),
      q_(std::move(q)),
      objective_(std::move(objective)),
      options_(std::move(options)),
      gen_(make_generator(options_.seed)),
      last_elbo_(std::numeric_limits<double>::quiet_NaN()),
      best_elbo_(std::numeric_limits<double>::quiet_NaN()) {
  if (!p_ || !q_ || !objective_) throw ConfigError("Svi: model, family and objective are required");
  if (p_->dim() != q_->dim()) {
    throw ConfigError("Svi: the family has dimension " + std::to_string(q_->dim()) +
                      " but the model has " + std::to_string(p_->dim()));
  }
  check_option_positive("svi", "max_iterations", static_cast<double>(options_.max_iterations));
  check_option_positive("svi", "eval_every", static_cast<double>(options_.eval_every));
  check_option_positive("svi", "eval_draws", static_cast<double>(options_.eval_draws));
  check_option_positive("svi", "tol_rel_obj", options_.tol_rel_obj);
  check_option_positive("svi", "checkpoint_every", static_cast<double>(options_.checkpoint_every));
  if (options_.batch_size < 0) {
    throw ConfigError(check_message("svi", "batch_size", -1,
                                    static_cast<double>(options_.batch_size), "nonnegative"));
  }
  if (options_.max_restarts < 0) {
    throw ConfigError(check_message("svi", "max_restarts", -1,
                                    static_cast<double>(options_.max_restarts), "nonnegative"));
  }
  if (!(options_.restart_step_factor > 0 && options_.restart_step_factor < 1)) {
    throw ConfigError(check_message("svi", "restart_step_factor", -1, options_.restart_step_factor,
                                    "in (0, 1)"));
  }
  optimizer_options_ = optimizer;
  optimizer_ = optim::make_optimizer(optimizer_options_, q_->parameters());
}

int64_t Svi::window_size() const {
  if (options_.window > 0) return options_.window;
  return std::max<int64_t>(
      2, static_cast<int64_t>(0.1 * static_cast<double>(options_.max_iterations) /
                              static_cast<double>(options_.eval_every)));
}

void Svi::step_once() {
  const int64_t M = p_->num_data();
  model::Subsample batch = model::Subsample::all(M > 0 ? M : 1);
  if (M > 0 && options_.batch_size > 0 && options_.batch_size < M) {
    auto indices = torch::randperm(M, gen_, torch::kLong).narrow(0, 0, options_.batch_size);
    batch = model::Subsample::of(indices, M);
  }
  optimizer_->zero_grad();
  bool finite = true;
  try {
    objective_->set_iteration(step_);
    auto estimate = objective_->estimate(*p_, *q_, batch, gen_);
    dropped_draws_ += estimate.dropped;
    finite = std::isfinite(estimate.value);
    if (finite) {
      // ∇(−surrogate) without recording a negation: backward with seed −1.
      // A fresh seed every step: autograd may keep it (or a view) as a .grad.
      estimate.surrogate.backward(at::full({}, -1.0, estimate.surrogate.options()));
      // One reduction per parameter tensor and one read-back: the sum is
      // finite iff every gradient element is (up to overflow, also skipped).
      at::Tensor total;
      for (const auto& param : q_->parameters()) {
        const auto& grad = param.grad();
        if (!grad.defined()) continue;
        total = total.defined() ? total + grad.sum() : grad.sum();
      }
      finite = !total.defined() || std::isfinite(total.item<double>());
    }
  } catch (const NumericalError&) {
    finite = false;
  }
  if (!finite) {
    // Policy: skip the step; restart (or fail) after max_nonfinite_steps in a row.
    ++skipped_steps_;
    if (++consecutive_nonfinite_ > options_.max_nonfinite_steps) {
      if (static_cast<int64_t>(restarts_.size()) < options_.max_restarts) {
        restart(step_, std::numeric_limits<double>::quiet_NaN(),
                "the objective or its gradient was not finite for " +
                    std::to_string(consecutive_nonfinite_) + " consecutive steps");
        return;
      }
      throw NumericalError("svi: the objective or its gradient was not finite for " +
                           std::to_string(consecutive_nonfinite_) +
                           " consecutive steps (at iteration " + std::to_string(step_) +
                           "); try a smaller step size (--eta) or more draws");
    }
    optimizer_->zero_grad();
    return;
  }
  consecutive_nonfinite_ = 0;
  optimizer_->step(step_);
}

double Svi::elbo_estimate() {
  double elbo = std::numeric_limits<double>::quiet_NaN();
  try {
    if (options_.common_eval_draws) {
      // The same base draws ε at every evaluation: the ELBO estimate becomes a
      // smooth function of λ, so its relative change measures progress rather
      // than Monte-Carlo noise (common random numbers).
      auto eval_gen = make_generator(options_.seed ^ 0x9e3779b97f4a7c15ULL);
      elbo = objective::elbo_value(*p_, *q_, options_.eval_draws, eval_gen);
    } else {
      elbo = objective::elbo_value(*p_, *q_, options_.eval_draws, gen_);
    }
  } catch (const NumericalError&) {
  }
  return elbo;
}

bool Svi::evaluate(int64_t iteration) {
  const double elbo = elbo_estimate();
  // Divergence: restart from the best iterate with a smaller step (or stop).
  const bool have_best = std::isfinite(best_elbo_);
  const double margin = have_best ? std::max(10.0, 0.1 * std::abs(best_elbo_)) : 0.0;
  const bool below_best = have_best && std::isfinite(elbo) && elbo < best_elbo_ - margin;
  falls_in_a_row_ = below_best ? falls_in_a_row_ + 1 : 0;
  if (!std::isfinite(elbo) || falls_in_a_row_ >= 2) {
    trace_.push_back({iteration, elbo, std::numeric_limits<double>::quiet_NaN()});
    const std::string reason =
        !std::isfinite(elbo)
            ? "the ELBO estimate was not finite"
            : "the ELBO fell to " + std::to_string(elbo) + ", below its best " +
                  std::to_string(best_elbo_) + " by more than " + std::to_string(margin);
    if (static_cast<int64_t>(restarts_.size()) < options_.max_restarts) {
      restart(iteration, elbo, reason);
    } else {
      restore_best();
      stopped_ = true;
      message_ = "diverged (" + reason + ") after " + std::to_string(restarts_.size()) +
                 " restarts; stopped at the best iterate";
    }
    return false;
  }
  if (std::isfinite(elbo) && (!have_best || elbo > best_elbo_)) remember_best(elbo);
  double rel = std::numeric_limits<double>::quiet_NaN();
  if (!trace_.empty()) {
    rel = std::isfinite(elbo) ? std::abs((elbo - last_elbo_) / elbo)
                              : std::numeric_limits<double>::infinity();
    rel_window_.push_back(rel);
    if (static_cast<int64_t>(rel_window_.size()) > window_size()) {
      rel_window_.erase(rel_window_.begin());
    }
  }
  trace_.push_back({iteration, elbo, rel});
  last_elbo_ = elbo;
  if (rel_window_.empty()) return false;
  // Never converged while the ELBO is far below its best.
  if (below_best) return false;
  if (mean(rel_window_) < options_.tol_rel_obj) {
    message_ = "mean ELBO converged";
    return true;
  }
  if (median(rel_window_) < options_.tol_rel_obj) {
    message_ = "median ELBO converged";
    return true;
  }
  return false;
}

void Svi::remember_best(double elbo) {
  best_elbo_ = elbo;
  torch::NoGradGuard no_grad;
  auto params = q_->parameters();
  if (best_params_.size() != params.size()) {
    best_params_.clear();
    for (const auto& p : params) best_params_.push_back(p.detach().clone());
  } else {
    for (size_t i = 0; i < params.size(); ++i) best_params_[i].copy_(params[i]);
  }
}

void Svi::restore_best() {
  torch::NoGradGuard no_grad;
  auto params = q_->parameters();
  for (size_t i = 0; i < params.size() && i < best_params_.size(); ++i) {
    params[i].copy_(best_params_[i]);
  }
  // Iterates averaged so far include the diverging ones.
  converged_ = false;
  average_start_ = -1;
  average_end_ = -1;
  average_count_ = 0;
  average_sums_.clear();
}

void Svi::restart(int64_t iteration, double elbo, const std::string& reason) {
  restore_best();
  optimizer_options_.eta *= options_.restart_step_factor;
  optimizer_ = optim::make_optimizer(optimizer_options_, q_->parameters());
  restarts_.push_back({iteration, elbo, best_elbo_, optimizer_options_.eta, reason});
  rel_window_.clear();
  last_elbo_ = best_elbo_;
  falls_in_a_row_ = 0;
  consecutive_nonfinite_ = 0;
}

void Svi::start_averaging(int64_t iteration) {
  average_start_ = iteration;
  average_end_ = std::min(options_.max_iterations,
                          iteration + std::max(options_.eval_every, iteration / 4));
  average_count_ = 0;
  average_sums_.clear();
  for (const auto& param : q_->parameters()) average_sums_.push_back(torch::zeros_like(param).detach());
}

void Svi::accumulate_average() {
  auto params = q_->canonical_parameters(average_sums_);
  for (size_t i = 0; i < params.size(); ++i) average_sums_[i].add_(params[i]);
  ++average_count_;
}

void Svi::finish_averaging() {
  if (average_count_ == 0) return;
  torch::NoGradGuard no_grad;
  auto params = q_->parameters();
  for (size_t i = 0; i < params.size(); ++i) {
    params[i].copy_(average_sums_[i] / static_cast<double>(average_count_));
  }
}

SviResult Svi::run(const ProgressCallback& progress) {
  const auto start = std::chrono::steady_clock::now();
  const int64_t average_by = static_cast<int64_t>(0.8 * static_cast<double>(options_.max_iterations));
  if (best_params_.empty()) {
    // The start is the first candidate for the best iterate.
    const double elbo = elbo_estimate();
    remember_best(elbo);
    if (!std::isfinite(elbo)) best_elbo_ = std::numeric_limits<double>::quiet_NaN();
  }
  bool out_of_time = false;
  while (step_ < options_.max_iterations && !stopped_) {
    if (average_end_ >= 0 && step_ >= average_end_) break;
    if (converged_ && !options_.average_iterates) break;
    step_once();
    ++step_;
    if (average_start_ >= 0) accumulate_average();
    if (step_ % options_.eval_every == 0) {
      // No convergence while a scheduled objective (tempering) is still moving.
      const bool now_converged = evaluate(step_) && step_ >= objective_->schedule_steps();
      if (now_converged && !converged_) {
        converged_ = true;
        if (options_.average_iterates && average_start_ < 0) start_averaging(step_);
      }
    }
    if (options_.average_iterates && average_start_ < 0 && step_ >= average_by) {
      start_averaging(step_);
    }
    if (!options_.checkpoint_path.empty() && options_.write_checkpoints &&
        step_ % options_.checkpoint_every == 0) {
      save_state(options_.checkpoint_path);
    }
    if (progress) progress({step_, options_.max_iterations, last_elbo_});
    if (options_.max_seconds > 0 && step_ % 10 == 0 &&
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() >
            options_.max_seconds) {
      out_of_time = true;
      break;
    }
  }
  SviResult result;
  result.averaged_iterations = average_count_;
  finish_averaging();
  if (out_of_time && !converged_) {
    message_ = "time budget of " + std::to_string(options_.max_seconds) + " s reached before the ELBO converged";
  } else if (!converged_ && !stopped_) {
    message_ = "maximum iterations reached before the ELBO converged";
  }
  result.iterations = step_;
  result.converged = converged_;
  result.message = message_;
  result.trace = trace_;
  result.skipped_steps = skipped_steps_;
  result.dropped_draws = dropped_draws_;
  result.resumed = resumed_;
  result.restarts = restarts_;
  result.best_elbo = best_elbo_;
  result.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

void Svi::save_state(const std::string& path) const {
  torch::serialize::OutputArchive archive;
  archive.write("format", string_tensor("elbo-svi-state-2"));
  archive.write("fingerprint", string_tensor(options_.run_fingerprint));
  archive.write("signature", string_tensor(q_->family_name() + "/" + objective_->name() + "/" +
                                           std::to_string(p_->dim())));
  torch::serialize::OutputArchive family_archive;
  q_->save(family_archive);
  archive.write("family", family_archive);
  torch::serialize::OutputArchive optimizer_archive;
  optimizer_->save(optimizer_archive);
  archive.write("optimizer", optimizer_archive);
  {
    std::lock_guard<std::mutex> lock(gen_.mutex());
    archive.write("rng", gen_.get_state());
  }
  auto ints = torch::tensor({step_, average_start_, average_end_, average_count_, skipped_steps_,
                             consecutive_nonfinite_, dropped_draws_,
                             static_cast<int64_t>(converged_)}, torch::kLong);
  archive.write("counters", ints);
  auto trace = torch::empty({static_cast<int64_t>(trace_.size()), 3}, torch::kDouble);
  for (size_t i = 0; i < trace_.size(); ++i) {
    trace[i][0] = static_cast<double>(trace_[i].iteration);
    trace[i][1] = trace_[i].elbo;
    trace[i][2] = trace_[i].rel_change;
  }
  archive.write("trace", trace);
  archive.write("rel_window", torch::tensor(rel_window_, torch::kDouble));
  archive.write("last_elbo", torch::tensor(last_elbo_, torch::kDouble));
  archive.write("message", string_tensor(message_));
  for (size_t i = 0; i < average_sums_.size(); ++i) {
    archive.write("average_sum_" + std::to_string(i), average_sums_[i]);
  }
  archive.write("divergence", torch::tensor({best_elbo_, optimizer_options_.eta,
                                             static_cast<double>(falls_in_a_row_),
                                             static_cast<double>(stopped_),
                                             static_cast<double>(best_params_.size())},
                                            torch::kDouble));
  for (size_t i = 0; i < best_params_.size(); ++i) {
    archive.write("best_param_" + std::to_string(i), best_params_[i]);
  }
  auto restarts = torch::empty({static_cast<int64_t>(restarts_.size()), 4}, torch::kDouble);
  std::string reasons;
  for (size_t i = 0; i < restarts_.size(); ++i) {
    restarts[i][0] = static_cast<double>(restarts_[i].iteration);
    restarts[i][1] = restarts_[i].elbo;
    restarts[i][2] = restarts_[i].best_elbo;
    restarts[i][3] = restarts_[i].eta;
    reasons += restarts_[i].reason + '\n';
  }
  archive.write("restarts", restarts);
  archive.write("restart_reasons", string_tensor(reasons));
  // Checksummed, and written then renamed: a run killed while saving keeps its
  // previous checkpoint, and a corrupt one is refused on resume.
  std::ostringstream bytes;
  try {
    archive.save_to(bytes);
  } catch (const c10::Error& e) {
    throw InputError(path, 0, "", "cannot write checkpoint: " + std::string(e.what_without_backtrace()));
  }
  io::write_checksummed_file(path, kSviCheckpointKind, bytes.str());
}

void Svi::load_state(const std::string& path) {
  if (!std::filesystem::exists(path)) {
    throw InputError(path, 0, "", "checkpoint file does not exist");
  }
  const std::string payload = io::read_checksummed_file(path, kSviCheckpointKind);
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(payload.data(), payload.size());
  } catch (const std::exception& e) {
    // Not only c10::Error: on a malformed archive torch's reader also throws
    // torch::jit::ErrorReport (the archive's code) and std::out_of_range.
    throw InputError(path, 0, "", "cannot read checkpoint (corrupt or truncated): " + first_line(e));
  }
  try {
    if (tensor_string(read_tensor(archive, "format")) != "elbo-svi-state-2") {
      throw InputError(path, 0, "format", "not an elbo SVI checkpoint");
    }
    const std::string expected = q_->family_name() + "/" + objective_->name() + "/" +
                                 std::to_string(p_->dim());
    const std::string found = tensor_string(read_tensor(archive, "signature"));
    if (found != expected) {
      throw InputError(path, 0, "signature",
                       "checkpoint is for '" + found + "' (family/objective/dimension) but this run is '" +
                           expected + "'");
    }
    at::Tensor fingerprint;
    const std::string saved = archive.try_read("fingerprint", fingerprint) ? tensor_string(fingerprint) : "";
    if (!saved.empty() && !options_.run_fingerprint.empty() && saved != options_.run_fingerprint) {
      throw InputError(path, 0, "fingerprint",
                       "checkpoint is for another run (" + saved + "); this run is " + options_.run_fingerprint +
                           ": resume with the same data and model options, or start afresh without --resume");
    }
    torch::serialize::InputArchive family_archive;
    archive.read("family", family_archive);
    // LibTorch's archive replaces a parameter by whatever tensor the file holds.
    std::vector<std::vector<int64_t>> shapes;
    std::vector<at::ScalarType> dtypes;
    for (const auto& t : q_->parameters()) {
      shapes.push_back(t.sizes().vec());
      dtypes.push_back(t.scalar_type());
    }
    q_->load(family_archive);
    const auto loaded = q_->parameters();
    for (size_t i = 0; i < loaded.size(); ++i) {
      if (!within_storage(loaded[i])) {
        throw InputError(path, 0, "family", "parameter " + std::to_string(i) + " is not a " +
                                                c10::toString(loaded[i].scalar_type()) + " tensor");
      }
      if (i >= shapes.size() || loaded[i].sizes().vec() != shapes[i] || loaded[i].scalar_type() != dtypes[i] ||
          !within_storage(loaded[i]) || !torch::isfinite(loaded[i]).all().item<bool>()) {
        throw InputError(path, 0, "family", "parameter " + std::to_string(i) + " has shape " +
                                                c10::str(loaded[i].sizes()) + " or non-finite values, not this family's");
      }
    }
    // The step size after restarts decides the optimizer the state belongs to.
    auto divergence = read_shaped(archive, path, "divergence", torch::kDouble, {5});
    auto dv = divergence.accessor<double, 1>();
    const auto params = q_->parameters();
    if (!(std::isfinite(dv[1]) && dv[1] > 0) || !(dv[2] >= 0 && dv[2] < 1e15) ||
        !(dv[4] == 0 || dv[4] == static_cast<double>(params.size()))) {
      throw InputError(path, 0, "divergence", "holds an invalid step size, count or number of saved parameters");
    }
    best_elbo_ = dv[0];
    optimizer_options_.eta = dv[1];
    falls_in_a_row_ = static_cast<int64_t>(dv[2]);
    stopped_ = dv[3] != 0;
    const auto num_best = static_cast<size_t>(dv[4]);
    optimizer_ = optim::make_optimizer(optimizer_options_, q_->parameters());
    best_params_.clear();
    for (size_t i = 0; i < num_best; ++i) {
      best_params_.push_back(read_like(archive, path, "best_param_" + std::to_string(i), params[i]));
    }
    auto restarts = read_shaped(archive, path, "restarts", torch::kDouble, {-1, 4});
    check_iterations(restarts, path, "restarts");
    const std::string reasons = tensor_string(read_tensor(archive, "restart_reasons"));
    restarts_.clear();
    size_t from = 0;
    for (int64_t i = 0; i < restarts.size(0); ++i) {
      const size_t to = reasons.find('\n', from);
      restarts_.push_back({static_cast<int64_t>(restarts[i][0].item<double>()),
                           restarts[i][1].item<double>(), restarts[i][2].item<double>(),
                           restarts[i][3].item<double>(),
                           reasons.substr(from, to == std::string::npos ? std::string::npos : to - from)});
      from = to == std::string::npos ? reasons.size() : to + 1;
    }
    torch::serialize::InputArchive optimizer_archive;
    archive.read("optimizer", optimizer_archive);
    optimizer_->load(optimizer_archive);
    {
      auto state = read_tensor(archive, "rng");
      std::lock_guard<std::mutex> lock(gen_.mutex());
      gen_.set_state(state);
    }
    auto ints = read_shaped(archive, path, "counters", torch::kLong, {8});
    auto c = ints.accessor<int64_t, 1>();
    if (c[0] < 0 || c[1] < -1 || c[3] < 0 || c[4] < 0 || c[5] < 0 || c[6] < 0 || (c[7] != 0 && c[7] != 1)) {
      throw InputError(path, 0, "counters", "holds a negative step or count");
    }
    step_ = c[0];
    average_start_ = c[1];
    average_end_ = c[2];
    average_count_ = c[3];
    skipped_steps_ = c[4];
    consecutive_nonfinite_ = c[5];
    dropped_draws_ = c[6];
    converged_ = c[7] != 0;
    auto trace = read_shaped(archive, path, "trace", torch::kDouble, {-1, 3});
    check_iterations(trace, path, "trace");
    trace_.clear();
    for (int64_t i = 0; i < trace.size(0); ++i) {
      trace_.push_back({static_cast<int64_t>(trace[i][0].item<double>()), trace[i][1].item<double>(),
                        trace[i][2].item<double>()});
    }
    auto window = read_shaped(archive, path, "rel_window", torch::kDouble, {-1});
    rel_window_.assign(window.data_ptr<double>(), window.data_ptr<double>() + window.numel());
    last_elbo_ = read_shaped(archive, path, "last_elbo", torch::kDouble, {}).item<double>();
    message_ = tensor_string(read_tensor(archive, "message"));
    average_sums_.clear();
    if (average_start_ >= 0) {
      const size_t n = q_->parameters().size();
      for (size_t i = 0; i < n; ++i) {
        average_sums_.push_back(read_like(archive, path, "average_sum_" + std::to_string(i), params[i]));
      }
    }
  } catch (const c10::Error& e) {
    throw InputError(path, 0, "", "cannot read checkpoint (corrupt or truncated): " + first_line(e));
  } catch (const torch::jit::ObjectAttributeError& e) {  // a field missing from a sub-archive
    throw InputError(path, 0, "", "cannot read checkpoint (corrupt or truncated): " + first_line(e));
  }
  resumed_ = true;
}

void Svi::resume() {
  if (options_.checkpoint_path.empty()) {
    throw ConfigError("svi: resume needs a checkpoint path (--checkpoint FILE)");
  }
  load_state(options_.checkpoint_path);
}

}  // namespace elbo::infer
