// Equal mixture of N((-3, -3), I) and N((3, 3), I) in 2-D.
parameters {
  vector[2] x;
}
model {
  target += log_mix(0.5, normal_lpdf(x | -3, 1), normal_lpdf(x | 3, 1));
}
