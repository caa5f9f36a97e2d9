# Stan's ADVI (rstan::vb, meanfield and fullrank, default settings) on every target,
# several seeds. Each run's draws are summarised exactly as the references and the
# elbo runs (mean, sd, 100 quantiles per compared parameter) plus the PSIS k-hat of
# log_p__ - log_g__ (loo::psis, r_eff = 1) and the wall time of the vb() call
# (compilation excluded). Metrics are computed by aggregate.py, not here.
#   Rscript bench/compare/accuracy/stan_advi.R [seeds, e.g. 1,2,3] [targets, comma-separated]
source(file.path(local({
  a <- commandArgs(FALSE); dirname(sub("^--file=", "", a[grep("^--file=", a)]))
}), "common.R"))

args <- commandArgs(trailingOnly = TRUE)
seeds <- if (length(args) >= 1) as.integer(strsplit(args[1], ",")[[1]]) else 1:3
targets <- if (length(args) >= 2) strsplit(args[2], ",")[[1]] else all_targets
draws_out <- 4000L
runs_dir <- file.path(acc_dir(), "runs", "stan")
dir.create(runs_dir, recursive = TRUE, showWarnings = FALSE)
loadavg <- function() as.numeric(strsplit(readLines("/proc/loadavg"), " ")[[1]][1])

run_one <- function(model, spec, target, family, seed) {
  csv <- file.path(runs_dir, sprintf("%s_%s_seed%d.csv", target, family, seed))
  log <- sub("\\.csv$", ".log", csv)
  unlink(csv)
  zz <- file(log, open = "wt"); sink(zz); sink(zz, type = "message")
  load0 <- loadavg()
  t0 <- Sys.time()
  fit <- tryCatch(suppressWarnings(vb(model, data = spec$data, algorithm = family, seed = seed,
                                      output_samples = draws_out, sample_file = csv)),
                  error = function(e) e)
  wall <- as.numeric(difftime(Sys.time(), t0, units = "secs"))
  sink(type = "message"); sink(); close(zz)
  res <- list(system = "stan", method = paste0("stan:", family), target = target, seed = seed,
              wall_seconds = wall, loadavg_1min = load0)
  if (inherits(fit, "error") || !file.exists(csv) || length(fit@sim) == 0) {
    res$error <- if (inherits(fit, "error")) conditionMessage(fit) else "vb() returned no draws"
    return(res)
  }
  d <- read.csv(csv, comment.char = "#", check.names = FALSE)
  names(d) <- dotted(names(d))
  d <- d[-1, , drop = FALSE]                     # first row: the approximation's mean
  lines <- readLines(log, warn = FALSE)
  its <- suppressWarnings(as.integer(sub("^Chain 1: +([0-9]+) .*", "\\1",
                                         grep("^Chain 1: +[0-9]+ +-?[0-9.]", lines, value = TRUE))))
  res$iterations <- if (length(its)) max(its) else NA_integer_
  res$converged <- any(grepl("ELBO CONVERGED", lines))
  lr <- d[["log_p__"]] - d[["log_g__"]]
  res$pareto_k <- if (all(is.finite(lr))) suppressWarnings(loo::psis(lr, r_eff = 1))$diagnostics$pareto_k else NA_real_
  res$draws <- nrow(d)
  res$parameters <- summarise_draws(as.matrix(d[, spec$pars]), spec$pars)
  res
}

runs <- list()
for (target in targets) {
  spec <- target_spec(target)
  model <- compile_target(spec)
  for (family in c("meanfield", "fullrank")) for (seed in seeds) {
    r <- run_one(model, spec, target, family, seed)
    cat(sprintf("%-26s stan:%-9s seed %d  %6.2f s  %s\n", target, family, seed, r$wall_seconds,
                if (is.null(r$error)) sprintf("k=%.2f", r$pareto_k) else paste("ERROR", r$error)))
    runs[[length(runs) + 1]] <- r
  }
}
out <- list(generated = format(Sys.time(), "%Y-%m-%dT%H:%M:%S%z"),
            rstan_version = as.character(packageVersion("rstan")),
            settings = "rstan::vb defaults (iter 10000, grad_samples 1, elbo_samples 100, eta adapted, tol_rel_obj 0.01), output_samples 4000",
            runs = runs)
write_json(out, file.path(acc_dir(), "runs", "stan_runs.json"), auto_unbox = TRUE, digits = NA,
           pretty = TRUE, na = "null")
