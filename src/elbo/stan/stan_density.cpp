#include "elbo/stan/stan_density.hpp"

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <mutex>
#include <regex>
#include <sstream>

#include "elbo/core/check.hpp"
#include "elbo/core/error.hpp"

namespace elbo::stan {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

std::vector<std::string> split_names(const char* joined) {
  std::vector<std::string> out;
  std::string s = joined ? joined : "";
  size_t start = 0;
  while (!s.empty() && start <= s.size()) {
    const size_t comma = s.find(',', start);
    out.push_back(s.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

std::string one_line(std::string message) {
  for (auto& c : message) {
    if (c == '\n') c = ' ';
  }
  return message;
}

// The variable a Stan var_context message is about ("variable name=y"), or "".
std::string variable_named_in(const std::string& message) {
  static const std::regex name_re(R"(variable name=([A-Za-z0-9_]+))");
  std::smatch m;
  return std::regex_search(message, m, name_re) ? std::string(m[1]) : std::string();
}

// Stan's data-reading message as one line, naming the variable as a field.
[[noreturn]] void throw_data_error(const std::string& source, std::string message) {
  message = one_line(std::move(message));
  const std::string field = variable_named_in(message);
  std::smatch m;
  // Stan's own prefixes say where in the generated code; the user needs the why.
  if (message.find("variable does not exist") != std::string::npos) {
    throw InputError(source.empty() ? "<no data file>" : source, 0, field,
                     "missing: the program declares it in its data block");
  }
  static const std::regex dims_re(R"(dims declared=\(([^)]*)\); dims found=\(([^)]*)\))");
  if (std::regex_search(message, m, dims_re)) {
    throw InputError(source, 0, field,
                     "has dimensions (" + std::string(m[2]) + "), but the program declares (" +
                         std::string(m[1]) + ")");
  }
  static const std::regex stage_re(R"(; processing stage=.*$)");
  message = std::regex_replace(message, stage_re, "");
  static const std::regex prefix_re(R"(^model_[A-Za-z0-9_]*_namespace::[A-Za-z0-9_]*: )");
  message = std::regex_replace(message, prefix_re, "");
  throw InputError(source.empty() ? "<no data file>" : source, 0, "", message);
}

// One autograd node: log p forward, Stan's gradient saved for backward.
struct StanLogProb : public torch::autograd::Function<StanLogProb> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& theta,
                            const StanDensity* density) {
    auto x = theta.detach().to(torch::kDouble).contiguous();
    const int64_t K = x.size(0);
    auto log_p = torch::empty({K}, x.options());
    auto grad = torch::empty({K, density->dim()}, x.options());
    density->evaluate(K, x.data_ptr<double>(), log_p.data_ptr<double>(), grad.data_ptr<double>());
    ctx->save_for_backward({grad});
    return log_p.to(theta.scalar_type());
  }
  static variable_list backward(AutogradContext* ctx, variable_list grad_output) {
    auto grad = ctx->get_saved_variables()[0];
    return {(grad_output[0].to(torch::kDouble).unsqueeze(1) * grad).to(grad_output[0].scalar_type()),
            at::Tensor()};
  }
};

at::Tensor checked_points(const char* where, const at::Tensor& theta, int64_t dim) {
  check_dim(where, "theta", theta, 2);
  if (theta.size(1) != dim) {
    throw DomainError(std::string(where) + ": theta has " + std::to_string(theta.size(1)) +
                      " columns, but the Stan program has " + std::to_string(dim) +
                      " unconstrained parameters");
  }
  return theta.detach().to(torch::kDouble).contiguous();
}

}  // namespace

StanDensity::StanDensity(std::shared_ptr<const StanLibrary> library, const StanData& data,
                         uint32_t seed)
    : library_(std::move(library)) {
  char* error = nullptr;
  if (library_->create(data.c_data(), seed, &model_, &error) != 0) {
    throw_data_error(data.source(), library_->take_error(error));
  }
  name_ = library_->model_name(model_);
  if (name_.rfind("model_", 0) == 0) name_ = name_.substr(6);  // rstan's stanc prefixes the class name
  dim_ = library_->num_unconstrained(model_);
  parameter_names_ = split_names(library_->constrained_names(model_, 0, 0));
  output_names_ = split_names(library_->constrained_names(model_, 1, 1));
  unconstrained_names_ = split_names(library_->unconstrained_names(model_));
  if (dim_ == 0) {
    library_->destroy(model_);
    model_ = nullptr;
    throw InputError(data.source().empty() ? name_ : data.source(), 0, "",
                     "the Stan program '" + name_ + "' has no parameters: there is no posterior "
                     "to approximate");
  }
}

StanDensity::~StanDensity() {
  if (model_) library_->destroy(model_);
}

void StanDensity::evaluate(int64_t K, const double* theta, double* log_p, double* gradient) const {
  const int64_t D = dim_;
  std::mutex mutex;
  std::string failure;
  auto run = [&](int64_t begin, int64_t end) {
    char* error = nullptr;
    if (library_->log_density(model_, end - begin, theta + begin * D, 1, log_p + begin,
                              gradient ? gradient + begin * D : nullptr, &error) != 0) {
      std::lock_guard<std::mutex> guard(mutex);
      if (failure.empty()) failure = library_->take_error(error);
    }
  };
  // Threads pay off only when a batch costs well above their start-up (~20 µs).
  const double cost = seconds_per_point_.load(std::memory_order_relaxed);
  const auto start = std::chrono::steady_clock::now();
  if (cost == 0.0 || K * cost < 2e-4 || at::get_num_threads() < 2) {
    run(0, K);
  } else {
    const int64_t grain = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(1e-4 / cost)));
    at::parallel_for(0, K, grain, run);
  }
  if (cost == 0.0 && K > 0) {
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    seconds_per_point_.store(std::max(seconds / K, 1e-9), std::memory_order_relaxed);
  }
  if (!failure.empty()) throw NumericalError(name_ + ": " + failure);
}

