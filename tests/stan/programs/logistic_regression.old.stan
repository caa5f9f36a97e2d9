// Logistic regression with a hierarchical prior, hand-written in Stan 2.21 syntax.
data {
  int<lower=0> N;  int<lower=0> K;  // sizes
  matrix[N, K] X;
  int<lower=0, upper=1> y[N];
  int<lower=1> group[N];
  int<lower=1> G;
}
parameters {
  real alpha;
  vector[K] beta;
  real<offset=0, multiplier=2> a[G];
  real<lower=0> sigma_a;
}
model {
  vector[N] eta = alpha + X * beta;
  for (n in 1:N) {
    eta[n] += a[group[n]];
  }
  {  real centred[G];  // its own block: 2.21 wants declarations first
  for (g in 1:G) {
    centred[g] = a[g] / 2;
  }
  {
    alpha ~ student_t(3, 0, 2.5);
    beta ~ normal(0, 1);
    sigma_a ~ exponential(1);
    a ~ normal(0, sigma_a);
  }
  {
    y ~ bernoulli_logit(eta);
  }
}}
generated quantities {
  int y_rep[N];
  real log_lik = 0;
  {
    vector[N] eta = alpha + X * beta;
    for (n in 1:N) {
      real p = inv_logit(eta[n] + a[group[n]]);
      y_rep[n] = bernoulli_rng(p);
      log_lik += bernoulli_lpmf(y[n] | p);
    }
  }
}
