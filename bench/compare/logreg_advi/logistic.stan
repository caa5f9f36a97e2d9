// Bayesian logistic regression, the model of bench/compare/logreg_advi.
// X is standardised by the caller (centre, divide by the sample sd, N-1).
// Priors: alpha ~ N(0, 5), beta_d ~ N(0, 1) (second argument = sd).
data {
  int<lower=0> N;
  int<lower=1> D;
  matrix[N, D] X;
  int<lower=0, upper=1> y[N];  // rstan 2.21 (Stan 2.21) syntax
}
parameters {
  real alpha;
  vector[D] beta;
}
model {
  alpha ~ normal(0, 5);
  beta ~ normal(0, 1);
  y ~ bernoulli_logit(alpha + X * beta);
}
