# Stan's ADVI (rstan::vb, mean-field and full-rank, Stan's default settings) on the
# posteriordb posteriors (README.md). One JSON per run, shaped like elbo's summary.json:
#   runs/stan/<algorithm>/<NAME>_seed<S>.json   (+ .csv: vb()'s sample_file, .log: its output)
# with, per reference parameter (CmdStan names, "beta.1" for "beta[1]"), the mean, sd and
# q5/q50/q95 of the draws (the sample file's first row, the approximation's mean, is
# skipped), the PSIS k-hat of log_p__ - log_g__ (loo::psis, r_eff = 1, as
# ../accuracy/stan_advi.R), the converged flag and iteration count from vb()'s output,
# and the wall time of the vb() call. Each program is compiled once (compile time
# recorded apart) and cached as runs/stan_models/<NAME>.rds, keyed by the md5 of the
# translated program. Metrics are computed by aggregate.py, not here.
#
# rstan 2.21 parses Stan 2.21 syntax only (`real y[N];`, not `array[N] real y;`), so the
# programs are read from a directory of translated programs <DIR>/<NAME>.stan (run.sh
# makes it with `elbo compile NAME.stan --translated OUT.stan`).
#
#   Rscript stan_advi.R --translated DIR [--posteriors A,B,...] [--seeds 1,2,3]
#       [--algorithms meanfield,fullrank] [--posteriordb DIR] [--timeout SECONDS]
#       [--compile-only] [--skip-existing]
# --skip-existing skips a run whose JSON exists without an error and was made from the
# same translated program (its md5, "program_md5").
# Every vb() call runs in a forked child (parallel::mcparallel): a crash or a run over
# --timeout seconds (default 1800) is recorded as a failed run instead of ending the script.
suppressPackageStartupMessages({
  library(rstan)
  library(jsonlite)
  library(parallel)
})

here <- local({
  a <- commandArgs(FALSE)
  normalizePath(dirname(sub("^--file=", "", a[grep("^--file=", a)])))
})

# ---- options ---------------------------------------------------------------------------
opt <- list(translated = NULL, posteriors = NULL, seeds = "1,2,3",
            algorithms = "meanfield,fullrank", posteriordb = Sys.getenv("PDB_DIR", file.path(here, "..", "..", "..", "..", "shared", "posteriordb")),
            timeout = "1800", compile_only = FALSE, skip_existing = FALSE)
args <- commandArgs(trailingOnly = TRUE)
i <- 1
while (i <= length(args)) {
  a <- args[i]
  key <- gsub("-", "_", sub("^--", "", a))
  if (key %in% c("compile_only", "skip_existing")) {
    opt[[key]] <- TRUE
  } else if (key %in% names(opt) && i < length(args)) {
    opt[[key]] <- args[i + 1]; i <- i + 1
  } else {
    stop("stan_advi.R: unknown or incomplete option ", a)
  }
  i <- i + 1
}
if (is.null(opt$translated)) stop("stan_advi.R: --translated DIR is required")
split <- function(s) strsplit(s, ",", fixed = TRUE)[[1]]
pdb <- normalizePath(opt$posteriordb)
translated <- normalizePath(opt$translated)
all_posteriors <- sub("\\.reference\\.csv$", "", list.files(pdb, "\\.reference\\.csv$"))
posteriors <- if (is.null(opt$posteriors)) all_posteriors else split(opt$posteriors)
seeds <- as.integer(split(opt$seeds))
algorithms <- split(opt$algorithms)
timeout <- as.numeric(opt$timeout)
draws_out <- 1000L
runs_dir <- file.path(here, "runs")
models_dir <- file.path(runs_dir, "stan_models")
dir.create(models_dir, recursive = TRUE, showWarnings = FALSE)
settings <- paste("rstan::vb defaults (iter 10000, grad_samples 1, elbo_samples 100, eval_elbo 100,",
                  "adapt_engaged, adapt_iter 50, tol_rel_obj 0.01), output_samples", draws_out)
rstan_version <- as.character(packageVersion("rstan"))
loadavg <- function() as.numeric(strsplit(readLines("/proc/loadavg"), " ")[[1]][1])
write_run <- function(res, path) {
  dir.create(dirname(path), recursive = TRUE, showWarnings = FALSE)
  write_json(res, path, auto_unbox = TRUE, digits = NA, pretty = TRUE, na = "null", null = "null")
}

# "beta[1]" / "theta[1, 2]" (Stan) <-> "beta.1" / "theta.1.2" (CmdStan CSV header).
dotted <- function(n) gsub("\\.$", "", gsub("[][, ]+", ".", n))

