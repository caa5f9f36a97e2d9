// LDA-C, UCI bag-of-words and plain-text corpus readers: good input and every
// documented error, each naming file, line and field.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "elbo/core/error.hpp"
#include "elbo/io/ldac_reader.hpp"
#include "elbo/io/text_corpus.hpp"
#include "elbo/io/uci_bow_reader.hpp"

using elbo::InputError;
using namespace elbo::io;

namespace {

// Runs f and returns the InputError message ("" if none was thrown).
template <class F>
std::string error_of(F f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

std::string write_temp(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + name;
  std::ofstream(path) << text;
  return path;
}

}  // namespace

TEST(LdacReader, ParsesDocuments) {
  const Corpus c = parse_ldac("3 0:2 5:1 2:4\n1 3:1\n", "t.dat");
  ASSERT_EQ(c.num_docs(), 2);
  EXPECT_EQ(c.num_words, 6);
  EXPECT_DOUBLE_EQ(c.num_tokens(), 8.0);
  // sorted by word id within a document
  EXPECT_EQ(c.word_ids, (std::vector<int32_t>{0, 2, 5, 3}));
  EXPECT_EQ(c.counts, (std::vector<double>{2, 4, 1, 1}));
  EXPECT_EQ(parse_ldac("1 0:1\n", "t", 10).num_words, 10);
  // CRLF and trailing blank lines are fine
  EXPECT_EQ(parse_ldac("1 0:1\r\n2 1:1 2:2\r\n\n\n", "t").num_docs(), 2);
}

TEST(LdacReader, Errors) {
  EXPECT_EQ(error_of([] { parse_ldac("3 0:2 5:1\n", "t.dat"); }),
            "t.dat:1: field 'N': the line declares 3 id:count pairs but has 2 (truncated file?)");
  EXPECT_EQ(error_of([] { parse_ldac("1 0:1\n2 0:2 1:1 3:1\n1 1:1\n", "t.dat"); }),
            "t.dat:2: field 'N': the line declares 2 id:count pairs but has 3");
  EXPECT_EQ(error_of([] { parse_ldac("2 0:2 7:1\n", "t.dat", 5); }),
            "t.dat:1: field 'pair 2': word id 7 is out of range [0, 5)");
  EXPECT_EQ(error_of([] { parse_ldac("1 -1:2\n", "t.dat"); }),
            "t.dat:1: field 'pair 1': word id -1 is out of range [0, inf)");
  EXPECT_EQ(error_of([] { parse_ldac("1 0:-2\n", "t.dat"); }),
            "t.dat:1: field 'pair 1': count -2 is negative");
  EXPECT_EQ(error_of([] { parse_ldac("1 0:1.5\n", "t.dat"); }),
            "t.dat:1: field 'pair 1': count \"1.5\" is not an integer");
  EXPECT_EQ(error_of([] { parse_ldac("1 0:0\n", "t.dat"); }),
            "t.dat:1: field 'pair 1': count is 0 (pairs list words that occur)");
  EXPECT_EQ(error_of([] { parse_ldac("2 0:1 0:3\n", "t.dat"); }),
            "t.dat:1: field 'pair 2': word id 0 appears twice in the document");
  EXPECT_EQ(error_of([] { parse_ldac("1 0:1\n0\n", "t.dat"); }),
            "t.dat:2: field 'N': empty document (N = 0); pass skip_empty_documents to drop empty "
            "documents");
  EXPECT_EQ(error_of([] { parse_ldac("x 0:1\n", "t.dat"); }),
            "t.dat:1: field 'N': \"x\" is not a nonnegative integer");
  EXPECT_EQ(error_of([] { parse_ldac("1 0;1\n", "t.dat"); }),
            "t.dat:1: field 'pair 1': \"0;1\" is not id:count");
  EXPECT_EQ(error_of([] { parse_ldac("1 0:1\n\n1 2:1\n", "t.dat"); }),
            "t.dat:2: field 'N': blank line (expected \"N id:count ...\")");
  EXPECT_EQ(error_of([] { read_ldac("/nonexistent/ap.dat"); }).rfind("/nonexistent/ap.dat: cannot open", 0), 0u);
}

TEST(LdacReader, SkipsEmptyDocumentsWhenAsked) {
  const Corpus c = parse_ldac("1 0:1\n0\n1 2:1\n", "t", 0, CorpusReadOptions().skip_empty_documents(true));
  EXPECT_EQ(c.num_docs(), 2);
  EXPECT_EQ(c.empty_documents_skipped, 1);
}

TEST(LdacReader, ReadsApCorpus) {
  const std::string dir = ELBO_SHARED_DATA_DIR "/ap/";
  const auto vocab = read_vocabulary(dir + "vocab.txt");
  const Corpus c = read_ldac(dir + "ap.dat", static_cast<int64_t>(vocab.size()));
  EXPECT_EQ(c.num_docs(), 2246);
  EXPECT_EQ(c.num_words, 10473);
  EXPECT_DOUBLE_EQ(c.num_tokens(), 435838.0);  // as stated in the issue
}

TEST(UciBowReader, ParsesDocwordAndVocab) {
  const std::string doc = write_temp("conj_docword.txt", "3\n4\n5\n1 1 2\n1 4 1\n3 2 1\n2 3 5\n3 1 1\n");
  const std::string voc = write_temp("conj_vocab.txt", "apple\nbanana\ncherry\ndate\n");
  const Corpus c = read_uci_bow(doc, voc);
  ASSERT_EQ(c.num_docs(), 3);
  EXPECT_EQ(c.num_words, 4);
  EXPECT_EQ(c.offsets, (std::vector<int64_t>{0, 2, 3, 5}));
  EXPECT_EQ(c.word_ids, (std::vector<int32_t>{0, 3, 2, 0, 1}));
  EXPECT_EQ(c.counts, (std::vector<double>{2, 1, 5, 1, 1}));
  EXPECT_EQ(c.vocabulary[3], "date");
  std::remove(doc.c_str());
  std::remove(voc.c_str());
}

TEST(UciBowReader, Errors) {
  EXPECT_EQ(error_of([] { parse_uci_bow("2\n3\n3\n1 1 1\n2 2 1\n", "d.txt"); }),
            "d.txt:5: field 'NNZ': the header declares 3 entries but the file has 2 (truncated file?)");
  EXPECT_EQ(error_of([] { parse_uci_bow("2\n3\n1\n1 1 1\n2 2 1\n", "d.txt"); }),
            "d.txt:5: field 'NNZ': the header declares 1 entries but the file has more lines");
  EXPECT_EQ(error_of([] { parse_uci_bow("2\n3\n2\n1 1 1\n3 2 1\n", "d.txt"); }),
            "d.txt:5: field 'docID': 3 is out of range [1, 2] (header D)");
  EXPECT_EQ(error_of([] { parse_uci_bow("2\n3\n2\n1 1 1\n2 4 1\n", "d.txt"); }),
            "d.txt:5: field 'wordID': 4 is out of range [1, 3] (header W)");
  EXPECT_EQ(error_of([] { parse_uci_bow("2\n3\n2\n1 0 1\n2 1 1\n", "d.txt"); }),
            "d.txt:4: field 'wordID': 0 is out of range [1, 3] (header W)");
  EXPECT_EQ(error_of([] { parse_uci_bow("2\n3\n2\n1 1 -4\n2 1 1\n", "d.txt"); }),
            "d.txt:4: field 'count': -4 is negative");
  EXPECT_EQ(error_of([] { parse_uci_bow("2\n3\n2\n1 1 2.5\n2 1 1\n", "d.txt"); }),
            "d.txt:4: field 'count': \"2.5\" is not an integer");
  EXPECT_EQ(error_of([] { parse_uci_bow("2\n3\n2\n1 1 1\n1 1 3\n", "d.txt"); }),
            "d.txt:5: field 'wordID': (docID 1, wordID 1) repeats line 4");
  EXPECT_EQ(error_of([] { parse_uci_bow("3\n3\n2\n1 1 1\n3 1 1\n", "d.txt"); }),
            "d.txt: field 'docID': document 2 of 3 has no entries (empty document); pass "
            "skip_empty_documents to drop empty documents");
  EXPECT_EQ(error_of([] { parse_uci_bow("2\nW\n2\n", "d.txt"); }),
            "d.txt:2: field 'W': header value \"W\" is not a positive integer");
  EXPECT_EQ(error_of([] { parse_uci_bow("2\n3\n", "d.txt"); }),
            "d.txt:2: field 'NNZ': missing header line (truncated file?)");
  EXPECT_EQ(error_of([] { parse_uci_bow("2\n3\n2\n1 1\n", "d.txt"); }),
            "d.txt:4: expected \"docID wordID count\", found 2 fields");
  const Corpus c = parse_uci_bow("3\n3\n2\n1 1 1\n3 1 1\n", "d.txt",
                                 CorpusReadOptions().skip_empty_documents(true));
  EXPECT_EQ(c.num_docs(), 2);
  EXPECT_EQ(c.empty_documents_skipped, 1);
}

// Found by fuzz/uci_bow_fuzzer: a header's D and NNZ must not size allocations or loops.
TEST(UciBowReader, HugeHeaderCountsAllocateNothing) {
  const std::string huge_d = "1000000000000000\n5\n1\n1 1 1\n";
  const Corpus skipped = parse_uci_bow(huge_d, "d.txt", CorpusReadOptions().skip_empty_documents(true));
  EXPECT_EQ(skipped.num_docs(), 1);
  EXPECT_EQ(skipped.empty_documents_skipped, 999999999999999);
  EXPECT_EQ(error_of([&] { parse_uci_bow(huge_d, "d.txt"); }),
            "d.txt: field 'docID': document 2 of 1000000000000000 has no entries (empty document); pass "
            "skip_empty_documents to drop empty documents");
  EXPECT_NE(error_of([&] { parse_uci_bow(huge_d, "d.txt", CorpusReadOptions().keep_empty_documents(true)); })
                .find("d.txt:1: field 'D': declares 1000000000000000 documents"),
            std::string::npos);
  // NNZ = 2^60 with one entry line: "truncated", not a 2^60-entry reservation.
  EXPECT_NE(error_of([] { parse_uci_bow("1\n5\n1152921504606846976\n1 1 1\n", "d.txt"); }).find("truncated"),
            std::string::npos);
}

TEST(UciBowReader, VocabularyLengthMustMatchHeader) {
  const std::string doc = write_temp("conj_docword2.txt", "1\n3\n1\n1 2 1\n");
  const std::string voc = write_temp("conj_vocab2.txt", "a\nb\n");
  EXPECT_EQ(error_of([&] { read_uci_bow(doc, voc); }),
            voc + ": has 2 words, but the docword header says W = 3");
  std::remove(doc.c_str());
  std::remove(voc.c_str());
}

TEST(TextCorpus, TokenisesPrunesAndCounts) {
  const std::string text =
      "The cat sat on the mat. The cat!\n"
      "A dog and a cat; dogs bark.\n"
      "Mat mat MAT\n";
  auto opts = TextCorpusOptions().stop_words(english_stop_words()).min_document_frequency(2);
  const Corpus c = parse_text_corpus(text, "t.txt", opts);
  // words in ≥ 2 documents after stop words: cat (docs 1, 2), mat (docs 1, 3)
  EXPECT_EQ(c.vocabulary, (std::vector<std::string>{"cat", "mat"}));
  ASSERT_EQ(c.num_docs(), 3);
  EXPECT_EQ(c.counts, (std::vector<double>{2, 1, 1, 3}));
  EXPECT_EQ(tokenize("Don't stop-me now", true),
            (std::vector<std::string>{"don't", "stop", "me", "now"}));
  EXPECT_EQ(error_of([&] { parse_text_corpus("cat mat\nthe of\ncat\n", "t.txt", opts); }),
            "t.txt:2: field 'document': empty document (no tokens left after stop words and "
            "vocabulary pruning); pass skip_empty_documents to drop such documents");
}
