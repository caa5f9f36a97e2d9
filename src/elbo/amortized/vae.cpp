#include "elbo/amortized/vae.hpp"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <algorithm>
#include <filesystem>
#include <sstream>

#include "elbo/amortized/archive_util.hpp"
#include "elbo/core/error.hpp"

namespace elbo::amortized {

namespace {
std::vector<int64_t> reversed(std::vector<int64_t> v) {
  std::reverse(v.begin(), v.end());
  return v;
}
constexpr const char* kVaeFormat = "elbo-vae-1";
// Inputs at most this dense take the encoder's sparse first layer (binarised MNIST: ~0.13).
constexpr double kSparseInputDensity = 0.3;
}  // namespace

nlohmann::json vae_options_to_json(const VaeOptions& o) {
  return {{"input", o.input()},
          {"latent", o.latent()},
          {"hidden", o.hidden()},
          {"activation", activation_name(o.activation())},
          {"likelihood", likelihood_name(o.likelihood())},
          {"covariance", o.covariance() == Covariance::Diagonal ? "diagonal" : "cholesky"},
          {"flow", flow_name(o.flow(), o.flow_length())},
          {"prior_components", o.prior_components()},
          {"latent2", o.latent2()},
          {"hidden2", o.hidden2()},
          {"image_rows", o.image_rows()},
          {"image_cols", o.image_cols()}};
}

VaeOptions vae_options_from_json(const nlohmann::json& j) {
  try {
    VaeOptions o(j.at("input").get<int64_t>(), j.at("latent").get<int64_t>());
    o.hidden(j.at("hidden").get<std::vector<int64_t>>())
        .activation(parse_activation(j.at("activation").get<std::string>()))
        .likelihood(parse_likelihood(j.at("likelihood").get<std::string>()))
        .prior_components(j.at("prior_components").get<int64_t>())
        .latent2(j.at("latent2").get<int64_t>())
        .hidden2(j.at("hidden2").get<std::vector<int64_t>>())
        .image_rows(j.at("image_rows").get<int64_t>())
        .image_cols(j.at("image_cols").get<int64_t>());
    const auto cov = j.at("covariance").get<std::string>();
    if (cov != "diagonal" && cov != "cholesky") throw ConfigError("covariance '" + cov + "'");
    o.covariance(cov == "diagonal" ? Covariance::Diagonal : Covariance::Cholesky);
    const auto [kind, length] = parse_flow(j.at("flow").get<std::string>());
    o.flow(kind).flow_length(length);
    return o;
  } catch (const nlohmann::json::exception& e) {
    throw ConfigError(std::string("VAE options: ") + e.what());
  }
}

VaeImpl::VaeImpl(VaeOptions options) : options_(std::move(options)) {
  const auto& o = options_;
  if (o.latent2() < 0) throw ConfigError("Vae: latent2 must be >= 0");
  if (o.latent2() > 0 && o.flow() != FlowKind::None) {
    throw ConfigError("Vae: flows are supported with one stochastic layer only");
  }
  encoder_ = register_module("encoder", Encoder(EncoderOptions(o.input(), o.latent())
                                                    .hidden(o.hidden())
                                                    .activation(o.activation())
                                                    .covariance(o.covariance())
                                                    .flow(o.flow())
                                                    .flow_length(o.flow_length())
                                                    .sparse_input(kSparseInputDensity)));
  decoder_ = register_module("decoder", Decoder(DecoderOptions(o.latent(), o.input())
                                                    .hidden(reversed(o.hidden()))
                                                    .activation(o.activation())
                                                    .likelihood(o.likelihood())));
  const int64_t top = o.latent2() > 0 ? o.latent2() : o.latent();
  if (o.latent2() > 0) {
    encoder2_ = register_module("encoder2", Encoder(EncoderOptions(o.latent(), o.latent2())
                                                        .hidden(o.hidden2())
                                                        .activation(o.activation())));
    decoder2_ = register_module("decoder2", Decoder(DecoderOptions(o.latent2(), o.latent())
                                                        .hidden(reversed(o.hidden2()))
                                                        .activation(o.activation())
                                                        .likelihood(Likelihood::Gaussian)
                                                        .scale(GaussianScale::PerPoint)));
  }
  prior_ = register_module("prior", Prior(top, o.prior_components()));
}

LogWeights VaeImpl::log_weights(const at::Tensor& x, int64_t k, at::Generator gen) {
  if (x.dim() != 2 || x.size(1) != options_.input()) {
    throw ConfigError("Vae: data of shape " + std::to_string(x.dim() == 2 ? x.size(0) : -1) +
                      " x " + std::to_string(x.dim() == 2 ? x.size(1) : -1) + " but the model expects " +
                      std::to_string(options_.input()) + " columns");
  }
  LogWeights w;
  PosteriorSample s = encoder_->sample(x, k, gen);
  w.z = s.z;
  w.log_px_z = decoder_->log_likelihood(x, s.z);
  w.log_qz = s.log_q;
  if (options_.latent2() == 0) {
    w.log_pz = prior_->log_prob(s.z);
    if (!s.has_flow && prior_->is_standard_normal()) {
      if (options_.covariance() == Covariance::Diagonal) {
        w.kl_per_dim = s.diagonal.kl_standard_normal_per_dim();
        w.kl = w.kl_per_dim.sum(-1);
      } else {
        w.kl = s.cholesky.kl_standard_normal();
      }
    }
    return w;
  }
  // Second layer: one z2 per z1 draw.
  const int64_t n = x.size(0), d1 = options_.latent(), d2 = options_.latent2();
  auto z1 = s.z.reshape({k * n, d1});
  PosteriorSample s2 = encoder2_->sample(z1, 1, gen);
  auto z2 = s2.z.reshape({k, n, d2});
  w.log_qz = w.log_qz + s2.log_q.reshape({k, n});
  w.log_pz = decoder2_->log_likelihood(s.z, z2) + prior_->log_prob(z2);
  return w;
}

at::Tensor VaeImpl::decode_mean(const at::Tensor& z) { return decoder_->mean(z); }

at::Tensor VaeImpl::sample_means(int64_t n, at::Generator gen) {
  auto options = encoder_->net()->output_layer()->weight.options();
  auto z = prior_->sample(n, gen, options);
  if (options_.latent2() > 0) z = decoder2_->mean(z);
  return decoder_->mean(z);
}

at::Tensor VaeImpl::reconstruct(const at::Tensor& x) { return decoder_->mean(encoder_->mean(x)); }

int64_t VaeImpl::multiply_adds() const {
  int64_t total = encoder_->multiply_adds() + decoder_->multiply_adds();
  if (options_.latent2() > 0) total += encoder2_->multiply_adds() + decoder2_->multiply_adds();
  return total;
}

void save_vae(Vae& vae, const std::string& path) {
  torch::serialize::OutputArchive archive;
  write_string(archive, "format", kVaeFormat);
  write_string(archive, "options", vae_options_to_json(vae->options()).dump());
  torch::serialize::OutputArchive model;
  vae->save(model);
  archive.write("model", model);
  save_archive_atomically(archive, path);
}

namespace {

// The options come from the file: sizes must be positive, and the model they
// describe no larger than the file that holds its parameters (at least 4 bytes
// each; its dense weights alone are a lower bound), or constructing it would
// allocate without bound.
void check_stored_options(const VaeOptions& o, const std::string& path) {
  std::vector<int64_t> layers = {o.input()};
  layers.insert(layers.end(), o.hidden().begin(), o.hidden().end());
  layers.push_back(o.latent());
  std::vector<int64_t> layers2 = {o.latent()};
  if (o.latent2() > 0) {
    layers2.insert(layers2.end(), o.hidden2().begin(), o.hidden2().end());
    layers2.push_back(o.latent2());
  }
  double weights = 0;
  for (const auto* chain : {&layers, &layers2}) {
    for (size_t i = 0; i < chain->size(); ++i) {
      if ((*chain)[i] < 1) throw InputError(path, 0, "options", "holds a layer size below 1");
      if (i > 0) weights += 2.0 * static_cast<double>((*chain)[i - 1]) * static_cast<double>((*chain)[i]);
    }
  }
  if (o.prior_components() < 0 || o.image_rows() < 0 || o.image_cols() < 0 ||
      (o.image_rows() * o.image_cols() != 0 && o.image_rows() * o.image_cols() != o.input())) {
    throw InputError(path, 0, "options", "holds a negative prior size or an image shape that is not the input's");
  }
  if (4 * weights > static_cast<double>(std::filesystem::file_size(path))) {
    std::ostringstream n;
    n << weights;
    throw InputError(path, 0, "options", "describe a model of at least " + n.str() + " weights, more than the file holds");
  }
}

}  // namespace

Vae load_vae(const std::string& path) {
  torch::serialize::InputArchive archive;
  load_archive(archive, path);
  if (read_string(archive, "format", path) != kVaeFormat) {
    throw InputError(path, 0, "format", "not an elbo VAE model file");
  }
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(read_string(archive, "options", path));
  } catch (const nlohmann::json::exception&) {
    throw InputError(path, 0, "options", "not valid JSON");
  }
  const VaeOptions options = vae_options_from_json(j);
  check_stored_options(options, path);
  Vae vae(options);
  torch::serialize::InputArchive model;
  try {
    archive.read("model", model);
    load_module_checked(*vae, model, path, "model");
  } catch (const c10::Error& e) {
    throw InputError(path, 0, "model", "parameters do not match the stored options: " + first_line(e));
  } catch (const torch::jit::ObjectAttributeError& e) {
    throw InputError(path, 0, "model", "parameters do not match the stored options: " + first_line(e));
  }
  return vae;
}

}  // namespace elbo::amortized
