// Every reader whose strings end up in outputs (corpus and vocabulary words,
// column names of draws.csv, JSON data keys) refuses invalid UTF-8 with the file,
// line and column, and accepts a byte-order mark at the start of the file. The
// CSV reader's own cases are in csv_reader_test.cpp.
#include <gtest/gtest.h>

#include <string>

#include "elbo/core/error.hpp"
#include "elbo/io/draws_reader.hpp"
#include "elbo/io/json_data_reader.hpp"
#include "elbo/io/ldac_reader.hpp"
#include "elbo/io/text_corpus.hpp"
#include "elbo/io/uci_bow_reader.hpp"
#include "io/io_test_util.hpp"

namespace elbo::io {
namespace {

using testing::TempDir;

const std::string kBom = "\xEF\xBB\xBF";

/// The message of the InputError `read` throws ("" when it throws none).
template <class Read>
std::string input_error(Read&& read) {
  try {
    read();
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

TEST(Utf8Readers, TextCorpusRefusesInvalidUtf8AndKeepsUtf8Words) {
  const std::string e = input_error([] { parse_text_corpus("caf\xC3\xA9 au lait\nle caf\xE9 noir\n", "docs.txt"); });
  EXPECT_TRUE(starts_with(e, "docs.txt:2: not valid UTF-8 at column 7 (byte 0xE9)")) << e;
  EXPECT_NE(e.find("iconv"), std::string::npos) << e;
  const Corpus c = parse_text_corpus("caf\xC3\xA9 th\xC3\xA9\nth\xC3\xA9 caf\xC3\xA9 caf\xC3\xA9\n", "docs.txt");
  EXPECT_EQ(c.vocabulary, (std::vector<std::string>{"caf\xC3\xA9", "th\xC3\xA9"}));
}

TEST(Utf8Readers, TextCorpusAcceptsAByteOrderMark) {
  const Corpus c = parse_text_corpus(kBom + "hello world\nhello there\n", "docs.txt");
  // the mark is not part of the first word
  EXPECT_EQ(c.vocabulary, (std::vector<std::string>{"hello", "there", "world"}));
  EXPECT_EQ(c.num_docs(), 2);
}

TEST(Utf8Readers, VocabularyRefusesInvalidUtf8AndAcceptsAByteOrderMark) {
  TempDir dir;
  const std::string bad = dir.write("vocab.txt", "alpha\nbeta\nd\xE9j\xE0\n");
  const std::string e = input_error([&] { read_vocabulary(bad); });
  EXPECT_TRUE(starts_with(e, bad + ":3: not valid UTF-8 at column 2 (byte 0xE9)")) << e;
  EXPECT_EQ(read_vocabulary(dir.write("bom.txt", kBom + "alpha\nd\xC3\xA9j\xC3\xA0\n")),
            (std::vector<std::string>{"alpha", "d\xC3\xA9j\xC3\xA0"}));
  EXPECT_EQ(parse_vocabulary(kBom + "x\r\ny\r\n", "v.txt"), (std::vector<std::string>{"x", "y"}));
}

TEST(Utf8Readers, UciVocabularyRefusesInvalidUtf8AndTheDocwordAcceptsAByteOrderMark) {
  TempDir dir;
  const std::string docword = dir.write("docword.txt", kBom + "2\n3\n3\n1 1 2\n1 3 1\n2 2 4\n");
  const std::string bad = dir.write("vocab.txt", "one\ntwo\n\xFFthree\n");
  const std::string e = input_error([&] { read_uci_bow(docword, bad); });
  EXPECT_TRUE(starts_with(e, bad + ":3: not valid UTF-8 at column 1 (byte 0xFF)")) << e;
  const Corpus c = read_uci_bow(docword, dir.write("good.txt", kBom + "one\ntwo\nthr\xC3\xA9\xC3\xA9\n"));
  EXPECT_EQ(c.num_docs(), 2);
  EXPECT_EQ(c.vocabulary, (std::vector<std::string>{"one", "two", "thr\xC3\xA9\xC3\xA9"}));
}

TEST(Utf8Readers, LdacAcceptsAByteOrderMarkAtTheStartOfTheFileOnly) {
  const Corpus c = parse_ldac(kBom + "2 0:1 3:2\n1 1:1\n", "docs.dat");
  EXPECT_EQ(c.num_docs(), 2);
  EXPECT_EQ(c.word_ids, (std::vector<int32_t>{0, 3, 1}));
  // a shard that starts inside the file has no mark to strip: the bytes are an error
  EXPECT_THROW(parse_ldac(kBom + "1 1:1\n", "docs.dat", 0, {}, 7), InputError);
}

TEST(Utf8Readers, DrawsCsvRefusesAColumnNameThatIsNotUtf8) {
  const std::string e = input_error([] { parse_variational_csv("# comment\nlp__,th\xE9ta\n0,1\n0,2\n", "draws.csv"); });
  EXPECT_TRUE(starts_with(e, "draws.csv:2: field 'column 2': column name is not valid UTF-8 (byte 0xE9)")) << e;
  const VariationalDraws d = parse_variational_csv(kBom + "lp__,th\xC3\xA9ta\n0,1\n0,2\n", "draws.csv");
  EXPECT_EQ(d.columns, (std::vector<std::string>{"lp__", "th\xC3\xA9ta"}));
  // comments are not written anywhere: any bytes there are accepted
  EXPECT_EQ(parse_variational_csv("# \xFF\xFE\nlp__,a\n0,1\n0,2\n", "draws.csv").columns.size(), 2u);
}

TEST(Utf8Readers, JsonDataRefusesInvalidUtf8WithLineAndColumn) {
  const std::string e = input_error([] { parse_json_data("{\n  \"N\": 2,\n  \"y\xFF\": [1, 2]\n}\n", "data.json"); });
  EXPECT_TRUE(starts_with(e, "data.json:3: not valid UTF-8 at column 5 (byte 0xFF)")) << e;
  // inside a string value too (a Latin-1 é)
  EXPECT_TRUE(starts_with(input_error([] { parse_json_data("{\"N\": 1, \"s\": \"caf\xE9\"}", "data.json"); }),
                          "data.json:1: not valid UTF-8 at column 19"));
  const DataSet d = parse_json_data(kBom + "{\"N\": 2, \"y\": [1, 2]}", "data.json");
  EXPECT_EQ(d.arrays().size(), 2u);
  EXPECT_EQ(d.integer("N"), 2);
}

}  // namespace
}  // namespace elbo::io
