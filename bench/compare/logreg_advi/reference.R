# Long NUTS run on logistic.stan -> reference.json (posterior mean and sd per
# parameter, plus settings, convergence summary and wall time). The draws are
# not kept. Run once; compare.R reads reference.json.
#   Rscript bench/compare/logreg_advi/reference.R [chains] [iter_sampling]
source(file.path(local({
  a <- commandArgs(FALSE); dirname(sub("^--file=", "", a[grep("^--file=", a)]))
}), "common.R"))

args <- commandArgs(trailingOnly = TRUE)
chains <- if (length(args) >= 1) as.integer(args[1]) else 4L
iter_sampling <- if (length(args) >= 2) as.integer(args[2]) else 50000L
iter_warmup <- 2000L
cores <- 2L  # the machine has 2 shared cores: at most 2 chains at a time
seed <- 20240601L

dat <- load_stan_data()
model <- compile_model()

t0 <- Sys.time()
fit <- sampling(model, data = dat, chains = chains, cores = cores,
                iter = iter_warmup + iter_sampling, warmup = iter_warmup,
                seed = seed, refresh = 0)
wall <- as.numeric(difftime(Sys.time(), t0, units = "secs"))

draws <- as.array(fit, pars = c("alpha", "beta"))     # iter x chain x param
mon <- monitor(draws, warmup = 0, print = FALSE)       # rank-normalised R-hat, bulk/tail ESS
names_out <- param_names(dat$D)
flat <- matrix(draws, ncol = dim(draws)[3])
means <- colMeans(flat)
sds <- apply(flat, 2, sd)

sp <- get_sampler_params(fit, inc_warmup = FALSE)
div <- sum(sapply(sp, function(x) sum(x[, "divergent__"])))
maxdepth <- sum(sapply(sp, function(x) sum(x[, "treedepth__"] >= 10)))
stepsizes <- sapply(sp, function(x) x[1, "stepsize__"])
elapsed <- get_elapsed_time(fit)

params <- lapply(seq_along(names_out), function(i) list(
  name = names_out[i], mean = means[i], sd = sds[i],
  mcse_mean = mon[i, "se_mean"], bulk_ess = mon[i, "Bulk_ESS"],
  tail_ess = mon[i, "Tail_ESS"], rhat = mon[i, "Rhat"]))

out <- list(
  description = paste("NUTS reference posterior for Bayesian logistic regression on",
                      "the breast-cancer data (features standardised with the sample sd),",
                      "alpha ~ normal(0, 5), beta ~ normal(0, 1) (sd parametrisation)."),
  data = list(file = basename(data_path()), N = dat$N, D = dat$D,
              standardisation = "centre, divide by sample sd (N-1), as R scale()"),
  model = "logistic.stan",
  settings = list(sampler = "rstan::sampling (NUTS, diag_e metric)",
                  rstan_version = as.character(packageVersion("rstan")),
                  chains = chains, parallel_chains = cores,
                  iter_warmup = iter_warmup, iter_sampling = iter_sampling,
                  adapt_delta = 0.8, max_treedepth = 10, seed = seed),
  time_seconds = list(wall = wall,
                      warmup_per_chain = unname(elapsed[, "warmup"]),
                      sampling_per_chain = unname(elapsed[, "sample"])),
  diagnostics = list(draws = nrow(flat), divergences = div,
                     max_treedepth_hits = maxdepth,
                     stepsize_per_chain = unname(stepsizes),
                     rhat_max = max(mon[seq_along(names_out), "Rhat"]),
                     bulk_ess_min = min(mon[seq_along(names_out), "Bulk_ESS"]),
                     tail_ess_min = min(mon[seq_along(names_out), "Tail_ESS"])),
  parameters = params)

path <- file.path(bench_dir(), "reference.json")
write_json(out, path, auto_unbox = TRUE, digits = NA, pretty = TRUE)
cat(sprintf("reference: %d draws in %.1f s; max R-hat %.4f; min bulk/tail ESS %.0f/%.0f; %d divergences -> %s\n",
            nrow(flat), wall, out$diagnostics$rhat_max, out$diagnostics$bulk_ess_min,
            out$diagnostics$tail_ess_min, div, path))
