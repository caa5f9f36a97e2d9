// The out-of-core corpus (disk_corpus_shard.hpp) and LDA on it (out_of_core_lda.hpp)
// on 1–5 thread "ranks": the shards read back exactly the documents of the
// in-memory shards, whatever the scan's block size; a bad line is named by its
// global line and rank; distributed SVI and CAVI on documents read from disk
// take bit-for-bit the steps of the same fit on documents held in memory.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>

#include <unistd.h>

#include "elbo/conjugate/cavi.hpp"
#include "elbo/conjugate/lda.hpp"
#include "elbo/core/error.hpp"
#include "elbo/distributed/corpus_shard.hpp"
#include "elbo/distributed/disk_corpus_shard.hpp"
#include "elbo/distributed/distributed_svi.hpp"
#include "elbo/distributed/out_of_core_lda.hpp"
#include "elbo/io/ldac_reader.hpp"
#include "thread_communicator.hpp"

namespace elbo::distributed {
namespace {

namespace conj = elbo::conjugate;
using testing::run_ranks;
using testing::run_ranks_or_throw;

class OutOfCore : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("elbo_ooc_test_" + std::to_string(::getpid()) + "_" +
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

// 150 documents from 3 topics over 40 words (lengths 5–60 pairs' worth of tokens),
// with an empty document ("0") every 17th line.
std::string three_topic_corpus() {
  std::mt19937 rng(9);
  std::uniform_real_distribution<double> u(0, 1);
  std::string text;
  for (int d = 0; d < 150; ++d) {
    if (d % 17 == 5) {
      text += "0\n";
      continue;
    }
    std::vector<int> counts(40, 0);
    const int a = d % 3;
    for (int i = 0; i < 5 + (d * 7) % 56; ++i) {
      const int w = u(rng) < 0.85 ? 13 * a + static_cast<int>(u(rng) * 13) : static_cast<int>(u(rng) * 40);
      ++counts[static_cast<size_t>(w)];
    }
    std::string pairs;
    int n = 0;
    for (int w = 0; w < 40; ++w)
      if (counts[static_cast<size_t>(w)] > 0) {
        pairs += " " + std::to_string(w) + ":" + std::to_string(counts[static_cast<size_t>(w)]);
        ++n;
      }
    text += std::to_string(n) + pairs + "\n";
  }
  return text;
}

const io::CorpusReadOptions kSkipEmpty = io::CorpusReadOptions().skip_empty_documents(true);

void expect_same_documents(const io::Corpus& a, const io::Corpus& b) {
  ASSERT_EQ(a.num_docs(), b.num_docs());
  EXPECT_EQ(a.offsets, b.offsets);
  EXPECT_EQ(a.word_ids, b.word_ids);
  EXPECT_EQ(a.counts, b.counts);
}

TEST_F(OutOfCore, ShardsReadBackTheInMemoryShardsForAnyBlockSize) {
  const std::string path = write("corpus.dat", three_topic_corpus() + "\n\n");  // trailing blank lines are fine
  for (int n : {1, 2, 3, 5}) {
    for (int64_t block : {int64_t{8} << 20, int64_t{97}, int64_t{1}}) {
      std::vector<CorpusShard> memory(static_cast<size_t>(n));
      std::vector<io::Corpus> disk(static_cast<size_t>(n));
      run_ranks_or_throw(n, [&](Communicator& comm) {
        const auto r = static_cast<size_t>(comm.rank());
        memory[r] = read_ldac_shard(path, 0, kSkipEmpty, comm);
        const DiskCorpusShard shard = DiskCorpusShard::open(path, 0, kSkipEmpty, comm, block);
        EXPECT_EQ(shard.first_document(), memory[r].first_document);
        EXPECT_EQ(shard.total_documents(), memory[r].total_documents);
        EXPECT_EQ(shard.num_words(), memory[r].corpus.num_words) << "V agreed over ranks";
        std::vector<int64_t> all(static_cast<size_t>(shard.num_docs()));
        for (size_t d = 0; d < all.size(); ++d) all[d] = static_cast<int64_t>(d);
        disk[r] = shard.read(all);
      });
      for (int r = 0; r < n; ++r) {
        SCOPED_TRACE(std::to_string(n) + " ranks, block " + std::to_string(block));
        expect_same_documents(disk[static_cast<size_t>(r)], memory[static_cast<size_t>(r)].corpus);
      }
    }
  }
}

TEST_F(OutOfCore, ReadReturnsTheAskedDocumentsInTheAskedOrder) {
  const std::string text = three_topic_corpus();
  const std::string path = write("corpus.dat", text);
  const io::Corpus whole = io::parse_ldac(text, path, 0, kSkipEmpty);
  run_ranks_or_throw(1, [&](Communicator& comm) {
    const DiskCorpusShard shard = DiskCorpusShard::open(path, 0, kSkipEmpty, comm, 64);
    ASSERT_EQ(shard.num_docs(), whole.num_docs());
    const std::vector<int64_t> docs{140, 3, 3, 0, 77};
    expect_same_documents(shard.read(docs), whole.subset(docs));
    EXPECT_EQ(shard.read({}).num_docs(), 0);
  });
}

TEST_F(OutOfCore, AByteOrderMarkIsNotPartOfTheFirstDocument) {
  // The first document read back after another one: its BOM used to be parsed
  // mid-minibatch ("changed while the fit was reading it").
  const std::string text = three_topic_corpus();
  const std::string path = write("corpus.dat", "\xEF\xBB\xBF" + text);
  const io::Corpus whole = io::parse_ldac(text, path, 0, kSkipEmpty);
  for (int64_t block : {int64_t{8} << 20, int64_t{2}}) {
    run_ranks_or_throw(2, [&](Communicator& comm) {
      const DiskCorpusShard shard = DiskCorpusShard::open(path, 0, kSkipEmpty, comm, block);
      if (comm.rank() != 0) return;
      const std::vector<int64_t> docs{3, 0, 1};
      expect_same_documents(shard.read(docs), whole.subset(docs));
    });
  }
}

TEST_F(OutOfCore, AMalformedLineIsNamedByItsGlobalLineAndRank) {
  std::string text = three_topic_corpus();
  size_t pos = 0;
  for (int l = 1; l < 131; ++l) pos = text.find('\n', pos) + 1;  // line 131: in rank 1's half
  text.insert(text.find(':', pos) + 1, "x");
  const std::string path = write("bad.dat", text);
  const auto errors = run_ranks(2, [&](Communicator& comm) { DiskCorpusShard::open(path, 0, kSkipEmpty, comm, 50); });
  ASSERT_TRUE(errors[1]);
  try {
    std::rethrow_exception(errors[1]);
  } catch (const InputError& e) {
    EXPECT_EQ(e.file(), path);
    EXPECT_EQ(e.line(), 131);
    EXPECT_EQ(e.field(), "pair 1");
    EXPECT_NE(std::string(e.what()).find("rank 1 of 2"), std::string::npos) << e.what();
  }
  ASSERT_TRUE(errors[0]);
  EXPECT_THROW(std::rethrow_exception(errors[0]), testing::RankAborted);
}

TEST_F(OutOfCore, BlankLinesBeforeADocumentAndUnskippedEmptyDocumentsAreErrors) {
  const std::string blank = write("blank.dat", "1 0:1\n2 1:1 2:3\n\n  \n1 4:2\n");
  const std::string empty = write("empty.dat", "1 0:1\n0\n1 4:2\n");
  for (int64_t block : {int64_t{1} << 20, int64_t{4}}) {
    const auto e1 = run_ranks(1, [&](Communicator& comm) { DiskCorpusShard::open(blank, 0, kSkipEmpty, comm, block); });
    ASSERT_TRUE(e1[0]);
    try {
      std::rethrow_exception(e1[0]);
    } catch (const InputError& e) {
      EXPECT_EQ(e.line(), 3) << e.what();
      EXPECT_NE(std::string(e.what()).find("blank line"), std::string::npos) << e.what();
    }
    const auto e2 = run_ranks(1, [&](Communicator& comm) { DiskCorpusShard::open(empty, 0, {}, comm, block); });
    ASSERT_TRUE(e2[0]);
    try {
      std::rethrow_exception(e2[0]);
    } catch (const InputError& e) {
      EXPECT_EQ(e.line(), 2) << e.what();
      EXPECT_NE(std::string(e.what()).find("empty document"), std::string::npos) << e.what();
    }
    // skipped, the empty document is not one of the shard's
    run_ranks_or_throw(1, [&](Communicator& comm) {
      EXPECT_EQ(DiskCorpusShard::open(empty, 0, kSkipEmpty, comm, block).num_docs(), 2);
    });
  }
}

TEST_F(OutOfCore, AFileChangedDuringTheFitIsAnInputError) {
  const std::string path = write("corpus.dat", three_topic_corpus());
  run_ranks_or_throw(1, [&](Communicator& comm) {
    const DiskCorpusShard shard = DiskCorpusShard::open(path, 0, kSkipEmpty, comm);
    write("corpus.dat", "1 0:1\n");
    try {
      shard.read({0, 100});
      ADD_FAILURE() << "no error";
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find("changed"), std::string::npos) << e.what();
    }
  });
}

conj::LdaOptions out_of_core_lda_options() {
  return conj::LdaOptions().num_topics(3).threads(2).local_init(conj::LdaLocalInit::cold);
}

// λ after `steps` distributed SVI steps on n ranks, on documents held in memory or read from disk.
Eigen::VectorXd svi_lambda(const std::string& path, int n, bool from_disk, int64_t steps) {
  std::vector<Eigen::VectorXd> lambda(static_cast<size_t>(n));
  run_ranks_or_throw(n, [&](Communicator& comm) {
    std::unique_ptr<conj::ConjugateModel> model;
    ShardLayout layout;
    if (from_disk) {
      auto shard = DiskCorpusShard::open(path, 0, kSkipEmpty, comm, 128);
      layout = {shard.first_document(), shard.num_docs(), shard.total_documents()};
      model = std::make_unique<OutOfCoreLda>(std::move(shard), out_of_core_lda_options());
    } else {
      CorpusShard shard = read_ldac_shard(path, 0, kSkipEmpty, comm);
      layout = {shard.first_document, shard.corpus.num_docs(), shard.total_documents};
      model = std::make_unique<conj::Lda>(std::move(shard.corpus), out_of_core_lda_options());
    }
    conj::Rng rng(4);
    model->initialize(rng);
    DistributedNaturalSvi svi(*model, layout, comm,
                              DistributedSviOptions().batch_size(24).max_steps(steps).seed(8).statistics_size(
                                  model->global_parameters().size()));
    svi.run();
    lambda[static_cast<size_t>(comm.rank())] = model->global_parameters();
  });
  return lambda[0];
}

TEST_F(OutOfCore, SviOnDocumentsReadFromDiskTakesTheInMemoryStepsExactly) {
  const std::string path = write("corpus.dat", three_topic_corpus());
  for (int n : {1, 2, 3}) {
    const Eigen::VectorXd memory = svi_lambda(path, n, false, 40);
    const Eigen::VectorXd disk = svi_lambda(path, n, true, 40);
    EXPECT_EQ(disk, memory) << n << " ranks: bit-equal";
  }
  // and the steps moved λ away from its start
  EXPECT_GT((svi_lambda(path, 1, true, 40) - svi_lambda(path, 1, true, 0)).cwiseAbs().maxCoeff(), 1.0);
}

TEST_F(OutOfCore, CaviInBlocksIsTheWholeDataCavi) {
  const std::string text = three_topic_corpus();
  const std::string path = write("corpus.dat", text);
  conj::Lda whole(io::parse_ldac(text, path, 0, kSkipEmpty), out_of_core_lda_options());
  conj::Rng rng(4);
  whole.initialize(rng);
  const auto expected = conj::cavi(whole, conj::CaviOptions().max_iterations(15).tolerance(0));
  for (int n : {1, 2}) {
    std::vector<double> elbo(static_cast<size_t>(n));
    std::vector<Eigen::VectorXd> lambda(static_cast<size_t>(n));
    run_ranks_or_throw(n, [&](Communicator& comm) {
      OutOfCoreLda model(DiskCorpusShard::open(path, 0, kSkipEmpty, comm), out_of_core_lda_options(), /*block=*/11);
      conj::Rng r(4);
      model.initialize(r);
      const auto result = distributed_cavi(model, model.global_parameters().size(), comm,
                                           conj::CaviOptions().max_iterations(15).tolerance(0));
      elbo[static_cast<size_t>(comm.rank())] = result.elbo_trace.back();
      lambda[static_cast<size_t>(comm.rank())] = model.global_parameters();
    });
    EXPECT_NEAR(elbo[0], expected.elbo_trace.back(), 1e-10 * std::abs(expected.elbo_trace.back())) << n << " ranks";
    EXPECT_LT((lambda[0] - whole.global_parameters()).cwiseAbs().maxCoeff(), 1e-9) << n << " ranks";
  }
}

TEST_F(OutOfCore, AWarmLocalStepIsRefused) {
  const std::string path = write("two.dat", "1 0:1\n2 0:1 1:2\n");
  run_ranks_or_throw(1, [&](Communicator& comm) {
    EXPECT_THROW(OutOfCoreLda(DiskCorpusShard::open(path, 0, {}, comm),
                              conj::LdaOptions().num_topics(2).local_init(conj::LdaLocalInit::warm)),
                 ConfigError);
  });
}

}  // namespace
}  // namespace elbo::distributed
