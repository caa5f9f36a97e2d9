// Neal's funnel (Neal 2003, "Slice sampling", §8): v ~ N(0, 3^2), x_i | v ~ N(0, e^v), i = 1..9.
parameters {
  real v;
  vector[9] x;
}
model {
  v ~ normal(0, 3);
  x ~ normal(0, exp(v / 2));
}
