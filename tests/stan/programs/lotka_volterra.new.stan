// Lotka-Volterra predator-prey ODE (posteriordb's hudson_lynx_hare), today's syntax.
functions {
  array[] real dz_dt(real t, array[] real z, array[] real theta,
                     data array[] real x_r, data array[] int x_i) {
    real u = z[1];
    real v = z[2];
    real du_dt = (theta[1] - theta[2] * v) * u;
    real dv_dt = (-theta[3] + theta[4] * u) * v;
    return {du_dt, dv_dt};
  }
  real total_lpdf(array[,] real y, array[,] real z, array[] real sigma) {
    real lp = 0;
    for (k in 1:2) {
      lp += lognormal_lupdf(y[ : , k] | log(z[ : , k]), sigma[k]);
    }
    return lp;
  }
}
data {
  int<lower=0> N;
  array[N] real ts;
  array[2] real y_init;
  array[N, 2] real<lower=0> y;
}
parameters {
  array[4] real<lower=0> theta;
  array[2] real<lower=0> z_init;
  array[2] real<lower=0> sigma;
}
transformed parameters {
  array[N, 2] real z = integrate_ode_rk45(dz_dt, z_init, 0, ts, theta,
                                          rep_array(0.0, 0), rep_array(
                                          0, 0), 1e-5, 1e-3, 5e2);
}
model {
  theta[{1, 3}] ~ normal(1, 0.5);
  theta[{2, 4}] ~ normal(0.05, 0.05);
  sigma ~ lognormal(-1, 1);
  z_init ~ lognormal(log(10), 1);
  y_init ~ lognormal(log(z_init), sigma);
  y ~ total(z, sigma);
}
generated quantities {
  array[2] real y_init_rep = lognormal_rng(log(z_init), sigma);
  array[N, 2] real y_rep;
  for (k in 1:2) {
    for (n in 1:N) {
      y_rep[n, k] = lognormal_rng(log(z[n, k]), sigma[k]);
    }
  }
}
