// Fits the eight-schools model through the installed library (whose Stan headers
// must compile too) and checks the
// posterior mean of mu lands where it must (between the data's extremes).
#include <torch/torch.h>

#include <cstdio>

#include "elbo/infer/advi.hpp"
#include "elbo/models/eight_schools.hpp"
#include "elbo/stan/stan_density.hpp"  // the Stan front-end's headers are installed too

int main() {
  auto model = std::make_shared<elbo::models::EightSchools>(
      elbo::models::EightSchoolsOptions().non_centered(true));
  elbo::infer::AdviOptions options;
  options.family = "meanfield";
  options.grad_draws = 4;
  options.optimizer.eta = 0.03;
  options.svi.max_iterations = 2000;
  auto fit = elbo::infer::advi(model, options);
  const double mu = fit.q->mean()[0].item<double>();
  std::printf("Stan programs are cached in %s\n", elbo::stan::default_stan_cache_dir().c_str());
  std::printf("mu posterior mean %.3f after %lld iterations\n", mu,
              static_cast<long long>(fit.svi.iterations));
  return (mu > -3 && mu < 28) ? 0 : 1;
}
