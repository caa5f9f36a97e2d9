#pragma once
// What a checkpointed run is fitted to, so --resume refuses a checkpoint from a
// run on other data or other model options (it would continue from a q that
// belongs to another posterior): the CRC-32 of each input file's bytes and the
// options that change the target density, as one readable line.
#include <string>
#include <vector>

namespace elbo_cli {

/// "FILE crc32=1a2b3c4d, …; OPTIONS" (an empty file name is skipped).
std::string run_fingerprint(const std::vector<std::string>& files, const std::string& options);

}  // namespace elbo_cli
