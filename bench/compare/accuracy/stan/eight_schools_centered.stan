// Eight schools, centred: mu ~ N(0, 5), tau ~ half-Cauchy(0, 5), theta_j ~ N(mu, tau),
// y_j ~ N(theta_j, sigma_j). Same priors as elbo::models::EightSchools.
data {
  int<lower=1> J;
  vector[J] y;
  vector<lower=0>[J] sigma;
}
parameters {
  real mu;
  real<lower=0> tau;
  vector[J] theta;
}
model {
  mu ~ normal(0, 5);
  tau ~ cauchy(0, 5);
  theta ~ normal(mu, tau);
  y ~ normal(theta, sigma);
}
