#pragma once
// This rank's rows of a numeric CSV table (a header row, then one point per
// line), read by byte range (line_shard.hpp); every rank reads the header.
#include <string>

#include "elbo/distributed/communicator.hpp"
#include "elbo/io/table.hpp"

namespace elbo::distributed {

struct TableShard {
  io::Table table;          // this rank's rows, all columns
  int64_t first_row = 0;    // global index of table's first row
  int64_t total_rows = 0;   // over all ranks
};

/// A malformed row is an InputError naming file, global line, column and rank,
/// raised after the collectives (agree_on_shards). Needs `min_rows` rows per rank.
TableShard read_csv_shard(const std::string& path, int64_t min_rows, Communicator& comm);

}  // namespace elbo::distributed
