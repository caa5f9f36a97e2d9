#include "elbo/family/flow_family.hpp"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <sstream>

#include "elbo/core/check.hpp"
#include "elbo/core/error.hpp"
#include "elbo/core/random.hpp"
#include "elbo/family/affine_coupling_flow.hpp"
#include "elbo/family/gaussian_constants.hpp"
#include "elbo/family/inverse_autoregressive_flow.hpp"
#include "elbo/family/planar_flow.hpp"
#include "elbo/family/radial_flow.hpp"

namespace elbo::family {

namespace {

// Fixed seed of the Monte-Carlo moments (independent of the fit's seed).
constexpr uint64_t kMomentSeed = 0x6d6f6d656e7473ULL;
constexpr int64_t kMomentChunk = 10000;

const char* const kSpecForms =
    "expected flow:<layer>[*N][+<layer>[*N]...] with layer planar, radial, realnvp or iaf "
    "(e.g. flow:planar*8, flow:radial*8, flow:realnvp*4, flow:iaf*4, flow:iaf*2+planar*4)";

[[noreturn]] void bad_spec(const std::string& spec, const std::string& why) {
  throw ConfigError("--family '" + spec + "': " + why + "; " + kSpecForms);
}

bool known_kind(const std::string& kind) {
  return kind == "planar" || kind == "radial" || kind == "realnvp" || kind == "iaf";
}

}  // namespace

FlowFamilyOptions parse_flow_spec(const std::string& spec) {
  const std::string prefix = "flow:";
  if (spec.rfind(prefix, 0) != 0) bad_spec(spec, "not a flow family");
  // '×' (U+00D7, UTF-8 C3 97) stands for '*'.
  std::string body = spec.substr(prefix.size());
  for (size_t pos; (pos = body.find("\xC3\x97")) != std::string::npos;) body.replace(pos, 2, "*");
  if (body.empty()) bad_spec(spec, "no layers given");
  std::vector<FlowLayerSpec> layers;
  std::stringstream terms(body);
  std::string term;
  while (std::getline(terms, term, '+')) {
    if (term.empty()) bad_spec(spec, "empty layer term");
    FlowLayerSpec layer;
    const auto star = term.find('*');
    layer.kind = term.substr(0, star);
    if (!known_kind(layer.kind)) bad_spec(spec, "unknown flow layer '" + layer.kind + "'");
    if (star != std::string::npos) {
      const std::string count = term.substr(star + 1);
      const bool digits = !count.empty() && count.size() <= 4 &&
                          std::all_of(count.begin(), count.end(), [](char c) { return c >= '0' && c <= '9'; });
      if (!digits || std::stol(count) < 1) {
        bad_spec(spec, "layer count '" + count + "' is not an integer from 1 to 9999");
      }
      layer.count = std::stol(count);
    }
    layers.push_back(layer);
  }
  if (body.back() == '+') bad_spec(spec, "empty layer term");
  return FlowFamilyOptions().layers(std::move(layers));
}

FamilyPtr make_flow_family(const std::string& spec, int64_t dim, uint64_t seed) {
  return std::make_shared<FlowFamily>(dim, parse_flow_spec(spec), seed);
}

FlowFamily::FlowFamily(int64_t dim, FlowFamilyOptions options, uint64_t seed)
    : Family(dim), options_(std::move(options)), seed_(seed) {
  check_option_positive("FlowFamily", "dim", static_cast<double>(dim));
  check_positive_finite("FlowFamily", "init_scale", options_.init_scale());
  check_option_positive("FlowFamily", "moment_draws", static_cast<double>(options_.moment_draws()));
  if (options_.hidden() < 0) throw ConfigError("FlowFamily: hidden must be >= 0");
  if (options_.layers().empty()) throw ConfigError("FlowFamily: needs at least one layer");
  const int64_t hidden = options_.hidden() > 0 ? options_.hidden() : std::max<int64_t>(32, 2 * dim);
  auto opts = torch::TensorOptions().dtype(torch::kDouble);
  loc = register_parameter("loc", torch::zeros({dim}, opts));
  log_scale = register_parameter("log_scale", torch::zeros({dim}, opts));
  auto gen = make_generator(seed_);
  int64_t coupling_index = 0, iaf_index = 0;
  for (const auto& spec : options_.layers()) {
    if (!known_kind(spec.kind)) {
      throw ConfigError("FlowFamily: unknown layer '" + spec.kind +
                        "'; expected planar, radial, realnvp or iaf");
    }
    check_option_positive("FlowFamily", "layer count", static_cast<double>(spec.count));
    for (int64_t i = 0; i < spec.count; ++i) {
      FlowTransformPtr layer;
      if (spec.kind == "planar") {
        layer = std::make_shared<PlanarFlow>(dim, gen);
      } else if (spec.kind == "radial") {
        layer = std::make_shared<RadialFlow>(dim, gen);
      } else if (spec.kind == "realnvp") {
        layer = std::make_shared<AffineCouplingFlow>(
            AffineCouplingFlowOptions(dim, {hidden, hidden}).parity(coupling_index++ % 2), gen);
      } else {
        layer = std::make_shared<InverseAutoregressiveFlow>(
            InverseAutoregressiveFlowOptions(dim, {hidden, hidden})
                .reverse_order(iaf_index++ % 2 == 1)
                .gate_bias(options_.gate_bias()),
            gen);
      }
      layers_.push_back(register_module("layer" + std::to_string(layers_.size()), layer));
    }
  }
  reset_affine();
}

void FlowFamily::reset_affine() {
  torch::NoGradGuard no_grad;
  double log_c = 0.0;  // the stack starts as z ↦ (Π c_l) z
  for (const auto& layer : layers_) log_c += std::log(layer->initial_scale());
  log_scale.fill_(std::log(options_.init_scale()) - log_c);
}

std::string FlowFamily::family_name() const {
  std::string name = "flow:";
  for (size_t i = 0; i < options_.layers().size(); ++i) {
    if (i) name += "+";
    name += options_.layers()[i].kind + "*" + std::to_string(options_.layers()[i].count);
  }
  return name;
}

FlowOutput FlowFamily::push_forward(const at::Tensor& eps) {
  FlowOutput out{eps, at::Tensor()};
  for (const auto& layer : layers_) {
    auto step = layer->forward(out.z);
    out.z = step.z;
    out.log_det = out.log_det.defined() ? out.log_det + step.log_det : step.log_det;
  }
  return out;
}

WeightedDraws FlowFamily::rsample_weighted(int64_t num_draws, at::Generator gen) {
  check_option_positive("FlowFamily::rsample_weighted", "num_draws", static_cast<double>(num_draws));
  auto eps = torch::randn({num_draws, dim()}, gen, loc.options());
  auto pushed = push_forward(eps);
  WeightedDraws out;
  out.theta = torch::addcmul(loc, log_scale.exp(), pushed.z);
  const double log_norm = 0.5 * static_cast<double>(dim()) * kLog2Pi;
  out.log_q = -0.5 * eps.square().sum(-1) - pushed.log_det - (log_scale.sum() + log_norm);
  out.weight = torch::full({num_draws}, 1.0 / static_cast<double>(num_draws), loc.options());
  return out;
}

at::Tensor FlowFamily::rsample(int64_t num_draws, at::Generator gen) {
  check_option_positive("FlowFamily::rsample", "num_draws", static_cast<double>(num_draws));
  auto eps = torch::randn({num_draws, dim()}, gen, loc.options());
  at::Tensor z = eps;
  for (const auto& layer : layers_) z = layer->forward(z).z;
  return torch::addcmul(loc, log_scale.exp(), z);
}

at::Tensor FlowFamily::log_prob(const at::Tensor& theta) {
  if (theta.dim() != 2 || theta.size(1) != dim()) {
    throw DomainError("FlowFamily::log_prob: theta has shape " + shape_string(theta.sizes()) +
                      ", but must be [K, " + std::to_string(dim()) + "]");
  }
  at::Tensor z = (theta - loc) * torch::exp(-log_scale);
  for (auto it = layers_.rbegin(); it != layers_.rend(); ++it) z = (*it)->inverse(z);
  // z = ε; the forward pass from it gives the log-determinants.
  auto pushed = push_forward(z);
  const double log_norm = 0.5 * static_cast<double>(dim()) * kLog2Pi;
  return -0.5 * z.square().sum(-1) - pushed.log_det - (log_scale.sum() + log_norm);
}

void FlowFamily::compute_moments() {
  std::vector<std::pair<const void*, int64_t>> key;
  for (const auto& p : parameters()) key.emplace_back(p.data_ptr(), p._version());
  if (moment_mean_.defined() && key == moment_key_) return;
  torch::NoGradGuard no_grad;
  // Moments of the standardised z_L (O(1), no cancellation), then the affine map.
  auto gen = make_generator(kMomentSeed);
  const int64_t n = options_.moment_draws();
  auto sum = torch::zeros({dim()}, loc.options());
  std::vector<at::Tensor> chunks;
  for (int64_t done = 0; done < n; done += kMomentChunk) {
    const int64_t k = std::min(kMomentChunk, n - done);
    auto z = torch::randn({k, dim()}, gen, loc.options());
    for (const auto& layer : layers_) z = layer->forward(z).z;
    sum += z.sum(0);
    chunks.push_back(z);
  }
  auto mean_z = sum / static_cast<double>(n);
  auto cov_z = torch::zeros({dim(), dim()}, loc.options());
  for (const auto& z : chunks) {
    auto centred = z - mean_z;
    cov_z += centred.t().matmul(centred);
  }
  cov_z /= static_cast<double>(std::max<int64_t>(n - 1, 1));
  auto sd = log_scale.detach().exp();
  moment_mean_ = loc.detach() + sd * mean_z;
  moment_cov_ = sd.unsqueeze(1) * cov_z * sd.unsqueeze(0);
  moment_key_ = std::move(key);
}

at::Tensor FlowFamily::mean() {
  compute_moments();
  return moment_mean_.clone();
}

at::Tensor FlowFamily::covariance() {
  compute_moments();
  return moment_cov_.clone();
}

void FlowFamily::initialize(const at::Tensor& location) {
  check_shape("FlowFamily::initialize", "location", location, {dim()});
  check_finite("FlowFamily::initialize", "location", location);
  torch::NoGradGuard no_grad;
  loc.copy_(location);
  auto gen = make_generator(seed_);
  for (const auto& layer : layers_) layer->reset_parameters(gen);
  reset_affine();
}

void FlowFamily::initialize_gaussian(const at::Tensor& mean, const at::Tensor& precision) {
  check_shape("FlowFamily::initialize_gaussian", "precision", precision, {dim(), dim()});
  check_positive_finite("FlowFamily::initialize_gaussian", "precision diagonal",
                        precision.diagonal());
  initialize(mean);  // identity layers (IAF's c compensated in σ)
  // The mean-field member closest to N(mean, A⁻¹) in KL(q‖N): σ_d² = 1/A_dd, as
  // MeanFieldGaussian takes it; the layers then learn what is left.
  torch::NoGradGuard no_grad;
  log_scale.add_(-0.5 * precision.diagonal().log().to(log_scale.scalar_type()) -
                 std::log(options_.init_scale()));
}

double FlowFamily::default_step_size() const {
  for (const auto& spec : options_.layers()) {
    if (spec.kind == "realnvp") return 0.01;
  }
  return kDefaultStepSize;
}

std::shared_ptr<Family> FlowFamily::clone_family() const {
  auto copy = std::make_shared<FlowFamily>(dim(), options_, seed_);
  copy_module_state(*this, *copy);
  return copy;
}

}  // namespace elbo::family
