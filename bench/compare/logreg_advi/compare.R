# Side-by-side ADVI benchmark: elbo (meanfield, fullrank) against rstan::vb
# (meanfield, fullrank) on logistic.stan, scored against reference.json (NUTS).
#
#   Rscript bench/compare/logreg_advi/compare.R [--seeds 1,2,3,4,5] [--draws 4000]
#                                               [--elbo PATH] [--skip-elbo] [--skip-stan]
#
# Every run leaves CmdStan-format draws in runs/<system>_<family>_seed<S>/draws.csv
# (first data row = the approximation's mean, then `draws` draws, columns
# lp__,log_p__,log_g__,alpha,beta.1,...). All metrics are computed here from
# those files in the same way for both systems:
#   mean_err_max  = max_i |mean_i - ref_mean_i| / ref_sd_i   (draw means, mean row excluded)
#   sd_ratio_mean = mean_i sd_i / ref_sd_i
#   pareto_k      = loo::psis(log_p__ - log_g__, r_eff = 1) k-hat (Vehtari et al. 2024,
#                   "Pareto smoothed importance sampling", JMLR 25(72); Yao et al. 2018
#                   for its use with ADVI). Constants dropped from log_p__ or log_g__
#                   (Stan drops log|det L| and -D/2 log 2pi from log_g__) do not change k-hat.
# Results: results.json and results.md beside this file.

source(file.path(local({
  a <- commandArgs(FALSE); dirname(sub("^--file=", "", a[grep("^--file=", a)]))
}), "common.R"))
suppressPackageStartupMessages(library(loo))

# ---- arguments ---------------------------------------------------------------
opt <- list(seeds = 1:5, draws = 4000L, elbo = Sys.getenv("ELBO_BIN", ""),
            skip_elbo = FALSE, skip_stan = FALSE)
a <- commandArgs(trailingOnly = TRUE)
i <- 1
while (i <= length(a)) {
  switch(a[i],
    "--seeds" = { opt$seeds <- as.integer(strsplit(a[i + 1], ",")[[1]]); i <- i + 1 },
    "--draws" = { opt$draws <- as.integer(a[i + 1]); i <- i + 1 },
    "--elbo" = { opt$elbo <- a[i + 1]; i <- i + 1 },
    "--skip-elbo" = { opt$skip_elbo <- TRUE },
    "--skip-stan" = { opt$skip_stan <- TRUE },
    stop("compare.R: unknown argument '", a[i], "'"))
  i <- i + 1
}
if (!nzchar(opt$elbo)) opt$elbo <- file.path(repo_root(), "build-bench", "elbo")

here <- bench_dir()
runs_dir <- file.path(here, "runs")
dir.create(runs_dir, showWarnings = FALSE)

# ---- reference -----------------------------------------------------------------
ref <- fromJSON(file.path(here, "reference.json"), simplifyVector = TRUE)
ref_par <- ref$parameters
dat <- load_stan_data()
pnames <- param_names(dat$D)
stopifnot(identical(ref_par$name, pnames))

# ---- metrics from a CmdStan-format CSV -------------------------------------------
read_draws_csv <- function(path) {
  d <- read.csv(path, comment.char = "#", check.names = FALSE)
  names(d) <- gsub("[", ".", gsub("]", "", names(d), fixed = TRUE), fixed = TRUE)
  missing <- setdiff(c("log_p__", "log_g__", pnames), names(d))
  if (length(missing)) stop(path, ": missing columns ", paste(missing, collapse = ", "))
  d
}

score_draws <- function(path, draws_expected) {
  d <- read_draws_csv(path)
  mu_row <- as.numeric(d[1, pnames])         # the approximation's mean
  d <- d[-1, , drop = FALSE]                  # the draws
  theta <- as.matrix(d[, pnames])
  m <- colMeans(theta)
  s <- apply(theta, 2, sd)
  z <- abs(m - ref_par$mean) / ref_par$sd
  z_mu <- abs(mu_row - ref_par$mean) / ref_par$sd
  r <- s / ref_par$sd
  lr <- d[["log_p__"]] - d[["log_g__"]]
  k <- if (all(is.finite(lr))) suppressWarnings(loo::psis(lr, r_eff = 1))$diagnostics$pareto_k else NA_real_
  list(draws = nrow(theta),
       mean_err_max = max(z), mean_err_argmax = pnames[which.max(z)],
       mean_err_max_of_mean_row = max(z_mu),
       sd_ratio_mean = mean(r), sd_ratio_min = min(r), sd_ratio_max = max(r),
       pareto_k = k, nonfinite_log_ratios = sum(!is.finite(lr)),
       draws_ok = nrow(theta) == draws_expected)
}

