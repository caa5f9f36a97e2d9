// Two well-separated modes of equal mass: ½ N(−4, 1) + ½ N(4, 1) in x, and a
// Gaussian y beside it. A single Gaussian covers one mode and k-hat says so.
parameters {
  real x;
  real y;
}
model {
  target += log_mix(0.5, normal_lpdf(x | -4, 1), normal_lpdf(x | 4, 1));
  y ~ normal(1, 2);
}