# CmdStan JSON data -> rstan data list. JSON arrays become R arrays with their full
# shape (row-major nesting -> column-major array), so that a length-1 array stays an
# array (rstan reads a plain length-1 vector as a scalar) and matrices keep rows.
read_data <- function(path) {
  to_r <- function(v) {
    if (!is.list(v)) return(v)
    dims <- integer(0); x <- v
    while (is.list(x)) { dims <- c(dims, length(x)); if (!length(x)) break; x <- x[[1]] }
    flat <- unlist(v, use.names = FALSE)
    if (is.null(flat)) flat <- numeric(0)
    if (length(dims) == 1) return(array(flat, dim = dims))
    aperm(array(flat, dim = rev(dims)), rev(seq_along(dims)))
  }
  lapply(fromJSON(path, simplifyVector = FALSE), to_r)
}

read_reference <- function(name) {
  ref <- read.csv(file.path(pdb, paste0(name, ".reference.csv")), stringsAsFactors = FALSE)
  ref$param
}

# ---- compilation (cached) --------------------------------------------------------------
compile_posterior <- function(name) {
  stan_file <- file.path(translated, paste0(name, ".stan"))
  if (!file.exists(stan_file)) return(list(error = paste("no translated program", stan_file)))
  md5 <- unname(tools::md5sum(stan_file))
  rds <- file.path(models_dir, paste0(name, ".rds"))
  meta_file <- file.path(models_dir, paste0(name, ".compile.json"))
  if (file.exists(rds) && file.exists(meta_file)) {
    meta <- fromJSON(meta_file)
    if (identical(meta$md5, md5) && is.null(meta$error)) {
      model <- tryCatch(readRDS(rds), error = function(e) NULL)
      if (!is.null(model)) return(list(model = model, seconds = meta$compile_seconds, cached = TRUE, md5 = md5))
    }
  }
  t0 <- Sys.time()
  model <- tryCatch(suppressWarnings(stan_model(stan_file, model_name = gsub("[^A-Za-z0-9_]", "_", name))),
                    error = function(e) e)
  secs <- as.numeric(difftime(Sys.time(), t0, units = "secs"))
  meta <- list(posterior = name, md5 = md5, compile_seconds = secs, rstan_version = rstan_version,
               loadavg_1min = loadavg(), generated = format(Sys.time(), "%Y-%m-%dT%H:%M:%S%z"))
  if (inherits(model, "error")) {
    meta$error <- conditionMessage(model)
    write_run(meta, meta_file)
    return(list(error = paste("compile:", meta$error), seconds = secs, md5 = md5))
  }
  saveRDS(model, rds)
  write_run(meta, meta_file)
  list(model = model, seconds = secs, cached = FALSE, md5 = md5)
}

# ---- one vb() run (in a forked child) --------------------------------------------------
summarise_run <- function(csv, log, ref_params) {
  d <- read.csv(csv, comment.char = "#", check.names = FALSE)
  names(d) <- dotted(names(d))
  d <- d[-1, , drop = FALSE]                       # first row: the approximation's mean
  lines <- readLines(log, warn = FALSE)
  its <- suppressWarnings(as.integer(sub("^Chain 1: +([0-9]+) .*", "\\1",
                                         grep("^Chain 1: +[0-9]+ +-?[0-9.]", lines, value = TRUE))))
  eta <- suppressWarnings(as.numeric(sub(".*\\[eta = ([0-9.eE+-]+)\\].*", "\\1",
                                         grep("\\[eta = ", lines, value = TRUE))))
  lr <- d[["log_p__"]] - d[["log_g__"]]
  out <- list(iterations = if (length(its)) max(its) else NA_integer_,
              converged = any(grepl("ELBO CONVERGED", lines)),
              max_iterations_reached = any(grepl("maximum number of iterations", lines)),
              eta = if (length(eta)) eta[length(eta)] else NA_real_,
              draws = nrow(d),
              nonfinite_log_ratio = sum(!is.finite(lr)))
  k <- if (length(lr) && all(is.finite(lr)))
    suppressWarnings(loo::psis(lr, r_eff = 1))$diagnostics$pareto_k else NA_real_
  # loo gives k = Inf when the tail fit fails (extreme weights): kept as the string "Inf"
  # (JSON has no infinity; null means "no k-hat").
  out$pareto_k <- if (is.infinite(k) && k > 0) "Inf" else k
  cols <- dotted(ref_params)
  out$missing_parameters <- I(setdiff(cols, names(d)))
  out$summary <- setNames(lapply(intersect(cols, names(d)), function(p) {
    x <- d[[p]]
    q <- unname(quantile(x, c(0.05, 0.5, 0.95), type = 7, na.rm = TRUE))
    list(mean = mean(x), sd = sd(x), q5 = q[1], q50 = q[2], q95 = q[3])
  }), intersect(cols, names(d)))
  out
}

