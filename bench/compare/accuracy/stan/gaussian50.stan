// Correlated Gaussian: x ~ N(mu, Sigma), Sigma = L L' given as data (see ../README.md).
data {
  int<lower=1> D;
  vector[D] mu;
  cholesky_factor_cov[D] L;
}
parameters {
  vector[D] x;
}
model {
  x ~ multi_normal_cholesky(mu, L);
}
