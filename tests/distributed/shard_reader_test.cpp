// Byte-range shards (line_shard.hpp, corpus_shard.hpp, table_shard.hpp) read by 1–5
// thread "ranks": together they hold every line exactly once, in order, with
// the right global line numbers, and equal the whole-file readers; a malformed
// line on one rank is an InputError naming the file, the global line and that
// rank, while the other ranks are released (never left waiting).
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>

#include <unistd.h>

#include "elbo/core/error.hpp"
#include "elbo/distributed/corpus_shard.hpp"
#include "elbo/distributed/line_shard.hpp"
#include "elbo/distributed/table_shard.hpp"
#include "elbo/io/csv_reader.hpp"
#include "elbo/io/ldac_reader.hpp"
#include "thread_communicator.hpp"

namespace elbo::distributed {
namespace {

using testing::run_ranks;
using testing::run_ranks_or_throw;

class ShardFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("elbo_shard_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }
  std::filesystem::path dir_;
};

// n lines of varied length ("line i: xxx...").
std::string numbered_lines(int n, bool trailing_newline = true) {
  std::string s;
  for (int i = 1; i <= n; ++i) {
    s += "line " + std::to_string(i) + ": " + std::string(static_cast<size_t>((i * 7) % 23), 'x');
    if (i < n || trailing_newline) s += '\n';
  }
  return s;
}

TEST_F(ShardFiles, LineShardsCoverEveryLineOnceInOrder) {
  for (bool trailing : {true, false}) {
    const std::string text = "header a\nheader b\n" + numbered_lines(41, trailing);
    const std::string path = write("lines.txt", text);
    for (int n = 1; n <= 5; ++n) {
      std::vector<LineShard> shards(static_cast<size_t>(n));
      run_ranks_or_throw(n, [&](Communicator& comm) {
        shards[static_cast<size_t>(comm.rank())] = read_line_shard(path, 2, comm);
      });
      std::string joined;
      int64_t next_line = 3;
      for (const auto& s : shards) {
        EXPECT_EQ(s.header, "header a\nheader b\n") << n << " ranks";
        EXPECT_EQ(s.first_line, next_line) << n << " ranks";
        EXPECT_EQ(s.file_bytes, static_cast<int64_t>(text.size()));
        if (!s.text.empty()) {
          EXPECT_EQ(s.text.back(), '\n');
          // a shard starts at the start of a line: "line <first_line − 2>: ..."
          EXPECT_EQ(s.text.rfind("line " + std::to_string(s.first_line - 2) + ":", 0), 0u) << s.text;
        }
        next_line += s.lines;
        joined += s.text;
      }
      EXPECT_EQ(next_line, 3 + 41);
      EXPECT_EQ(joined, numbered_lines(41, true)) << n << " ranks";
    }
  }
}

TEST_F(ShardFiles, MoreRanksThanLinesLeavesSomeShardsEmpty) {
  const std::string path = write("two.txt", "a\nb\n");
  std::vector<LineShard> shards(5);
  run_ranks_or_throw(5, [&](Communicator& comm) {
    shards[static_cast<size_t>(comm.rank())] = read_line_shard(path, 0, comm);
  });
  int64_t lines = 0;
  std::string joined;
  for (const auto& s : shards) {
    lines += s.lines;
    joined += s.text;
  }
  EXPECT_EQ(lines, 2);
  EXPECT_EQ(joined, "a\nb\n");
}

TEST_F(ShardFiles, MissingFileNamesFileAndRankOnEveryRank) {
  const std::string path = (dir_ / "nope.dat").string();
  const auto errors = run_ranks(3, [&](Communicator& comm) { read_line_shard(path, 0, comm); });
  for (int r = 0; r < 3; ++r) {
    ASSERT_TRUE(errors[static_cast<size_t>(r)]);
    try {
      std::rethrow_exception(errors[static_cast<size_t>(r)]);
    } catch (const InputError& e) {
      EXPECT_EQ(e.file(), path);
      EXPECT_NE(std::string(e.what()).find("rank " + std::to_string(r) + " of 3"), std::string::npos) << e.what();
    }
  }
}

// A corpus of 37 documents over word ids 0..(12 + d % 5) — the largest id is on
// the last documents, so V must be agreed over ranks.
std::string small_ldac() {
  std::string s;
  for (int d = 0; d < 37; ++d) {
    const int top = 8 + d % 5 + (d >= 30 ? 6 : 0);
    s += "3 " + std::to_string(d % 4) + ":" + std::to_string(1 + d % 3) + " 5:2 " + std::to_string(top) + ":1\n";
  }
  return s;
}

TEST_F(ShardFiles, LdacShardsEqualTheWholeCorpus) {
  const std::string path = write("corpus.dat", small_ldac());
  const io::Corpus whole = io::read_ldac(path);
  ASSERT_EQ(whole.num_docs(), 37);
  ASSERT_EQ(whole.num_words, 19);
  for (int n : {1, 2, 3, 5}) {
    std::vector<CorpusShard> shards(static_cast<size_t>(n));
    run_ranks_or_throw(n, [&](Communicator& comm) {
      shards[static_cast<size_t>(comm.rank())] = read_ldac_shard(path, 0, {}, comm);
    });
    int64_t next = 0;
    for (const auto& s : shards) {
      EXPECT_EQ(s.total_documents, 37);
      EXPECT_EQ(s.first_document, next);
      EXPECT_EQ(s.corpus.num_words, 19) << n << " ranks: V agreed over ranks";
      for (int64_t d = 0; d < s.corpus.num_docs(); ++d) {
        const int64_t g = next + d;
        ASSERT_EQ(s.corpus.offsets[d + 1] - s.corpus.offsets[d], whole.offsets[g + 1] - whole.offsets[g]);
        for (int64_t i = 0; i < s.corpus.offsets[d + 1] - s.corpus.offsets[d]; ++i) {
          EXPECT_EQ(s.corpus.word_ids[s.corpus.offsets[d] + i], whole.word_ids[whole.offsets[g] + i]);
          EXPECT_EQ(s.corpus.counts[s.corpus.offsets[d] + i], whole.counts[whole.offsets[g] + i]);
        }
      }
      next += s.corpus.num_docs();
    }
    EXPECT_EQ(next, 37);
  }
}

TEST_F(ShardFiles, MalformedLineAbortsNamingFileGlobalLineAndRank) {
  std::string text = small_ldac();
  // line 33 (in the last rank's shard of 2): a word id that is not a number
  size_t pos = 0;
  for (int l = 1; l < 33; ++l) pos = text.find('\n', pos) + 1;
  text.insert(text.find(' ', pos) + 1, "q");
  const std::string path = write("bad.dat", text);
  const auto errors = run_ranks(2, [&](Communicator& comm) { read_ldac_shard(path, 0, {}, comm); });
  ASSERT_TRUE(errors[1]);
  try {
    std::rethrow_exception(errors[1]);
  } catch (const InputError& e) {
    EXPECT_EQ(e.file(), path);
    EXPECT_EQ(e.line(), 33);
    EXPECT_NE(std::string(e.what()).find("rank 1 of 2"), std::string::npos) << e.what();
  }
  // rank 0 was released, not left waiting: it got the group's abort (the test ended)
  ASSERT_TRUE(errors[0]);
  EXPECT_THROW(std::rethrow_exception(errors[0]), testing::RankAborted);
}

TEST_F(ShardFiles, CsvShardsEqualTheWholeTable) {
  std::string text = "x,y,label\n";
  for (int i = 0; i < 29; ++i) text += std::to_string(i * 0.5) + "," + std::to_string(-i) + "," + std::to_string(i % 3) + "\n";
  const std::string path = write("points.csv", text);
  const io::Table whole = io::read_csv(path);
  for (int n : {1, 2, 4}) {
    std::vector<TableShard> shards(static_cast<size_t>(n));
    run_ranks_or_throw(n, [&](Communicator& comm) {
      shards[static_cast<size_t>(comm.rank())] = read_csv_shard(path, 2, comm);
    });
    std::vector<double> joined;
    int64_t next = 0;
    for (const auto& s : shards) {
      EXPECT_EQ(s.table.columns, whole.columns);
      EXPECT_EQ(s.first_row, next);
      EXPECT_EQ(s.total_rows, 29);
      next += s.table.rows;
      joined.insert(joined.end(), s.table.values.begin(), s.table.values.end());
    }
    EXPECT_EQ(joined, whole.values) << n << " ranks";
  }
}

TEST_F(ShardFiles, CsvBadCellNamesGlobalLineAndRank) {
  std::string text = "x,y\n";
  for (int i = 0; i < 20; ++i) text += (i == 16 ? std::string("1,abc") : std::to_string(i) + ",1") + "\n";
  const std::string path = write("bad.csv", text);
  const auto errors = run_ranks(2, [&](Communicator& comm) { read_csv_shard(path, 2, comm); });
  ASSERT_TRUE(errors[1]);
  try {
    std::rethrow_exception(errors[1]);
  } catch (const InputError& e) {
    EXPECT_EQ(e.line(), 18);  // header + 17th data row
    EXPECT_NE(std::string(e.what()).find("rank 1 of 2"), std::string::npos) << e.what();
  }
  EXPECT_THROW(std::rethrow_exception(errors[0]), testing::RankAborted);
}

}  // namespace
}  // namespace elbo::distributed