# ---- Stan ----------------------------------------------------------------------
loadavg <- function() as.numeric(strsplit(readLines("/proc/loadavg"), " ")[[1]][1])

run_stan <- function(model, family, seed) {
  out <- file.path(runs_dir, sprintf("stan_%s_seed%d", family, seed))
  dir.create(out, showWarnings = FALSE)
  csv <- file.path(out, "draws.csv")
  unlink(csv)
  log <- file.path(out, "log.txt")
  zz <- file(log, open = "wt"); sink(zz); sink(zz, type = "message")
  warns <- character()
  load0 <- loadavg()
  t0 <- Sys.time()
  fit <- withCallingHandlers(
    tryCatch(vb(model, data = dat, algorithm = family, seed = seed,
                output_samples = opt$draws, sample_file = csv),
             error = function(e) e),
    warning = function(w) { warns <<- c(warns, conditionMessage(w)); invokeRestart("muffleWarning") })
  wall <- as.numeric(difftime(Sys.time(), t0, units = "secs"))
  sink(type = "message"); sink(); close(zz)
  res <- list(system = "stan", family = family, seed = seed,
              wall_seconds = wall, fit_seconds = NA_real_, loadavg_1min = load0, warnings = warns)
  if (inherits(fit, "error") || !file.exists(csv) || length(fit@sim) == 0) {
    res$error <- if (inherits(fit, "error")) conditionMessage(fit) else "vb() returned no draws (see log.txt)"
    return(res)
  }
  res$reported_pareto_k <- fit@sim$diagnostics$psis$pareto_k
  # Stan's own account of the optimisation, from its console output.
  lines <- readLines(log, warn = FALSE)
  its <- suppressWarnings(as.integer(sub("^Chain 1: +([0-9]+) .*", "\\1",
                                         grep("^Chain 1: +[0-9]+ +-?[0-9.]", lines, value = TRUE))))
  res$iterations <- if (length(its)) max(its) else NA_integer_
  res$converged <- any(grepl("ELBO CONVERGED", lines))
  eta <- grep("Found best value \\[eta = ", lines, value = TRUE)
  res$eta <- if (length(eta)) as.numeric(sub(".*eta = ([0-9.eE+-]+)\\].*", "\\1", eta[1])) else NA_real_
  c(res, score_draws(csv, opt$draws))
}

# ---- elbo ----------------------------------------------------------------------
elbo_available <- function() {
  if (opt$skip_elbo) return("skipped (--skip-elbo)")
  if (!file.exists(opt$elbo)) return(paste0("skipped: elbo CLI not found at ", opt$elbo,
                                            " (build it with run.sh, or pass --elbo PATH)"))
  h <- suppressWarnings(system2(opt$elbo, c("fit", "logistic", "--help"), stdout = TRUE, stderr = TRUE))
  if (!is.null(attr(h, "status")) && attr(h, "status") != 0)
    return(paste0("skipped: '", opt$elbo, " fit logistic --help' failed: ", paste(head(h, 3), collapse = " ")))
  ""
}

run_elbo <- function(family, seed) {
  out <- file.path(runs_dir, sprintf("elbo_%s_seed%d", family, seed))
  unlink(out, recursive = TRUE)
  dir.create(out, showWarnings = FALSE)
  args <- c("fit", "logistic", "--data", data_path(), "--family", family,
            "--seed", seed, "--draws", opt$draws, "--output", out)
  load0 <- loadavg()
  t0 <- Sys.time()
  status <- system2(opt$elbo, args, stdout = file.path(out, "log.txt"), stderr = file.path(out, "log.txt"))
  wall <- as.numeric(difftime(Sys.time(), t0, units = "secs"))
  res <- list(system = "elbo", family = family, seed = seed,
              wall_seconds = wall, fit_seconds = NA_real_, loadavg_1min = load0, command = paste(c(opt$elbo, args), collapse = " "))
  csv <- file.path(out, "draws.csv")
  if (status != 0 || !file.exists(csv)) {
    res$error <- sprintf("exit status %d; see %s", status, file.path(out, "log.txt"))
    return(res)
  }
  sj <- file.path(out, "summary.json")
  if (file.exists(sj)) {
    s <- fromJSON(sj)
    num <- function(x) tryCatch(as.numeric(unlist(x))[1], error = function(e) NA_real_, warning = function(w) NA_real_)
    if (!is.null(s$time_seconds)) res$fit_seconds <- num(s$time_seconds)
    if (!is.null(s$pareto_k)) res$reported_pareto_k <- num(s$pareto_k)
    if (!is.null(s$iterations)) res$iterations <- as.integer(num(s$iterations))
    if (!is.null(s$converged)) res$converged <- isTRUE(as.logical(s$converged)[1])
  }
  c(res, score_draws(csv, opt$draws))
}

