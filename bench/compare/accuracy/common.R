# Shared helpers for bench/compare/accuracy (sourced by reference.R and stan_advi.R):
# the Stan model and data of every target, the compared quantities, and the one
# summary of a set of draws (mean, sd, quantiles at the midpoint levels) that every
# runner writes. The C++ driver and reference.py build the same targets.
suppressPackageStartupMessages({
  library(rstan)
  library(jsonlite)
})

acc_dir <- function() {
  args <- commandArgs(trailingOnly = FALSE)
  f <- sub("^--file=", "", args[grep("^--file=", args)])
  if (length(f) == 1) normalizePath(dirname(f)) else normalizePath(".")
}
repo_root <- function() normalizePath(file.path(acc_dir(), "..", "..", ".."))

# Quantile levels u_i = (i - 1/2)/100, i = 1..100: W1 = int_0^1 |F^-1(u) - G^-1(u)| du
# is approximated by the midpoint rule on these levels (README).
quantile_levels <- (seq_len(100) - 0.5) / 100

# The 50-D correlated Gaussian: mu_i = sin(i), s_i = exp(cos(i)/2),
# Sigma_ij = s_i s_j 0.9^|i-j| (AR(1) correlation, rho = 0.9).
gaussian50 <- function(D = 50L) {
  i <- seq_len(D)
  s <- exp(cos(i) / 2)
  R <- 0.9^abs(outer(i, i, "-"))
  list(mu = sin(i), Sigma = outer(s, s) * R)
}

eight_schools_data <- list(J = 8L, y = c(28, 8, -3, 7, -1, 1, 18, 12),
                           sigma = c(15, 10, 16, 11, 9, 11, 10, 18))

logreg_data <- function() {
  p <- file.path(repo_root(), "data", "breast_cancer.csv")
  d <- read.csv(p, check.names = FALSE)
  y <- as.integer(d[["malignant_is_0"]])
  X <- scale(as.matrix(d[, setdiff(names(d), "malignant_is_0"), drop = FALSE]))  # sample sd
  list(N = nrow(X), D = ncol(X), X = unname(X), y = y)
}

# Target name -> Stan file, data and the compared (constrained) quantities.
target_spec <- function(name) {
  st <- function(f) file.path(acc_dir(), "stan", f)
  switch(name,
    logreg = list(file = file.path(repo_root(), "bench", "compare", "logreg_advi", "logistic.stan"),
                  data = logreg_data(), pars = c("alpha", paste0("beta.", 1:30))),
    eight_schools_centered = list(file = st("eight_schools_centered.stan"), data = eight_schools_data,
                                  pars = c("mu", "tau", paste0("theta.", 1:8))),
    eight_schools_noncentered = list(file = st("eight_schools_noncentered.stan"), data = eight_schools_data,
                                     pars = c("mu", "tau", paste0("theta.", 1:8))),
    gaussian50 = {
      g <- gaussian50()
      list(file = st("gaussian50.stan"), data = list(D = 50L, mu = g$mu, L = t(chol(g$Sigma))),
           pars = paste0("x.", 1:50))
    },
    funnel = list(file = st("funnel.stan"), data = list(), pars = c("v", paste0("x.", 1:9))),
    banana = list(file = st("banana.stan"), data = list(), pars = c("x1", "x2")),
    bimodal = list(file = st("bimodal.stan"), data = list(), pars = c("x.1", "x.2")),
    stop("unknown target ", name))
}
all_targets <- c("logreg", "eight_schools_centered", "eight_schools_noncentered",
                 "gaussian50", "funnel", "banana", "bimodal")

compile_target <- function(spec) {
  rstan_options(auto_write = TRUE)   # <file>.rds cache beside the .stan file (git-ignored)
  stan_model(spec$file)
}

# Summary of draws (matrix, one column per parameter, named).
summarise_draws <- function(draws, pars) {
  lapply(pars, function(p) {
    x <- draws[, p]
    list(name = p, mean = mean(x), sd = sd(x),
         quantiles = unname(quantile(x, quantile_levels, type = 7)))
  })
}

# Draw matrix with CmdStan-style names ("theta.1") from an array/matrix with Stan names.
dotted <- function(n) gsub("[", ".", gsub("]", "", n, fixed = TRUE), fixed = TRUE)
