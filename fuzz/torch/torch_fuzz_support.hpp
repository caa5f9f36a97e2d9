#pragma once
// What the LibTorch loaders' harnesses add to ../fuzz_support.hpp: each input is
// tried against several runs (families, optimizers, models), most of which
// refuse it; a seed must be restored by at least one, or it only fuzzes the
// refusal. CTest replays the seeds with ELBO_FUZZ_SEEDS_MUST_RESTORE=1, so a
// seed made stale by a format change fails there (regenerate: make_seeds.sh).
#include <cstdio>
#include <cstdlib>
#include <exception>

#include "fuzz_support.hpp"

namespace elbo::fuzz {

/// Runs `body` as accept_clean_errors does; true when it ran to the end. With
/// ELBO_FUZZ_EXPLAIN=1 the error that stopped it is printed.
template <class Body>
bool restores(Body&& body) {
  bool done = false;
  accept_clean_errors([&] {
    try {
      body();
    } catch (const std::exception& e) {
      if (std::getenv("ELBO_FUZZ_EXPLAIN")) std::fprintf(stderr, "refused: %s\n", e.what());
      throw;
    }
    done = true;
  });
  return done;
}

/// `size`: the input's; libFuzzer runs an empty input before a corpus's files.
inline void check_seed_restored(bool restored, size_t size) {
  if (!restored && size > 0 && std::getenv("ELBO_FUZZ_SEEDS_MUST_RESTORE")) {
    std::fputs("this seed is refused by every run of the harness (stale? rerun fuzz/torch/make_seeds.sh)\n", stderr);
    std::abort();
  }
}

}  // namespace elbo::fuzz
