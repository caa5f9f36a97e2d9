// The built-in eight schools (models::EightSchools, centred) as a Stan program;
// parameters in the built-in model's order (mu, tau, theta).
data {
  int<lower=0> J;
  array[J] real y;
  array[J] real<lower=0> sigma;
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
generated quantities {
  real y_rep = normal_rng(theta[1], sigma[1]);
}
