// A correlated Gaussian on very different scales: the default is reliable on it.
parameters {
  vector[2] z;
}
model {
  z ~ multi_normal([100, -0.01]', [[400, 0.019], [0.019, 0.000001]]);
}
