#include "elbo/distributed/table_shard.hpp"

#include "elbo/core/error.hpp"
#include "elbo/distributed/distributed_svi.hpp"
#include "elbo/distributed/line_shard.hpp"
#include "elbo/io/csv_reader.hpp"

namespace elbo::distributed {

TableShard read_csv_shard(const std::string& path, int64_t min_rows, Communicator& comm) {
  const LineShard lines = read_line_shard(path, 1, comm);
  TableShard shard;
  std::exception_ptr error;
  try {
    shard.table = io::parse_csv(lines.header + lines.text, path);
    if (shard.table.rows < min_rows) {
      throw InputError(path, 0, "", "this rank's shard has " + std::to_string(shard.table.rows) +
                                        " rows, fewer than " + std::to_string(min_rows) + ": use fewer ranks");
    }
  } catch (const InputError&) {
    error = std::current_exception();
  }
  std::vector<int64_t> none;
  agree_on_shards(error, lines, 1, none, comm);
  const ShardLayout layout = shard_layout(shard.table.rows, comm);
  shard.first_row = layout.first;
  shard.total_rows = layout.total;
  return shard;
}

}  // namespace elbo::distributed
