// Logistic regression with a hierarchical prior, in today's syntax.
data {
  int<lower=0> N, K;
  matrix[N, K] X;
  array[N] int<lower=0, upper=1> y;
  array[N] int<lower=1> group;
  int<lower=1> G;
}
parameters {
  real alpha;
  vector[K] beta;
  array[G] real<offset=0, multiplier=2> a;
  real<lower=0> sigma_a;
}
model {
  vector[N] eta = alpha + X * beta;
  for (n in 1:N) {
    eta[n] += a[group[n]];
  }
  array[G] real centred;   // declared after statements
  for (g in 1:G) {
    centred[g] = a[g] / 2;
  }
  profile("priors") {
    alpha ~ student_t(3, 0, 2.5);
    beta ~ normal(0, 1);
    sigma_a ~ exponential(1);
    a ~ normal(0, sigma_a);
  }
  profile("likelihood") {
    target += bernoulli_logit_lupmf(y | eta);
  }
}
generated quantities {
  array[N] int y_rep;
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
