#include "elbo/amortized/vae_outputs.hpp"

#include <torch/torch.h>

#include "elbo/core/error.hpp"
#include "elbo/io/png_writer.hpp"

namespace elbo::amortized {

namespace {
std::vector<float> to_vector(const at::Tensor& t) {
  auto c = t.detach().to(torch::kFloat).contiguous();
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}
}  // namespace

std::vector<std::string> write_vae_grids(Vae& vae, const at::Tensor& x, const std::string& directory,
                                         at::Generator gen) {
  const int64_t rows = vae->options().image_rows(), cols = vae->options().image_cols();
  if (rows * cols != vae->options().input() || rows < 1) {
    throw ConfigError("write_vae_grids: the model has no image shape");
  }
  torch::NoGradGuard no_grad;
  const auto dtype = vae->encoder()->net()->output_layer()->weight.scalar_type();
  const io::ImageGridOptions grid =
      io::ImageGridOptions().set_columns(10).set_scale(std::max<int64_t>(1, 56 / rows));
  std::vector<std::string> written;

  // Reconstructions: three pairs of rows (originals, reconstructions).
  const int64_t n = std::min<int64_t>(30, x.size(0));
  auto xs = x.narrow(0, 0, n).to(dtype);
  auto rec = vae->reconstruct(xs);
  std::vector<at::Tensor> rows_out;
  for (int64_t start = 0; start < n; start += 10) {
    const int64_t m = std::min<int64_t>(10, n - start);
    auto pad = torch::zeros({10 - m, rows * cols}, xs.options());
    rows_out.push_back(torch::cat({xs.narrow(0, start, m), pad}));
    rows_out.push_back(torch::cat({rec.narrow(0, start, m), pad}));
  }
  auto pairs = torch::cat(rows_out);
  io::write_image_grid_png(directory + "/reconstructions.png", to_vector(pairs), pairs.size(0), rows, cols, grid);
  written.push_back("reconstructions.png");

  auto samples = vae->sample_means(100, gen);
  io::write_image_grid_png(directory + "/samples.png", to_vector(samples), 100, rows, cols, grid);
  written.push_back("samples.png");

  // Traversals of the (up to) 8 latents whose encoder means vary most over x.
  const int64_t m = std::min<int64_t>(500, x.size(0));
  auto mu = vae->encoder()->mean(x.narrow(0, 0, m).to(dtype));
  auto spread = mu.var(0);
  const int64_t d = mu.size(1), shown = std::min<int64_t>(8, d);
  auto order = std::get<1>(spread.sort(0, /*descending=*/true)).narrow(0, 0, shown);
  auto sweep = torch::linspace(-3.0, 3.0, 10, mu.options());
  std::vector<at::Tensor> trav;
  for (int64_t r = 0; r < shown; ++r) {
    auto z = mu[0].unsqueeze(0).repeat({10, 1});
    z.select(1, order[r].item<int64_t>()).copy_(sweep);
    trav.push_back(vae->decode_mean(z));
  }
  auto t = torch::cat(trav);
  io::write_image_grid_png(directory + "/traversals.png", to_vector(t), t.size(0), rows, cols, grid);
  written.push_back("traversals.png");
  return written;
}

}  // namespace elbo::amortized
