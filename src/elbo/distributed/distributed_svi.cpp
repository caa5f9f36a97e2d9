#include "elbo/distributed/distributed_svi.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <exception>

#include "elbo/conjugate/option_check.hpp"
#include "elbo/core/error.hpp"
#include "elbo/distributed/minibatch.hpp"
#include "elbo/io/checksummed_file.hpp"

namespace elbo::distributed {

namespace conj = elbo::conjugate;

namespace {
constexpr const char* kCheckpointFormat = "elbo.distributed_svi.checkpoint/1";
using SviClock = std::chrono::steady_clock;
double seconds_since(SviClock::time_point t) {
  return std::chrono::duration<double>(SviClock::now() - t).count();
}
}  // namespace

ShardLayout shard_layout(int64_t local_count, Communicator& comm) {
  std::vector<int64_t> counts(static_cast<size_t>(comm.size()), 0);
  counts[static_cast<size_t>(comm.rank())] = local_count;
  comm.allreduce_sum(counts);
  ShardLayout layout;
  layout.count = local_count;
  for (int r = 0; r < comm.size(); ++r) {
    if (r < comm.rank()) layout.first += counts[static_cast<size_t>(r)];
    layout.total += counts[static_cast<size_t>(r)];
  }
  return layout;
}

void DistributedSviOptions::validate() const {
  const char* f = "distributed_svi";
  conj::check_option_at_least(f, "batch_size", static_cast<double>(batch_size_), 1);
  conj::check_option_nonnegative(f, "tau0", tau0_);
  conj::check_option_half_open(f, "kappa", kappa_, 0.5, 1.0);
  conj::check_option_at_least(f, "max_steps", static_cast<double>(max_steps_), 0);
  conj::check_option_at_least(f, "statistics_size", static_cast<double>(statistics_size_), 1);
  conj::check_option_nonnegative(f, "checkpoint_every", static_cast<double>(checkpoint_every_));
  if (checkpoint_every_ > 0 && checkpoint_.empty()) {
    throw ConfigError("distributed_svi: checkpoint_every needs a checkpoint path");
  }
}

conj::BatchStatistics allreduce_statistics(const conj::BatchStatistics& local, int64_t statistics_size,
                                           Communicator& comm) {
  if (local.sufficient.size() != 0 && local.sufficient.size() != statistics_size) {
    throw std::logic_error("allreduce_statistics: statistics have " + std::to_string(local.sufficient.size()) +
                           " entries, expected " + std::to_string(statistics_size));
  }
  // One buffer, one collective: [sufficient (n), local_bound, size].
  std::vector<double> buffer(static_cast<size_t>(statistics_size + 2), 0.0);
  if (local.sufficient.size() != 0) {
    Eigen::Map<Eigen::VectorXd>(buffer.data(), statistics_size) = local.sufficient;
  }
  buffer[static_cast<size_t>(statistics_size)] = local.local_bound;
  buffer[static_cast<size_t>(statistics_size + 1)] = static_cast<double>(local.size);
  comm.allreduce_sum(buffer);
  conj::BatchStatistics out;
  out.sufficient = Eigen::Map<const Eigen::VectorXd>(buffer.data(), statistics_size);
  out.local_bound = buffer[static_cast<size_t>(statistics_size)];
  out.size = static_cast<int64_t>(std::llround(buffer[static_cast<size_t>(statistics_size + 1)]));
  return out;
}

DistributedNaturalSvi::DistributedNaturalSvi(conj::ConjugateModel& model, ShardLayout layout, Communicator& comm,
                                             DistributedSviOptions options)
    : model_(model), layout_(layout), comm_(comm), options_(std::move(options)) {
  options_.validate();
  if (layout_.count != model_.num_data()) {
    throw std::logic_error("DistributedNaturalSvi: the shard layout has " + std::to_string(layout_.count) +
                           " points, the model " + std::to_string(model_.num_data()));
  }
  comm_stats_.bytes_per_reduction = 8 * (options_.statistics_size_ + 2);
}

conj::BatchStatistics DistributedNaturalSvi::reduce(conj::BatchStatistics local) {
  const auto t = SviClock::now();
  conj::BatchStatistics out = allreduce_statistics(local, options_.statistics_size_, comm_);
  comm_stats_.seconds += seconds_since(t);
  ++comm_stats_.reductions;
  return out;
}

double DistributedNaturalSvi::step() {
  const std::vector<int64_t> batch = global_minibatch(layout_.total, options_.batch_size_, options_.seed_, step_);
  const conj::Batch mine = local_part(batch, layout_.first, layout_.count);
  const auto t = SviClock::now();
  conj::BatchStatistics local;
  if (!mine.empty()) local = model_.local_step_statistics(mine);
  comm_stats_.compute_seconds += seconds_since(t);
  const conj::BatchStatistics stats = reduce(std::move(local));
  ++step_;
  const double scale = static_cast<double>(layout_.total) / static_cast<double>(batch.size());
  const Eigen::VectorXd target = model_.global_step(stats, scale);
  if (!target.allFinite()) {
    throw NumericalError("distributed_svi: non-finite global optimum at step " + std::to_string(step_));
  }
  const double rho = std::pow(static_cast<double>(step_) + options_.tau0_, -options_.kappa_);
  model_.set_global_parameters((1.0 - rho) * model_.global_parameters() + rho * target);
  return rho;
}

int64_t DistributedNaturalSvi::run() {
  while (step_ < options_.max_steps_) {
    const double rho = step();
    if (options_.checkpoint_every_ > 0 && step_ % options_.checkpoint_every_ == 0) {
      save_checkpoint(options_.checkpoint_);
    }
    if (options_.callback_ && !options_.callback_(step_, rho)) break;
  }
  if (!options_.checkpoint_.empty()) save_checkpoint(options_.checkpoint_);
  return step_;
}

conj::BatchStatistics DistributedNaturalSvi::full_statistics() {
  conj::BatchStatistics local;
  if (model_.num_data() > 0) local = model_.local_step_statistics(model_.all_points());
  return reduce(std::move(local));
}

double DistributedNaturalSvi::full_elbo() { return model_.elbo(full_statistics()); }

void DistributedNaturalSvi::save_checkpoint(const std::string& path) const {
  if (comm_.is_root()) {
    nlohmann::json j;
    j["format"] = kCheckpointFormat;
    j["model"] = model_.name();
    j["num_data"] = layout_.total;
    j["seed"] = options_.seed_;
    j["batch_size"] = options_.batch_size_;
    j["step"] = step_;
    j["ranks"] = comm_.size();  // informational: any number may resume
    const Eigen::VectorXd& lambda = model_.global_parameters();
    j["lambda"] = std::vector<double>(lambda.data(), lambda.data() + lambda.size());
    // A flipped digit in λ would otherwise resume silently into another fit.
    io::write_checksummed_file(path, kDistributedSviCheckpointKind, j.dump());
  }
  // No rank runs ahead of a checkpoint that a kill could then lose.
  comm_.barrier();
}

void DistributedNaturalSvi::resume(const std::string& path) {
  // Rank 0 reads; "E" + message or "T" + text is broadcast, so every rank
  // throws the same error or parses the same bytes (no shared file system needed).
  std::string payload;
  std::exception_ptr error;  // rank 0 rethrows its own error, with its file, line and field
  if (comm_.is_root()) {
    try {
      payload = "T" + io::read_checksummed_file(path, kDistributedSviCheckpointKind);
    } catch (const std::exception& e) {
      payload = std::string("E") + e.what();
      error = std::current_exception();
    }
  }
  comm_.broadcast(payload, 0);
  if (error) std::rethrow_exception(error);
  if (payload.empty() || payload[0] == 'E') {
    throw InputError(path, 0, "", payload.empty() ? "cannot read checkpoint" : payload.substr(1));
  }
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(payload.begin() + 1, payload.end());
  } catch (const nlohmann::json::exception& e) {
    throw InputError(path, 0, "", std::string("not a JSON checkpoint: ") + e.what());
  }
  auto field = [&](const char* name) -> const nlohmann::json& {
    if (!j.is_object() || !j.contains(name)) throw InputError(path, 0, name, "missing from checkpoint");
    return j.at(name);
  };
  // nlohmann casts a float (1e300) to an integer without a range check: require
  // integers, and a step count that the next steps cannot overflow.
  auto integer = [&](const char* name) -> int64_t {
    const auto& v = field(name);
    if (!v.is_number_integer()) throw InputError(path, 0, name, "is not an integer");
    if (v.is_number_unsigned() && v.get<uint64_t>() > (uint64_t{1} << 53)) throw InputError(path, 0, name, "is too large");
    return v.get<int64_t>();
  };
  auto unsigned_integer = [&](const char* name) -> uint64_t {
    const auto& v = field(name);
    if (!v.is_number_unsigned()) throw InputError(path, 0, name, "is not a non-negative integer");
    return v.get<uint64_t>();
  };
  try {
    if (field("format").get<std::string>() != kCheckpointFormat) {
      throw InputError(path, 0, "format", std::string("not a distributed SVI checkpoint (") + kCheckpointFormat + ")");
    }
    if (field("model").get<std::string>() != model_.name()) {
      throw InputError(path, 0, "model", "checkpoint is for model '" + j["model"].get<std::string>() +
                                             "', not '" + model_.name() + "'");
    }
    const int64_t num_data = integer("num_data");
    if (num_data != layout_.total) {
      throw InputError(path, 0, "num_data", "checkpoint was written for " + std::to_string(num_data) +
                                                " data points, the data has " + std::to_string(layout_.total));
    }
    if (unsigned_integer("seed") != options_.seed_ || integer("batch_size") != options_.batch_size_) {
      throw InputError(path, 0, "seed", "checkpoint was written with another seed or batch size: the "
                                        "minibatches of a resumed run would not be those of the original");
    }
    const auto lambda = field("lambda").get<std::vector<double>>();
    if (static_cast<int64_t>(lambda.size()) != model_.global_parameters().size()) {
      throw InputError(path, 0, "lambda", "has " + std::to_string(lambda.size()) + " values, the model has " +
                                              std::to_string(model_.global_parameters().size()));
    }
    const int64_t step = integer("step");
    if (step < 0) throw InputError(path, 0, "step", "is negative");
    const Eigen::Map<const Eigen::VectorXd> l(lambda.data(), static_cast<Eigen::Index>(lambda.size()));
    if (!l.allFinite()) throw InputError(path, 0, "lambda", "has non-finite values");
    model_.set_global_parameters(l);
    step_ = step;
  } catch (const nlohmann::json::exception& e) {
    throw InputError(path, 0, "", std::string("malformed checkpoint: ") + e.what());
  }
}

conj::CaviResult distributed_cavi(conj::ConjugateModel& model, int64_t statistics_size, Communicator& comm,
                                  const conj::CaviOptions& options) {
  options.validate();
  conj::CaviResult result;
  double previous = -INFINITY;
  for (int64_t it = 1; it <= options.max_iterations_; ++it) {
    conj::BatchStatistics local;
    if (model.num_data() > 0) local = model.local_step_statistics(model.all_points());
    const conj::BatchStatistics stats = allreduce_statistics(local, statistics_size, comm);
    model.set_global_parameters(model.global_step(stats, 1.0));
    const double value = model.elbo(stats);
    if (!std::isfinite(value)) {
      throw NumericalError("distributed_cavi: ELBO is not finite at iteration " + std::to_string(it));
    }
    result.elbo_trace.push_back(value);
    result.iterations = it;
    if (options.callback_ && !options.callback_(it, value)) break;
    if (std::isfinite(previous) && std::abs(value - previous) <= options.tolerance_ * std::abs(value)) {
      result.converged = true;
      break;
    }
    previous = value;
  }
  return result;
}

}  // namespace elbo::distributed