run_child <- function(model, data, algorithm, seed, csv, log, ref_params) {
  unlink(c(csv, log))
  zz <- file(log, open = "wt"); sink(zz); sink(zz, type = "message")
  t0 <- Sys.time()
  fit <- tryCatch(suppressWarnings(vb(model, data = data, algorithm = algorithm, seed = seed,
                                      output_samples = draws_out, sample_file = csv)),
                  error = function(e) e)
  wall <- as.numeric(difftime(Sys.time(), t0, units = "secs"))
  sink(type = "message"); sink(); close(zz)
  res <- list(wall_seconds = wall)
  if (inherits(fit, "error") || !file.exists(csv) || length(fit@sim) == 0) {
    res$error <- if (inherits(fit, "error")) conditionMessage(fit) else "vb() returned no draws"
    # vb() can fail after writing its draws (rstan's own k-hat step rejects non-finite
    # log_p__): the run still counts as failed, as for a user, but say so.
    if (file.exists(csv)) {
      n <- sum(!startsWith(readLines(csv, warn = FALSE), "#")) - 2L   # header, mean row
      if (n > 0) res$draws_written_before_error <- n
    }
    return(res)
  }
  c(res, tryCatch(summarise_run(csv, log, ref_params),
                  error = function(e) list(error = paste("summary:", conditionMessage(e)))))
}

run_one <- function(comp, data, name, algorithm, seed, ref_params) {
  base <- file.path(runs_dir, "stan", algorithm, sprintf("%s_seed%d", name, seed))
  dir.create(dirname(base), recursive = TRUE, showWarnings = FALSE)
  res <- list(system = "stan", method = paste0("stan:", algorithm), posterior = name,
              seed = seed, algorithm = algorithm, settings = settings,
              rstan_version = rstan_version, compile_seconds = comp$seconds,
              compile_cached = comp$cached, program_md5 = comp$md5, loadavg_1min = loadavg(),
              generated = format(Sys.time(), "%Y-%m-%dT%H:%M:%S%z"))
  if (!is.null(comp$error)) {
    res$error <- comp$error
  } else if (inherits(data, "error")) {
    res$error <- paste("data:", conditionMessage(data))
  } else {
    t0 <- Sys.time()
    job <- mcparallel(run_child(comp$model, data, algorithm, seed, paste0(base, ".csv"),
                                paste0(base, ".log"), ref_params))
    out <- mccollect(job, wait = FALSE, timeout = timeout)
    if (is.null(out)) {                            # still running after the timeout
      tools::pskill(job$pid, tools::SIGKILL)
      mccollect(job, wait = TRUE)
      res$wall_seconds <- as.numeric(difftime(Sys.time(), t0, units = "secs"))
      res$error <- sprintf("timeout: vb() still running after %.0f s (killed)", timeout)
    } else {
      out <- out[[1]]
      if (is.null(out)) {
        res$error <- "vb() child process died (crash)"
      } else if (inherits(out, "try-error")) {
        res$error <- paste("child:", as.character(out))
      } else {
        res <- c(res, out)
      }
      if (is.null(res$wall_seconds))
        res$wall_seconds <- as.numeric(difftime(Sys.time(), t0, units = "secs"))
    }
  }
  write_run(res, paste0(base, ".json"))
  res
}

# ---- main ------------------------------------------------------------------------------
for (name in posteriors) {
  if (!file.exists(file.path(pdb, paste0(name, ".reference.csv")))) {
    message("stan_advi.R: no posterior ", name, " in ", pdb); next
  }
  todo <- expand.grid(algorithm = algorithms, seed = seeds, stringsAsFactors = FALSE)
  if (opt$skip_existing && !opt$compile_only) {
    sf <- file.path(translated, paste0(name, ".stan"))
    md5 <- if (file.exists(sf)) unname(tools::md5sum(sf)) else NA
    done <- mapply(function(a, s) {     # same translated program, no error
      f <- file.path(runs_dir, "stan", a, sprintf("%s_seed%d.json", name, s))
      if (!file.exists(f)) return(FALSE)
      r <- fromJSON(f)
      is.null(r$error) && identical(r$program_md5, md5)
    }, todo$algorithm, todo$seed)
    todo <- todo[!done, , drop = FALSE]
    if (!nrow(todo)) { cat(sprintf("%-52s all runs present\n", name)); next }
  }
  comp <- compile_posterior(name)
  cat(sprintf("%-52s compile %6.1f s%s%s\n", name, if (is.null(comp$seconds)) NA else comp$seconds,
              if (isTRUE(comp$cached)) " (cached)" else "",
              if (is.null(comp$error)) "" else paste0("  ERROR ", substr(comp$error, 1, 300))))
  if (opt$compile_only) next
  ref_params <- read_reference(name)
  data <- tryCatch(read_data(file.path(pdb, paste0(name, ".data.json"))), error = function(e) e)
  for (k in seq_len(nrow(todo))) {
    r <- run_one(comp, data, name, todo$algorithm[k], todo$seed[k], ref_params)
    cat(sprintf("%-52s stan:%-9s seed %d  %7.2f s  %s\n", name, todo$algorithm[k], todo$seed[k],
                if (is.null(r$wall_seconds)) NA else r$wall_seconds,
                if (is.null(r$error)) sprintf("k=%s it=%s conv=%s", format(r$pareto_k, digits = 3), r$iterations, r$converged)
                else paste("ERROR", substr(r$error, 1, 200))))
  }
}