# ---- run ---------------------------------------------------------------------------
families <- c("meanfield", "fullrank")
runs <- list()
notes <- character()

if (!opt$skip_stan) {
  model <- compile_model()   # compilation is outside every timed region
  for (seed in opt$seeds) for (fam in families) {
    r <- run_stan(model, fam, seed)
    # The same fit timed from process start (R, rstan, cached model, data, vb()),
    # to set beside the elbo CLI process.
    r$process_seconds <- unname(system.time(system2(
      file.path(R.home("bin"), "Rscript"),
      c(file.path(here, "stan_process.R"), fam, seed, opt$draws),
      stdout = FALSE, stderr = FALSE))["elapsed"])
    cat(sprintf("stan %-9s seed %d: %6.2f s  mean_err_max %s  sd_ratio %s  k %s\n", fam, seed,
                r$wall_seconds, format(r$mean_err_max, digits = 3), format(r$sd_ratio_mean, digits = 3),
                format(r$pareto_k, digits = 3)))
    runs[[length(runs) + 1]] <- r
  }
}

why <- elbo_available()
if (nzchar(why)) {
  message("elbo: ", why)
  notes <- c(notes, paste("elbo", why))
} else {
  for (seed in opt$seeds) for (fam in families) {
    r <- run_elbo(fam, seed)
    r$process_seconds <- r$wall_seconds
    cat(sprintf("elbo %-9s seed %d: %6.2f s  mean_err_max %s  sd_ratio %s  k %s\n", fam, seed,
                r$wall_seconds, format(r$mean_err_max, digits = 3), format(r$sd_ratio_mean, digits = 3),
                format(r$pareto_k, digits = 3)))
    runs[[length(runs) + 1]] <- r
  }
}

# ---- summaries -------------------------------------------------------------------
get <- function(r, f) if (is.null(r[[f]])) NA_real_ else as.numeric(r[[f]])
methods <- unique(vapply(runs, function(r) paste(r$system, r$family), ""))
summary <- lapply(methods, function(m) {
  rs <- Filter(function(r) paste(r$system, r$family) == m, runs)
  med <- function(f) median(vapply(rs, get, 0, f = f), na.rm = TRUE)
  list(method = m, runs = length(rs),
       failed = sum(vapply(rs, function(r) !is.null(r$error), TRUE)),
       median_wall_seconds = med("wall_seconds"), median_fit_seconds = med("fit_seconds"),
       median_process_seconds = med("process_seconds"),
       median_mean_err_max = med("mean_err_max"), median_sd_ratio_mean = med("sd_ratio_mean"),
       median_pareto_k = med("pareto_k"))
})

info <- list(
  generated = format(Sys.time(), "%Y-%m-%dT%H:%M:%S%z"),
  machine = list(cores = parallel::detectCores(), r_version = R.version.string,
                 rstan_version = as.character(packageVersion("rstan")),
                 loo_version = as.character(packageVersion("loo"))),
  data = list(file = basename(data_path()), N = dat$N, D = dat$D),
  model = "logistic.stan: alpha ~ normal(0, 5), beta ~ normal(0, 1), y ~ bernoulli_logit(alpha + X beta)",
  reference = list(file = "reference.json", draws = ref$diagnostics$draws,
                   bulk_ess_min = ref$diagnostics$bulk_ess_min, tail_ess_min = ref$diagnostics$tail_ess_min,
                   rhat_max = ref$diagnostics$rhat_max),
  settings = list(seeds = opt$seeds, draws = opt$draws,
                  stan = "rstan::vb defaults (iter 10000, grad_samples 1, elbo_samples 100, eta adaptive, tol_rel_obj 0.01), output_samples = draws",
                  elbo = "elbo fit logistic --family F --seed S --draws N (CLI defaults)"),
  metrics = list(
    wall_seconds = "wall clock around rstan::vb() (compilation excluded) / around the elbo CLI process",
    process_seconds = "wall clock of a whole process that fits and writes draws: Rscript stan_process.R (R + rstan + cached model + vb) / the elbo CLI",
    fit_seconds = "elbo's own fit time from summary.json (time_seconds)",
    mean_err_max = "max over parameters of |draw mean - ref mean| / ref sd (mean row excluded)",
    mean_err_max_of_mean_row = "same, using the approximation's mean (first CSV row) instead of the draw mean",
    sd_ratio_mean = "mean over parameters of draw sd / ref sd",
    pareto_k = "PSIS k-hat of log_p__ - log_g__ via loo::psis(r_eff = 1)",
    reported_pareto_k = "k-hat as reported by the system itself (rstan's vb diagnostics / elbo summary.json)"),
  notes = notes)

