// Eight schools, non-centred, hand-written in Stan 2.21 syntax (twin: eight_schools.new.stan).
data {
  int<lower=0> J; // number of schools
  real y[J]; // estimated treatment effects
  real<lower=0> sigma[J]; // standard errors
}
parameters {
  real mu;
  real<lower=0> tau;
  vector[J] theta_trans;
}
transformed parameters {
  vector[J] theta = mu + tau * theta_trans;
}
model {
  theta_trans ~ normal(0, 1);
  y ~ normal(theta, sigma);
  mu ~ normal(0, 5);
  tau ~ cauchy(0, 5);
}
generated quantities {
  real y_rep[J] = normal_rng(theta, sigma);
  int<lower=0, upper=1> above[J];
  for (j in 1:J) {
    above[j] = y_rep[j] > y[j];
  }
}