at::Tensor StanDensity::log_prob(const at::Tensor& theta, const model::Subsample& data) const {
  (void)data;  // a Stan program sees all its data (num_data() is 0)
  checked_points("StanDensity::log_prob", theta, dim_);
  if (!theta.requires_grad() || !torch::GradMode::is_enabled()) {
    auto x = theta.detach().to(torch::kDouble).contiguous();
    auto log_p = torch::empty({x.size(0)}, x.options());
    evaluate(x.size(0), x.data_ptr<double>(), log_p.data_ptr<double>(), nullptr);
    return log_p.to(theta.scalar_type());
  }
  return StanLogProb::apply(theta, this);
}

model::LogProbAndGradient StanDensity::log_prob_and_gradient(const at::Tensor& theta,
                                                             const model::Subsample& data) const {
  (void)data;
  auto x = checked_points("StanDensity::log_prob_and_gradient", theta, dim_);
  auto log_p = torch::empty({x.size(0)}, x.options());
  auto grad = torch::empty({x.size(0), dim_}, x.options());
  evaluate(x.size(0), x.data_ptr<double>(), log_p.data_ptr<double>(), grad.data_ptr<double>());
  return {log_p, grad};
}

at::Tensor StanDensity::hessian(const at::Tensor& theta) const {
  check_shape("StanDensity::hessian", "theta", theta, {dim_});
  const int64_t D = dim_;
  auto x = theta.detach().to(torch::kDouble).contiguous();
  // Points θ + s h_i e_i for s = -2, -1, 1, 2 and each i; h_i relative to |θ_i|.
  auto h = 1e-4 * torch::clamp_min(x.abs(), 1.0);
  auto points = x.unsqueeze(0).repeat({4 * D, 1});
  const double steps[4] = {-2.0, -1.0, 1.0, 2.0};
  for (int64_t i = 0; i < D; ++i) {
    for (int s = 0; s < 4; ++s) points[4 * i + s][i] += steps[s] * h[i].item<double>();
  }
  auto log_p = torch::empty({4 * D}, x.options());
  auto grad = torch::empty({4 * D, D}, x.options());
  evaluate(4 * D, points.data_ptr<double>(), log_p.data_ptr<double>(), grad.data_ptr<double>());
  auto g = grad.view({D, 4, D});
  // f'(x) ≈ (f(x-2h) - 8 f(x-h) + 8 f(x+h) - f(x+2h)) / 12h, row i = ∂∇/∂θ_i.
  auto H = (g.select(1, 0) - 8 * g.select(1, 1) + 8 * g.select(1, 2) - g.select(1, 3)) /
           (12 * h.unsqueeze(1));
  return (0.5 * (H + H.t())).to(theta.scalar_type());
}

at::Tensor StanDensity::output_values(const at::Tensor& theta, uint64_t seed) const {
  auto x = checked_points("StanDensity::output_values", theta, dim_);
  const int64_t K = x.size(0), P = static_cast<int64_t>(output_names_.size());
  auto values = torch::empty({K, P}, x.options());
  char* error = nullptr;
  if (library_->constrain(model_, K, x.data_ptr<double>(), 1, 1, seed, values.data_ptr<double>(),
                          &error) != 0) {
    throw NumericalError(name_ + ": " + library_->take_error(error));
  }
  return values;
}

at::Tensor StanDensity::unconstrain(const StanData& values) const {
  auto theta = torch::empty({dim_}, torch::kDouble);
  char* error = nullptr;
  if (library_->unconstrain(model_, values.c_data(), theta.data_ptr<double>(), &error) != 0) {
    const std::string message = one_line(library_->take_error(error));
    const std::string field = variable_named_in(message);
    if (message.find("variable does not exist") != std::string::npos) {
      throw InputError(values.source(), 0, field, "missing: every parameter needs an initial value");
    }
    throw InputError(values.source(), 0, field, message);
  }
  return theta;
}

std::shared_ptr<StanDensity> load_stan_model(const std::string& stan_file,
                                             const std::string& data_file,
                                             const StanModelOptions& options,
                                             CompiledStanProgram* compiled) {
  // Read the data before compiling: a bad data file should not wait for g++.
  const io::DataSet data = data_file.empty() ? io::DataSet() : io::read_json_data(data_file);
  auto program = compile_stan_program(stan_file, options.compile);
  if (compiled) *compiled = program;
  auto library = load_stan_library(program.library);
  const StanData stan_data(data);
  return std::make_shared<StanDensity>(std::move(library), stan_data, options.seed);
}

}  // namespace elbo::stan
