#include "elbo/conjugate/natural_svi.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <sstream>
#include <unordered_set>

#include "elbo/conjugate/option_check.hpp"
#include "elbo/core/error.hpp"
#include "elbo/io/atomic_file.hpp"
#include "elbo/io/checksummed_file.hpp"
#include "elbo/io/text_file.hpp"

namespace elbo::conjugate {

namespace {
constexpr int kAdaptiveInitSamples = 4;    // minibatches used to initialise ḡ, h̄
constexpr double kNormTestTheta = 0.5;     // Byrd et al. (2012) θ
}  // namespace

void NaturalSviOptions::validate() const {
  const char* f = "natural_svi";
  check_option_at_least(f, "batch_size", static_cast<double>(batch_size_), 1);
  check_option_nonnegative(f, "tau0", tau0_);
  check_option_half_open(f, "kappa", kappa_, 0.5, 1.0);
  check_option_at_least(f, "max_steps", static_cast<double>(max_steps_), 0);
  if (!(constant_rate_ >= 0 && constant_rate_ <= 1)) {
    fail_option(f, "constant_rate", constant_rate_, "in [0, 1] (0: use the schedule)");
  }
  check_option_at_least(f, "window", static_cast<double>(window_), 1);
  check_option_nonnegative(f, "svrg_every", static_cast<double>(svrg_every_));
  check_option_nonnegative(f, "checkpoint_every", static_cast<double>(checkpoint_every_));
  check_option_nonnegative(f, "elbo_every", static_cast<double>(elbo_every_));
  check_option_nonnegative(f, "heldout_every", static_cast<double>(heldout_every_));
  if (!importance_.empty()) {
    for (size_t i = 0; i < importance_.size(); ++i) {
      if (!(importance_[i] >= 0) || !std::isfinite(importance_[i])) {
        fail_option(f, "importance score", importance_[i], "finite and nonnegative");
      }
    }
    if (window_ > 1 || svrg_every_ > 0 || adaptive_batch_ || streaming_) {
      throw ConfigError("natural_svi: importance sampling combines only with adaptive_rate "
                        "(not window, svrg_every, adaptive_batch or streaming)");
    }
  }
  if (checkpoint_every_ > 0 && checkpoint_.empty()) {
    throw ConfigError("natural_svi: checkpoint_every is set but no checkpoint file is given");
  }
}

NaturalSvi::NaturalSvi(ConjugateModel& model, NaturalSviOptions options)
    : model_(model), options_(std::move(options)), rng_(options_.seed_) {
  options_.validate();
  batch_size_ = std::min(options_.batch_size_, model_.num_data());
  if (!options_.importance_.empty()) {
    if (static_cast<int64_t>(options_.importance_.size()) != model_.num_data()) {
      throw ConfigError("natural_svi: " + std::to_string(options_.importance_.size()) +
                        " importance scores for " + std::to_string(model_.num_data()) + " data points");
    }
    double total = 0;
    for (double v : options_.importance_) total += v;
    if (!(total > 0)) throw ConfigError("natural_svi: importance scores are all zero");
    importance_probability_ = options_.importance_;
    for (double& v : importance_probability_) v /= total;
    importance_sampler_ = std::discrete_distribution<int64_t>(options_.importance_.begin(),
                                                              options_.importance_.end());
    batch_size_ = options_.batch_size_;  // draws with replacement: S may exceed M
  }
}

Batch NaturalSvi::sample_batch() {
  const int64_t m = model_.num_data();
  if (options_.streaming_) {
    Batch b;
    b.reserve(static_cast<size_t>(batch_size_));
    for (int64_t i = 0; i < batch_size_; ++i) b.push_back((stream_position_ + i) % m);
    stream_position_ += batch_size_;
    return b;
  }
  if (!importance_probability_.empty()) {
    Batch b(static_cast<size_t>(batch_size_));
    for (auto& v : b) v = importance_sampler_(rng_);
    std::sort(b.begin(), b.end());
    return b;
  }
  if (batch_size_ >= m) return model_.all_points();
  if (options_.sampling_ == NaturalSviOptions::Sampling::reshuffle) {
    if (epoch_order_.empty() || epoch_position_ + batch_size_ > m) {
      epoch_order_.resize(static_cast<size_t>(m));
      for (int64_t i = 0; i < m; ++i) epoch_order_[static_cast<size_t>(i)] = i;
      std::shuffle(epoch_order_.begin(), epoch_order_.end(), rng_);
      epoch_position_ = 0;
    }
    Batch b(epoch_order_.begin() + epoch_position_, epoch_order_.begin() + epoch_position_ + batch_size_);
    epoch_position_ += batch_size_;
    std::sort(b.begin(), b.end());
    return b;
  }
  // Floyd's algorithm: S distinct indices uniformly, O(S) draws.
  std::unordered_set<int64_t> chosen;
  chosen.reserve(static_cast<size_t>(2 * batch_size_));
  Batch b;
  b.reserve(static_cast<size_t>(batch_size_));
  for (int64_t j = m - batch_size_; j < m; ++j) {
    std::uniform_int_distribution<int64_t> pick(0, j);
    const int64_t t = pick(rng_);
    const int64_t v = chosen.insert(t).second ? t : j;
    if (v == j) chosen.insert(j);
    b.push_back(v);
  }
  std::sort(b.begin(), b.end());
  return b;
}

double NaturalSvi::schedule_rate() const {
  if (options_.constant_rate_ > 0) return options_.constant_rate_;
  return std::pow(static_cast<double>(step_) + options_.tau0_, -options_.kappa_);
}

void NaturalSvi::refresh_snapshot() {
  snapshot_lambda_ = model_.global_parameters();
  snapshot_full_ = model_.local_step_statistics(model_.all_points());
}

Eigen::VectorXd NaturalSvi::noisy_optimum(const Batch& batch, double scale) {
  const Eigen::VectorXd& lambda = model_.global_parameters();
  // SVRG: the snapshot's statistics of the batch come first, so that the local
  // factors the model keeps (warm starts, responsibilities()) are those at the
  // current λ when this step is done.
  BatchStatistics at_snapshot;
  if (options_.svrg_every_ > 0) {
    const Eigen::VectorXd current = lambda;
    if (snapshot_lambda_.size() == 0 || step_ % options_.svrg_every_ == 0) refresh_snapshot();
    model_.set_global_parameters(snapshot_lambda_);
    at_snapshot = model_.local_step_statistics(batch);
    model_.set_global_parameters(current);
  }
  BatchStatistics stats;
  if (!importance_probability_.empty()) {
    // batch holds S draws with replacement, sorted: merge repeats into weights.
    Batch unique;
    std::vector<double> weights;
    const double S = static_cast<double>(batch.size());
    for (size_t i = 0; i < batch.size(); ++i) {
      const double w = 1.0 / (S * importance_probability_[static_cast<size_t>(batch[i])]);
      if (!unique.empty() && unique.back() == batch[i]) {
        weights.back() += w;
      } else {
        unique.push_back(batch[i]);
        weights.push_back(w);
      }
    }
    (void)scale;
    return model_.global_step(model_.weighted_statistics(unique, weights), 1.0);
  }
  if (options_.adaptive_batch_ && batch.size() >= 2 && batch_size_ < model_.num_data()) {
    // Norm test on the two halves: noise ≈ ‖g1 − g2‖²/4 vs θ²‖g‖².
    const size_t half = batch.size() / 2;
    const Batch b1(batch.begin(), batch.begin() + static_cast<std::ptrdiff_t>(half));
    const Batch b2(batch.begin() + static_cast<std::ptrdiff_t>(half), batch.end());
    BatchStatistics s1 = model_.local_step_statistics(b1);
    BatchStatistics s2 = model_.local_step_statistics(b2);
    const double m = static_cast<double>(model_.num_data());
    const Eigen::VectorXd g1 = model_.global_step(s1, m / static_cast<double>(b1.size())) - lambda;
    const Eigen::VectorXd g2 = model_.global_step(s2, m / static_cast<double>(b2.size())) - lambda;
    const double noise = 0.25 * (g1 - g2).squaredNorm();
    const double signal = (0.5 * (g1 + g2)).squaredNorm();
    if (noise > kNormTestTheta * kNormTestTheta * signal) {
      batch_size_ = std::min(2 * batch_size_, model_.num_data());
    }
    stats.sufficient = s1.sufficient + s2.sufficient;
    stats.local_bound = s1.local_bound + s2.local_bound;
    stats.size = s1.size + s2.size;
  } else {
    stats = model_.local_step_statistics(batch);
  }

  if (options_.svrg_every_ > 0) {
    // F̃ + (M/S)(s_B(λ) − s_B(λ̃)) is unbiased for the full-data statistics but, with
    // local variables, not the statistics of any local factors: e.g. LDA's expected
    // word counts can go negative and λ̂ would leave the Dirichlet's domain. It is
    // projected onto the model's convex set of valid statistics, which contains the
    // target, so the projection only shrinks the error (ConjugateModel::project_statistics).
    BatchStatistics combined;
    combined.sufficient = snapshot_full_.sufficient +
                          scale * (stats.sufficient - at_snapshot.sufficient);
    combined.size = model_.num_data();
    model_.project_statistics(combined);
    return model_.global_step(combined, 1.0);
  }

  if (options_.window_ > 1) {
    stats.sufficient *= scale;
    window_stats_.push_back(std::move(stats));
    if (static_cast<int64_t>(window_stats_.size()) > options_.window_) window_stats_.pop_front();
    BatchStatistics mean;
    mean.sufficient = Eigen::VectorXd::Zero(window_stats_.front().sufficient.size());
    for (const auto& s : window_stats_) mean.sufficient += s.sufficient;
    mean.sufficient /= static_cast<double>(window_stats_.size());
    return model_.global_step(mean, 1.0);
  }
  return model_.global_step(stats, scale);
}

double NaturalSvi::step() {
  const int64_t m = model_.num_data();
  const Batch batch = sample_batch();
  double scale = static_cast<double>(m) / static_cast<double>(batch.size());
  if (options_.streaming_) {
    const int64_t seen = std::min(stream_position_, m);
    scale = static_cast<double>(seen) / static_cast<double>(batch.size());
  }
  ++step_;
  Eigen::VectorXd target = noisy_optimum(batch, scale);
  const Eigen::VectorXd& lambda = model_.global_parameters();

  double rho;
  if (options_.adaptive_rate_) {
    const Eigen::VectorXd g = target - lambda;
    if (!adaptive_initialised_) {
      // Monte Carlo initialisation of ḡ and h̄ at the starting λ.
      gbar_ = g;
      hbar_ = g.squaredNorm();
      for (int i = 1; i < kAdaptiveInitSamples; ++i) {
        const Eigen::VectorXd gi = noisy_optimum(sample_batch(), scale) - lambda;
        gbar_ += gi;
        hbar_ += gi.squaredNorm();
      }
      gbar_ /= kAdaptiveInitSamples;
      hbar_ /= kAdaptiveInitSamples;
      tau_ = kAdaptiveInitSamples;
      adaptive_initialised_ = true;
    }
    gbar_ = (1.0 - 1.0 / tau_) * gbar_ + g / tau_;
    hbar_ = (1.0 - 1.0 / tau_) * hbar_ + g.squaredNorm() / tau_;
    rho = hbar_ > 0 ? gbar_.squaredNorm() / hbar_ : 1.0;
    rho = std::clamp(rho, 1e-6, 1.0);
    tau_ = tau_ * (1.0 - rho) + 1.0;
  } else {
    rho = schedule_rate();
  }
  if (!target.allFinite()) {
    throw NumericalError("natural_svi: non-finite global optimum at step " + std::to_string(step_));
  }
  model_.set_global_parameters((1.0 - rho) * lambda + rho * target);
  return rho;
}

double NaturalSvi::full_elbo() {
  return model_.elbo(model_.local_step_statistics(model_.all_points()));
}

NaturalSviResult NaturalSvi::run() {
  NaturalSviResult result;
  while (step_ < options_.max_steps_) {
    const double rho = step();
    result.rates.push_back(rho);
    result.steps = step_;
    if (options_.elbo_every_ > 0 && step_ % options_.elbo_every_ == 0) {
      result.elbo_trace.emplace_back(step_, full_elbo());
    }
    if (options_.heldout_every_ > 0 && step_ % options_.heldout_every_ == 0) {
      if (auto s = model_.heldout_score()) result.heldout_trace.emplace_back(step_, *s);
    }
    if (options_.checkpoint_every_ > 0 && step_ % options_.checkpoint_every_ == 0) {
      save_checkpoint(options_.checkpoint_);
    }
    if (options_.callback_ && !options_.callback_(step_, rho)) break;
  }
  if (!options_.checkpoint_.empty()) save_checkpoint(options_.checkpoint_);
  return result;
}

void NaturalSvi::save_checkpoint(const std::string& path) const {
  nlohmann::json j;
  j["format"] = "elbo.natural_svi.checkpoint/1";
  j["model"] = model_.name();
  j["num_data"] = model_.num_data();
  j["step"] = step_;
  j["batch_size"] = batch_size_;
  j["stream_position"] = stream_position_;
  j["epoch_order"] = epoch_order_;
  j["epoch_position"] = epoch_position_;
  std::ostringstream rng;
  rng << rng_;
  j["rng"] = rng.str();
  const Eigen::VectorXd& lambda = model_.global_parameters();
  j["lambda"] = std::vector<double>(lambda.data(), lambda.data() + lambda.size());
  j["adaptive"] = {{"initialised", adaptive_initialised_},
                   {"gbar", std::vector<double>(gbar_.data(), gbar_.data() + gbar_.size())},
                   {"hbar", hbar_},
                   {"tau", tau_}};
  io::write_checksummed_file(path, "natural-svi-checkpoint", j.dump());
}

void NaturalSvi::resume(const std::string& path) {
  const std::string text = io::read_checksummed_file(path, "natural-svi-checkpoint");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw InputError(path, 0, "", std::string("not a JSON checkpoint: ") + e.what());
  }
  auto field = [&](const char* name) -> const nlohmann::json& {
    if (!j.contains(name)) throw InputError(path, 0, name, "missing from checkpoint");
    return j.at(name);
  };
  // nlohmann casts a float (1e300) to an integer without a range check: require
  // integers, small enough that the next steps cannot overflow them.
  auto is_small_integer = [](const nlohmann::json& v) {
    return v.is_number_integer() && !(v.is_number_unsigned() && v.get<uint64_t>() > (uint64_t{1} << 53));
  };
  auto integer = [&](const char* name) -> int64_t {
    const auto& v = field(name);
    if (!is_small_integer(v)) throw InputError(path, 0, name, "is not an integer of at most 2^53");
    return v.get<int64_t>();
  };
  try {
    if (field("format").get<std::string>() != "elbo.natural_svi.checkpoint/1") {
      throw InputError(path, 0, "format", "unknown checkpoint format");
    }
    if (field("model").get<std::string>() != model_.name()) {
      throw InputError(path, 0, "model", "checkpoint is for model '" +
                       j["model"].get<std::string>() + "', not '" + model_.name() + "'");
    }
    const int64_t num_data = integer("num_data");
    if (num_data != model_.num_data()) {
      throw InputError(path, 0, "num_data", "checkpoint was written for " +
                       std::to_string(num_data) + " data points, the data has " +
                       std::to_string(model_.num_data()));
    }
    const auto lambda = field("lambda").get<std::vector<double>>();
    if (static_cast<int64_t>(lambda.size()) != model_.global_parameters().size()) {
      throw InputError(path, 0, "lambda", "has " + std::to_string(lambda.size()) +
                       " values, the model has " +
                       std::to_string(model_.global_parameters().size()) + " global parameters");
    }
    std::istringstream rng(field("rng").get<std::string>());
    rng >> rng_;
    if (!rng) throw InputError(path, 0, "rng", "malformed random-number state");
    step_ = integer("step");
    batch_size_ = integer("batch_size");
    stream_position_ = integer("stream_position");
    const auto& order = field("epoch_order");
    if (!order.is_array()) throw InputError(path, 0, "epoch_order", "is not a list");
    for (const auto& v : order) {
      if (!is_small_integer(v)) throw InputError(path, 0, "epoch_order", "holds a value that is not an integer");
    }
    epoch_order_ = order.get<std::vector<int64_t>>();
    epoch_position_ = integer("epoch_position");
    const int64_t M = model_.num_data();
    if (step_ < 0) throw InputError(path, 0, "step", "is negative");
    // Sampling with replacement may draw more than M points; otherwise S <= M.
    const int64_t max_batch = std::max(M, options_.batch_size_);
    if (batch_size_ < 1 || batch_size_ > max_batch) {
      throw InputError(path, 0, "batch_size", "is " + std::to_string(batch_size_) + ", outside [1, " +
                                                  std::to_string(max_batch) + "]");
    }
    if (stream_position_ < 0) throw InputError(path, 0, "stream_position", "is negative");
    if (!epoch_order_.empty() && static_cast<int64_t>(epoch_order_.size()) != M) {
      throw InputError(path, 0, "epoch_order", "does not list every data point once");
    }
    if (epoch_position_ < 0 || epoch_position_ > static_cast<int64_t>(epoch_order_.size())) {
      throw InputError(path, 0, "epoch_position", "is out of range");
    }
    for (double v : lambda) {
      if (!std::isfinite(v)) throw InputError(path, 0, "lambda", "holds a value that is not finite");
    }
    for (int64_t v : epoch_order_) {
      if (v < 0 || v >= model_.num_data()) throw InputError(path, 0, "epoch_order", "index out of range");
    }
    const auto& a = field("adaptive");
    adaptive_initialised_ = a.at("initialised").get<bool>();
    const auto gbar = a.at("gbar").get<std::vector<double>>();
    gbar_ = Eigen::Map<const Eigen::VectorXd>(gbar.data(), static_cast<Eigen::Index>(gbar.size()));
    hbar_ = a.at("hbar").get<double>();
    tau_ = a.at("tau").get<double>();
    if (gbar_.size() != 0 && gbar_.size() != static_cast<Eigen::Index>(lambda.size())) {
      throw InputError(path, 0, "adaptive", "gbar has the wrong length");
    }
    if (!std::isfinite(hbar_) || !std::isfinite(tau_) || tau_ < 0 || !gbar_.allFinite()) {
      throw InputError(path, 0, "adaptive", "holds a value that is not finite or a negative window");
    }
    try {
      model_.set_global_parameters(
          Eigen::Map<const Eigen::VectorXd>(lambda.data(), static_cast<Eigen::Index>(lambda.size())));
    } catch (const DomainError& e) {
      throw InputError(path, 0, "lambda", e.what());
    } catch (const NumericalError& e) {
      throw InputError(path, 0, "lambda", e.what());
    }
  } catch (const nlohmann::json::exception& e) {
    throw InputError(path, 0, "", std::string("malformed checkpoint: ") + e.what());
  }
  window_stats_.clear();
  snapshot_lambda_.resize(0);
}

}  // namespace elbo::conjugate
