// elbo: variational inference from the shell. See `elbo --help`.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "commands.hpp"
#include "unreliable_fit.hpp"
#include "elbo/core/error.hpp"
#include "elbo/core/threads.hpp"
#include "elbo/distributed/mpi_session.hpp"

namespace {

// `elbo fitt` or `elbo fit bogus`: CLI11 would only say "A subcommand is required".
void check_command_words(const CLI::App& app, int argc, char** argv) {
  const CLI::App* current = &app;
  std::string typed = "elbo";
  for (int i = 1; i < argc; ++i) {
    const std::string word = argv[i];
    if (word.empty() || word[0] == '-') return;
    const auto subcommands = current->get_subcommands([](const CLI::App*) { return true; });
    if (subcommands.empty()) return;
    const CLI::App* next = nullptr;
    std::string known;
    for (const auto* sub : subcommands) {
      if (sub->get_name() == word) next = sub;
      known += (known.empty() ? "" : ", ") + sub->get_name();
    }
    if (!next) throw elbo::ConfigError("unknown command '" + typed + " " + word + "' (commands: " + known + ")");
    typed += " " + word;
    current = next;
  }
}

// CLI11's file checks ("--data: File does not exist: x.csv") are data errors (exit 1).
bool is_missing_file(const std::string& what) {
  return what.find("File does not exist") != std::string::npos ||
         what.find("File is actually a directory") != std::string::npos ||
         what.find("Path does not exist") != std::string::npos;
}

// One line for any other exception: LibTorch's texts carry "[enforce fail at …]"
// and stack frames on further lines; an allocation failure says how much.
std::string one_line(const std::string& what) {
  std::string line = what.substr(0, what.find('\n'));
  if (line.rfind("[enforce fail at", 0) == 0 && line.find("] ") != std::string::npos)
    line = line.substr(line.find("] ") + 2);
  const std::string tried = "you tried to allocate ";
  const auto at = line.find(tried);
  if (at != std::string::npos) {
    const double bytes = std::atof(line.c_str() + at + tried.size());
    char buf[160];
    std::snprintf(buf, sizeof buf, "out of memory: an allocation of %.3g GB failed (use smaller sizes)", bytes / 1e9);
    return buf;
  }
  if (line == "std::bad_alloc") return "out of memory (use smaller sizes)";
  return line;
}

}  // namespace

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
    check_command_words(app, argc, argv);
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
    return mpi.finish(is_missing_file(e.what()) ? 1 : 2);
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
    std::fprintf(stderr, "elbo: error: %s\n", one_line(e.what()).c_str());
    return mpi.finish(1);
  }
  return mpi.finish(0);
}
