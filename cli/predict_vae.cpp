// `elbo predict` for train vae: the latent means μ(x) = E_q[z|x] of the
// encoder's base Gaussian (first layer) for new images, the representation
// the active-units statistic and reconstructions use. Images binarised by
// threshold in training are thresholded here too; "dynamic" and "none" feed
// the grey levels (dynamic binarisation's mean).
#include <fmt/format.h>
#include <torch/torch.h>

#include <cstdio>
#include <filesystem>

#include "elbo/amortized/image_data.hpp"
#include "elbo/amortized/vae.hpp"
#include "elbo/core/error.hpp"
#include "predict.hpp"
#include "saved_fields.hpp"
#include "saved_model.hpp"

namespace elbo_cli {

namespace am = elbo::amortized;

void predict_vae(const nlohmann::json& saved, const PredictArgs& args) {
  const SavedFields f(saved, saved_model_path(saved));
  const auto weights = (std::filesystem::path(args.model_dir) / f.string("weights")).string();
  const std::string binarize = f.string("binarize");
  am::Vae vae = am::load_vae(weights);
  vae->eval();
  const am::ImageData images = am::load_images(args.data);
  const auto& o = vae->options();
  if (images.rows * images.cols != o.input()) {
    throw elbo::InputError(args.data, 0, "",
                           fmt::format("images are {} x {}, but the model expects {} pixels ({} x {})", images.rows,
                                       images.cols, o.input(), o.image_rows(), o.image_cols()));
  }
  at::Tensor x = binarize == "threshold" ? am::binarize_threshold(images.x) : images.x;
  x = x.to(vae->encoder()->net()->output_layer()->weight.scalar_type());
  torch::NoGradGuard no_grad;
  const at::Tensor mu = vae->encoder()->mean(x).to(torch::kDouble).contiguous();
  const int64_t N = mu.size(0), D = mu.size(1);
  PredictionTable out;
  auto acc = mu.accessor<double, 2>();
  for (int64_t d = 0; d < D; ++d) {
    std::vector<double> col(static_cast<size_t>(N));
    for (int64_t n = 0; n < N; ++n) col[n] = acc[n][d];
    out.add("z_" + std::to_string(d), std::move(col));
  }
  write_prediction_csv(out, args.output);
  if (!args.quiet && !args.output.empty()) {
    std::printf("encoded %lld images of %s: wrote %s\n", static_cast<long long>(N), args.data.c_str(),
                args.output.c_str());
  }
}

}  // namespace elbo_cli
