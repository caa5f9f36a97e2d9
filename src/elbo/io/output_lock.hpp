#pragma once
// One run writes into an output directory at a time: DIR/.elbo.lock is held
// (flock) from the moment the directory is taken until the process exits, so a
// second run into the same directory is refused at once instead of interleaving
// its draws.csv and summary.json with the first's. A lock dies with its process
// (no stale locks after a kill -9).
#include <string>

namespace elbo::io {

/// Takes DIR's lock for the rest of this process (again from the same process: a
/// no-op); elbo::InputError naming DIR and the holder's pid when another process
/// holds it. On file systems without flock the lock is skipped.
void lock_output_directory(const std::string& dir);

}  // namespace elbo::io
