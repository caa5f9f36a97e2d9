# Shared helpers for bench/compare/logreg_advi (sourced by reference.R and
# compare.R). The data, the model and the standardisation live here so that
# the NUTS reference and the ADVI runs see exactly the same posterior.

suppressPackageStartupMessages({
  library(rstan)
  library(jsonlite)
})

bench_dir <- function() {
  args <- commandArgs(trailingOnly = FALSE)
  f <- sub("^--file=", "", args[grep("^--file=", args)])
  if (length(f) == 1) normalizePath(dirname(f)) else normalizePath(".")
}

repo_root <- function() normalizePath(file.path(bench_dir(), "..", "..", ".."))

# The breast-cancer table: 569 rows, 30 features, response malignant_is_0.
data_path <- function() {
  p <- Sys.getenv("LOGREG_DATA", file.path(repo_root(), "data", "breast_cancer.csv"))
  if (!file.exists(p)) p <- "/work/shared/data/breast_cancer/breast_cancer.csv"
  normalizePath(p)
}

# Stan data list. Features are centred and divided by the SAMPLE sd (N - 1
# denominator), i.e. R's scale(); elbo's `fit logistic` standardises the same way.
load_stan_data <- function(path = data_path()) {
  d <- read.csv(path, check.names = FALSE)
  stopifnot("malignant_is_0" %in% names(d))
  y <- as.integer(d[["malignant_is_0"]])
  X <- scale(as.matrix(d[, setdiff(names(d), "malignant_is_0"), drop = FALSE]))
  list(N = nrow(X), D = ncol(X), X = unname(X), y = y)
}

# Parameter names in the CmdStan-CSV convention used everywhere in this bench.
param_names <- function(D) c("alpha", paste0("beta.", seq_len(D)))

# Compiles logistic.stan once; the .rds cache beside it makes reruns instant.
compile_model <- function() {
  rstan_options(auto_write = TRUE)
  stan_model(file.path(bench_dir(), "logistic.stan"))
}
