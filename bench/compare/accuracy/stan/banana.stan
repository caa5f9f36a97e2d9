// Twisted Gaussian "banana" (Haario, Saksman & Tamminen 1999, b = 0.03):
// x1 ~ N(0, 10^2), x2 | x1 ~ N(0.03 (x1^2 - 100), 1).
parameters {
  real x1;
  real x2;
}
model {
  x1 ~ normal(0, 10);
  x2 ~ normal(0.03 * (square(x1) - 100), 1);
}
