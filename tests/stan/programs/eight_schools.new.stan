// Eight schools, non-centred, in today's syntax (twin: eight_schools.old.stan).
data {
  int<lower=0> J; // number of schools
  array[J] real y; // estimated treatment effects
  array[J] real<lower=0> sigma; // standard errors
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
  target += normal_lupdf(theta_trans | 0, 1);
  target += normal_lupdf(y | theta, sigma);
  mu ~ normal(0, 5);
  tau ~ cauchy(0, 5);
}
generated quantities {
  array[J] real y_rep = normal_rng(theta, sigma);
  array[J] int<lower=0, upper=1> above;
  for (j in 1:J) {
    above[j] = y_rep[j] > y[j];
  }
}