out <- c(info, list(summary = summary, runs = runs))
write_json(out, file.path(here, "results.json"), auto_unbox = TRUE, digits = NA, pretty = TRUE, na = "null")

# ---- markdown ----------------------------------------------------------------------
f <- function(x, d = 3) if (is.null(x) || is.na(x)) "—" else formatC(x, digits = d, format = "f")
md <- c("# Logistic regression ADVI: elbo vs Stan (rstan::vb)", "",
        sprintf("Generated %s by `compare.R`; %d draws per run; reference = NUTS, %s draws (min bulk ESS %.0f, min tail ESS %.0f, max R-hat %.4f).",
                info$generated, opt$draws, format(ref$diagnostics$draws, big.mark = ","),
                ref$diagnostics$bulk_ess_min, ref$diagnostics$tail_ess_min, ref$diagnostics$rhat_max),
        "",
        "err = max_i |mean_i − ref_i| / ref_sd_i; sd ratio = mean_i sd_i / ref_sd_i; k̂ = PSIS k̂ of log p − log q (loo::psis). Wall time: rstan::vb() call (no compilation) / elbo CLI process; fit = elbo's own reported fit time; iters = optimisation iterations, \"(max)\" = stopped at the iteration cap without meeting the convergence test.",
        sprintf("1-minute load average during the runs: %s–%s on %d cores (the machine is shared; wall times are noisy).",
                f(min(vapply(runs, get, 0, f = "loadavg_1min")), 1), f(max(vapply(runs, get, 0, f = "loadavg_1min")), 1),
                parallel::detectCores()),
        "", "## Per run", "",
        "| system | family | seed | wall s | fit s | iters | err | sd ratio | k̂ | reported k̂ |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
iters <- function(r) {
  if (is.null(r$iterations) || is.na(r$iterations)) return("—")
  paste0(r$iterations, if (isTRUE(r$converged)) "" else if (identical(r$converged, FALSE)) " (max)" else "")
}
for (r in runs) {
  if (!is.null(r$error)) {
    md <- c(md, sprintf("| %s | %s | %d | %s | — | — | failed: %s | | | |", r$system, r$family, r$seed,
                        f(r$wall_seconds, 2), gsub("|", "/", r$error, fixed = TRUE)))
  } else {
    md <- c(md, sprintf("| %s | %s | %d | %s | %s | %s | %s | %s | %s | %s |", r$system, r$family, r$seed,
                        f(r$wall_seconds, 2), f(get(r, "fit_seconds"), 2), iters(r), f(r$mean_err_max),
                        f(r$sd_ratio_mean), f(r$pareto_k, 2), f(get(r, "reported_pareto_k"), 2)))
  }
}
md <- c(md, "", "## Medians over seeds", "",
        "| method | runs | failed | wall s | fit s | process s | err | sd ratio | k̂ |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|")
for (s in summary) {
  md <- c(md, sprintf("| %s | %d | %d | %s | %s | %s | %s | %s | %s |", s$method, s$runs, s$failed,
                      f(s$median_wall_seconds, 2), f(s$median_fit_seconds, 2),
                      f(s$median_process_seconds, 2), f(s$median_mean_err_max),
                      f(s$median_sd_ratio_mean), f(s$median_pareto_k, 2)))
}
md <- c(md, "", "process s = one whole process that fits and writes the draws, from its start: `Rscript stan_process.R` (R, rstan, the cached compiled model, the data, vb()) for Stan, the `elbo` CLI for elbo (of which about 0.35 s is loading LibTorch).")
if (length(notes)) md <- c(md, "", "Notes:", paste0("- ", notes))
writeLines(md, file.path(here, "results.md"))
cat("wrote", file.path(here, "results.json"), "and results.md\n")
