// elbo: variational inference from the shell. See `elbo --help`.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>
#include <string>

#include "commands.hpp"
#include "unreliable_fit.hpp"
#include "elbo/core/error.hpp"
#include "elbo/core/threads.hpp"
#include "elbo/distributed/mpi_session.hpp"

int main(int argc, char** argv) {
  // Under mpirun/mpiexec: MPI for the distributed fits (docs/distributed.md); every
  // exit goes through finish(), which aborts the whole job when a rank fails.
  elbo::distributed::MpiSession mpi(&argc, &argv);
  CLI::App app{"elbo: variational inference for Bayesian models", "elbo"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("elbo 0.1.0"));

  auto* fit = app.add_subcommand("fit", "Fit a model's approximate posterior");
  fit->require_subcommand(1);
  fit->footer(
      "Every fit writes draws.csv and summary.json, whose \"reliable\" verdict (with its reasons) "
      "says whether the draws can be used as the posterior's. Exit codes: 0 written (a warning on "
      "stderr when not reliable), 1 bad data or numerical failure, 2 invalid options, 3 written "
      "but not reliable under --strict.");
  elbo_cli::add_fit_glm_commands(*fit);
  elbo_cli::add_fit_eight_schools_command(*fit);
  elbo_cli::add_fit_lda_command(*fit);
  elbo_cli::add_fit_gmm_command(*fit);
  elbo_cli::add_fit_hmm_command(*fit);
  elbo_cli::add_fit_gp_command(*fit);
  elbo_cli::add_fit_stan_command(*fit);
  elbo_cli::add_compile_command(app);
  elbo_cli::add_vae_commands(app);
  elbo_cli::add_gradvar_command(app);
  elbo_cli::add_report_command(app);
  elbo_cli::add_predict_command(app);

  // Threads: the BLAS gets one per core, LibTorch's OpenMP pool one (core/threads.hpp);
  // commands with --threads set their own.
  elbo::set_num_threads(elbo::default_num_threads());

  // The only place where errors become a message and an exit code:
  // 1 for bad data or numerical failure, 2 for invalid options, 3 for an
  // unreliable fit under --strict (its outputs are written).
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return mpi.finish(app.exit(e));
  } catch (const CLI::CallForAllHelp& e) {
    return mpi.finish(app.exit(e));
  } catch (const CLI::CallForVersion& e) {
    return mpi.finish(app.exit(e));
  } catch (const CLI::ParseError& e) {
    // Options are the same on every rank: one message, from rank 0.
    if (mpi.rank() == 0) std::fprintf(stderr, "elbo: error: %s\n", e.what());
    return mpi.finish(2);
  } catch (const elbo::ConfigError& e) {
    if (mpi.rank() == 0) std::fprintf(stderr, "elbo: error: %s\n", e.what());
    return mpi.finish(2);
  } catch (const elbo_cli::UnreliableFit& e) {
    std::fprintf(stderr, "elbo: error: %s\n", e.what());
    return mpi.finish(elbo_cli::kUnreliableFitExitCode);
  } catch (const elbo::InputError& e) {
    std::fprintf(stderr, "elbo: error: %s\n", e.what());
    return mpi.finish(1);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "elbo: error: %s\n", e.what());
    return mpi.finish(1);
  }
  return mpi.finish(0);
}
