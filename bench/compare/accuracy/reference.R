# NUTS references for the targets without a closed form: eight schools (the
# non-centred model, adapt_delta 0.99; its (mu, tau, theta) posterior is also the
# centred model's) and quantiles for logistic regression (whose means and sds come
# from the 200k-draw ../logreg_advi/reference.json). Writes reference_nuts.json:
# per target and parameter the mean, sd, MCSE, ESS, R-hat and 100 quantiles.
#   Rscript bench/compare/accuracy/reference.R
source(file.path(local({
  a <- commandArgs(FALSE); dirname(sub("^--file=", "", a[grep("^--file=", a)]))
}), "common.R"))

run_nuts <- function(target, iter_sampling, adapt_delta, seed) {
  spec <- target_spec(target)
  model <- compile_target(spec)
  t0 <- Sys.time()
  fit <- sampling(model, data = spec$data, chains = 4, cores = 2, iter = 2000 + iter_sampling,
                  warmup = 2000, seed = seed, refresh = 0,
                  control = list(adapt_delta = adapt_delta, max_treedepth = 12))
  wall <- as.numeric(difftime(Sys.time(), t0, units = "secs"))
  arr <- as.array(fit)
  dimnames(arr)[[3]] <- dotted(dimnames(arr)[[3]])
  arr <- arr[, , spec$pars, drop = FALSE]
  mon <- monitor(arr, warmup = 0, print = FALSE)
  flat <- matrix(arr, ncol = dim(arr)[3], dimnames = list(NULL, spec$pars))
  sp <- get_sampler_params(fit, inc_warmup = FALSE)
  summ <- summarise_draws(flat, spec$pars)
  for (i in seq_along(summ)) {
    summ[[i]]$mcse_mean <- mon[i, "se_mean"]
    summ[[i]]$bulk_ess <- mon[i, "Bulk_ESS"]
    summ[[i]]$tail_ess <- mon[i, "Tail_ESS"]
    summ[[i]]$rhat <- mon[i, "Rhat"]
  }
  list(settings = list(sampler = "rstan::sampling (NUTS, diag_e)", model = basename(spec$file),
                       rstan_version = as.character(packageVersion("rstan")),
                       chains = 4, iter_warmup = 2000, iter_sampling = iter_sampling,
                       adapt_delta = adapt_delta, max_treedepth = 12, seed = seed),
       wall_seconds = wall,
       diagnostics = list(draws = nrow(flat),
                          divergences = sum(sapply(sp, function(x) sum(x[, "divergent__"]))),
                          rhat_max = max(mon[, "Rhat"]), bulk_ess_min = min(mon[, "Bulk_ESS"]),
                          tail_ess_min = min(mon[, "Tail_ESS"])),
       parameters = summ)
}

out <- list(quantile_levels = quantile_levels)
es <- run_nuts("eight_schools_noncentered", 50000L, 0.99, 20241124L)
cat(sprintf("eight schools: %d draws, %.0f s, %d divergences, max R-hat %.4f, min ESS %.0f\n",
            es$diagnostics$draws, es$wall_seconds, es$diagnostics$divergences,
            es$diagnostics$rhat_max, es$diagnostics$bulk_ess_min))
out$eight_schools <- es

lr <- run_nuts("logreg", 10000L, 0.8, 20241125L)
# Means and sds from the 200k-draw reference; quantiles from this run.
ref <- fromJSON(file.path(repo_root(), "bench", "compare", "logreg_advi", "reference.json"))
stopifnot(identical(ref$parameters$name, sapply(lr$parameters, `[[`, "name")))
for (i in seq_along(lr$parameters)) {
  lr$parameters[[i]]$mean_quantile_run <- lr$parameters[[i]]$mean
  lr$parameters[[i]]$sd_quantile_run <- lr$parameters[[i]]$sd
  lr$parameters[[i]]$mean <- ref$parameters$mean[i]
  lr$parameters[[i]]$sd <- ref$parameters$sd[i]
}
lr$note <- paste("mean and sd from ../logreg_advi/reference.json (NUTS, 200,000 draws);",
                 "quantiles (and mean_quantile_run, sd_quantile_run, ESS) from this 40,000-draw run")
cat(sprintf("logreg quantiles: %d draws, %.0f s, max R-hat %.4f\n",
            lr$diagnostics$draws, lr$wall_seconds, lr$diagnostics$rhat_max))
out$logreg <- lr

write_json(out, file.path(acc_dir(), "reference_nuts.json"), auto_unbox = TRUE, digits = NA, pretty = TRUE)
