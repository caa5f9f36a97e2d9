# Stan's ADVI timed from process start, the way a user runs it: start R, load
# rstan, load the cached compiled model and the data, run vb().
#   Rscript stan_process.R <meanfield|fullrank> <seed> <draws>
# compare.R times this whole process next to the elbo CLI process.
args <- commandArgs(TRUE)
suppressMessages(library(rstan))
here <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))
source(file.path(here, "common.R"))
model <- compile_model()
dat <- load_stan_data()
invisible(capture.output(
  vb(model, data = dat, algorithm = args[1], seed = as.integer(args[2]),
     output_samples = as.integer(args[3]), refresh = 0)))
