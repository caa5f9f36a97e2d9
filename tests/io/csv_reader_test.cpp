// Strict CSV reader: exact values on valid input, one precise line per error.
#include "elbo/io/csv_reader.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "io/io_test_util.hpp"

namespace elbo::io {
namespace {

using testing::expect_input_error;
using testing::TempDir;

/// The error must be a single line naming source, line and field, plus `phrase`.
void expect_error(const std::string& text, long line, const std::string& field,
                  const std::string& phrase) {
  SCOPED_TRACE(text);
  const InputError e = expect_input_error([&] { parse_csv(text, "data.csv"); });
  const std::string what = e.what();
  EXPECT_EQ(e.file(), "data.csv");
  EXPECT_EQ(e.line(), line) << what;
  EXPECT_EQ(e.field(), field) << what;
  EXPECT_NE(what.find("data.csv:" + std::to_string(line)), std::string::npos) << what;
  if (!field.empty()) {
    EXPECT_NE(what.find("field '" + field + "'"), std::string::npos) << what;
  }
  EXPECT_NE(what.find(phrase), std::string::npos) << what;
  EXPECT_EQ(what.find('\n'), std::string::npos) << what;
}

TEST(CsvReader, ParsesExactValues) {
  const Table t = parse_csv("x,y,z\n1.5,-2e-3,0.1\n+3,4.,.25\n-0,1e300,2.2250738585072014e-308\n",
                            "mem.csv");
  EXPECT_EQ(t.source, "mem.csv");
  ASSERT_EQ(t.columns, (std::vector<std::string>{"x", "y", "z"}));
  ASSERT_EQ(t.rows, 3);
  ASSERT_EQ(t.cols(), 3);
  // The compiler's own conversion of the literals is the reference.
  const std::vector<double> expected = {1.5, -2e-3, 0.1, 3.0, 4.0, 0.25, -0.0, 1e300,
                                        2.2250738585072014e-308};
  ASSERT_EQ(t.values.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) EXPECT_EQ(t.values[i], expected[i]) << i;
  EXPECT_TRUE(std::signbit(t.at(2, 0)));
  EXPECT_EQ(t.at(1, 2), 0.25);
  EXPECT_EQ(t.column(1), (std::vector<double>{-2e-3, 4.0, 1e300}));
}

TEST(CsvReader, SeventeenDigitsRoundTrip) {
  const double v = 0.1 + 0.2;  // 0.30000000000000004
  const Table t = parse_csv("a\n0.30000000000000004\n", "mem");
  EXPECT_EQ(t.values[0], v);
  EXPECT_NE(t.values[0], 0.3);
}

TEST(CsvReader, ToleratesBomCrlfQuotesSpacesAndTrailingBlankLines) {
  const Table t = parse_csv("\xEF\xBB\xBF\"a\", \"b,c\" ,d\r\n 1 ,\"2\",3\r\n4,5,6\r\n\r\n  \n\n",
                            "mem");
  ASSERT_EQ(t.columns, (std::vector<std::string>{"a", "b,c", "d"}));
  ASSERT_EQ(t.rows, 2);
  EXPECT_EQ(t.values, (std::vector<double>{1, 2, 3, 4, 5, 6}));
}

TEST(CsvReader, LastLineWithoutNewline) {
  const Table t = parse_csv("a,b\n1,2\n3,4", "mem");
  EXPECT_EQ(t.rows, 2);
  EXPECT_EQ(t.values, (std::vector<double>{1, 2, 3, 4}));
}

TEST(CsvReader, SubnormalIsANumberOverflowIsNot) {
  const Table t = parse_csv("a\n4.9406564584124654e-324\n", "mem");
  EXPECT_EQ(t.values[0], 4.9406564584124654e-324);
  expect_error("a\n1e400\n", 2, "a", "out of range");
}

TEST(CsvReader, ReadsFileFromDisk) {
  TempDir dir;
  const std::string path = dir.write("t.csv", "u,v\n1,2\n3,4\n");
  const Table t = read_csv(path);
  EXPECT_EQ(t.source, path);
  EXPECT_EQ(t.rows, 2);
  EXPECT_EQ(t.at(1, 1), 4.0);
}

TEST(CsvReader, MissingFileNamesIt) {
  TempDir dir;
  const std::string path = dir.file("nope.csv");
  const InputError e = expect_input_error([&] { read_csv(path); });
  EXPECT_NE(std::string(e.what()).find(path), std::string::npos);
  EXPECT_NE(std::string(e.what()).find("No such file"), std::string::npos) << e.what();
}

TEST(CsvReader, DirectoryIsNotAFile) {
  TempDir dir;
  const InputError e = expect_input_error([&] { read_csv(dir.path().string()); });
  EXPECT_NE(std::string(e.what()).find("directory"), std::string::npos) << e.what();
}

TEST(CsvReader, EmptyFile) {
  for (const std::string text : {"", "\n\n", " \r\n", "\xEF\xBB\xBF"}) {
    const InputError e = expect_input_error([&] { parse_csv(text, "data.csv"); });
    EXPECT_NE(std::string(e.what()).find("data.csv"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("empty"), std::string::npos) << e.what();
  }
}

TEST(CsvReader, HeaderOnly) {
  expect_error("a,b\n", 1, "", "no data rows");
  expect_error("a,b", 1, "", "no data rows");
  expect_error("a,b\r\n\r\n\n", 1, "", "no data rows");
}

TEST(CsvReader, HeaderProblems) {
  expect_error("a,,c\n1,2,3\n", 1, "column 2", "empty column name");
  expect_error("a,b,a\n1,2,3\n", 1, "a", "duplicate column name (columns 1 and 3)");
  expect_error("a,\"a\"\n1,2\n", 1, "a", "duplicate column name");
  expect_error("\n1,2\n", 1, "", "header row");
  expect_error("1.5,2\n3,4\n", 1, "", "header row of column names is required");
  expect_error("\"a,b\n1,2\n", 1, "", "unterminated double quote");
  // Names go into JSON and CSV outputs: invalid UTF-8 (a stray Latin-1 byte, a
  // truncated sequence, an overlong encoding, a surrogate) is refused; UTF-8 is kept.
  expect_error("r\xE9sidu,b\n1,2\n", 1, "column 1", "not valid UTF-8");
  expect_error("a,b\xC3\n1,2\n", 1, "column 2", "not valid UTF-8");
  expect_error("\xC0\xAF,b\n1,2\n", 1, "column 1", "not valid UTF-8");
  expect_error("\xED\xA0\x80,b\n1,2\n", 1, "column 1", "not valid UTF-8");
  EXPECT_EQ(parse_csv("r\xC3\xA9sidu,\xF0\x9F\x93\x88\n1,2\n", "data.csv").columns[0], "r\xC3\xA9sidu");
}

TEST(CsvReader, RaggedRows) {
  expect_error("a,b,c\n1,2,3\n4,5\n6,7,8\n", 3, "c", "expected 3 fields, got 2");
  expect_error("a,b\n1,2\n3,4,5\n", 3, "", "expected 2 fields, got 3");
  expect_error("a,b\n1,2\n\n3,4\n", 3, "a", "expected 2 fields, got 0 (blank line inside the data)");
}

TEST(CsvReader, TruncatedLastLine) {
  expect_error("a,b,c\n1,2,3\n4,5", 3, "c", "the last line looks truncated");
  expect_error("a,b,c\r\n1,2,3\r\n4", 3, "b", "expected 3 fields, got 1");
}

TEST(CsvReader, NonNumericFieldIsQuoted) {
  expect_error("age,height\n30,1.8\nforty,1.7\n", 3, "age", "non-numeric value \"forty\"");
  expect_error("a,b\n1,2x\n", 2, "b", "non-numeric value \"2x\"");
  expect_error("a,b\n1,1e\n", 2, "b", "non-numeric value \"1e\"");
  expect_error("a,b\n1,1,5\n", 2, "", "expected 2 fields, got 3");  // decimal comma
  expect_error("a,b\n1,0x10\n", 2, "b", "non-numeric value \"0x10\"");
  expect_error("a,b\n1,+-2\n", 2, "b", "non-numeric value \"+-2\"");
  expect_error("a,b\n1,1 2\n", 2, "b", "non-numeric value \"1 2\"");
}

TEST(CsvReader, MissingAndNonFiniteValues) {
  expect_error("a,b\n1,\n", 2, "b", "missing or non-finite value (empty field)");
  expect_error("a,b\n1,  \n", 2, "b", "missing or non-finite value (empty field)");
  expect_error("a,b\n,2\n", 2, "a", "missing or non-finite value (empty field)");
  expect_error("a,b\n1,2\n3,NA\n", 3, "b", "missing or non-finite value \"NA\"");
  expect_error("a,b\n1,NaN\n", 2, "b", "missing or non-finite value \"NaN\"");
  expect_error("a,b\n1,nan\n", 2, "b", "missing or non-finite value \"nan\"");
  expect_error("a,b\ninf,1\n", 2, "a", "missing or non-finite value \"inf\"");
  expect_error("a,b\n-Infinity,1\n", 2, "a", "missing or non-finite value \"-Infinity\"");
  expect_error("a,b\n\"\",1\n", 2, "a", "missing or non-finite value (empty field)");
}

TEST(CsvReader, LongFieldIsShortenedInTheMessage) {
  const std::string junk(200, 'z');
  const InputError e = expect_input_error([&] { parse_csv("a\n" + junk + "\n", "data.csv"); });
  EXPECT_LT(std::string(e.what()).size(), 120u) << e.what();
  EXPECT_NE(std::string(e.what()).find("zzz...\""), std::string::npos) << e.what();
}

TEST(CsvReader, ColumnIndexErrorNamesColumnFileAndAvailableColumns) {
  const Table t = parse_csv("alpha,beta\n1,2\n", "data.csv");
  EXPECT_EQ(t.column_index("beta"), 1);
  try {
    t.column_index("gamma");
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("gamma"), std::string::npos) << what;
    EXPECT_NE(what.find("data.csv"), std::string::npos) << what;
    EXPECT_NE(what.find("alpha, beta"), std::string::npos) << what;
  }
}

TEST(CsvReader, LargeTableIsParsedCompletely) {
  // 200,000 × 10 values i*10 + j (exact in double); checks every value.
  const int rows = 200000, cols = 10;
  std::string text = "c0,c1,c2,c3,c4,c5,c6,c7,c8,c9\n";
  text.reserve(rows * cols * 9);
  for (int i = 0; i < rows; ++i) {
    for (int j = 0; j < cols; ++j) {
      text += std::to_string(i * 10 + j);
      text += j + 1 < cols ? ',' : '\n';
    }
  }
  const Table t = parse_csv(text, "big.csv");
  ASSERT_EQ(t.rows, rows);
  ASSERT_EQ(t.values.size(), static_cast<size_t>(rows * cols));
  for (size_t k = 0; k < t.values.size(); ++k) ASSERT_EQ(t.values[k], static_cast<double>(k));
}

}  // namespace
}  // namespace elbo::io
