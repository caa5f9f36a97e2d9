// Fits the eight-schools model through the installed library (whose Stan headers
// must compile too) and checks the posterior mean of mu lands where it must
// (between the data's extremes); then runs README.md's C++ snippet as written
// and prints mu's mean, which run.sh compares with `elbo fit eight_schools`
// (one set of defaults for the library and the CLI).
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
  if (!(mu > -3 && mu < 28)) return 1;

  {  // README.md's snippet
    auto model = std::make_shared<elbo::models::EightSchools>();
    elbo::infer::AdviOptions options;           // family, optimizer, stopping rule, ...
    options.family = "fullrank";
    auto fit = elbo::infer::advi(model, options);
    auto mean = fit.q->mean();                   // on the unconstrained scale
    std::printf("readme mu %.9g\n", mean[0].item<double>());
  }
  return 0;
}
