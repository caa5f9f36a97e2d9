// The reader of draws.csv (CmdStan's variational CSV), on text and on a file
// written by elbo's own writer.
#include <gtest/gtest.h>

#include <cmath>

#include <cstdio>
#include <filesystem>

#include "elbo/core/error.hpp"
#include "elbo/io/draws_writer.hpp"
#include "elbo/io/draws_reader.hpp"

using namespace elbo::io;

namespace {
std::string error_of(const std::string& text) {
  try {
    parse_variational_csv(text, "d.csv");
  } catch (const elbo::InputError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST(DrawsReader, CommentsMeanRowAndNonFiniteValues) {
  const auto d = parse_variational_csv(
      "# model = logistic\n#   algorithm = fullrank\nlp__,log_p__,log_g__,alpha,beta.1\n# Stepsize adaptation "
      "complete.\n0,0,0,0.5,-1\n0,-6.5,-0.1,0.4,-1.2\n0,-inf,nan,0.6,-0.8\n\n",
      "d.csv");
  EXPECT_EQ(d.columns, (std::vector<std::string>{"lp__", "log_p__", "log_g__", "alpha", "beta.1"}));
  EXPECT_EQ(d.mean, (std::vector<double>{0, 0, 0, 0.5, -1}));
  EXPECT_EQ(d.draws(), 2);
  EXPECT_EQ(d.parameter_columns(), (std::vector<size_t>{3, 4}));
  EXPECT_DOUBLE_EQ(d.values[3][1], 0.6);
  EXPECT_TRUE(std::isinf(d.values[1][1]));
  EXPECT_TRUE(std::isnan(d.values[2][1]));
}

TEST(DrawsReader, ErrorsNameFileLineAndColumn) {
  EXPECT_EQ(error_of(""), "d.csv: no header row (an empty or comment-only file)");
  EXPECT_EQ(error_of("# only\n"), "d.csv: no header row (an empty or comment-only file)");
  EXPECT_EQ(error_of("a,b\n"), "d.csv: no rows after the header");
  EXPECT_EQ(error_of("a,b\n1,2\n"), "d.csv: no draws after the first row (the mean of q)");
  EXPECT_EQ(error_of("a,b\n1,2\n3\n"), "d.csv:3: 1 fields, but the header has 2 columns");
  EXPECT_EQ(error_of("a,b\n1,2\n3,x4\n"), "d.csv:3: field 'b': not a number: \"x4\"");
  EXPECT_EQ(error_of("a,,b\n"), "d.csv:1: empty column name in the header row");
}

TEST(DrawsReader, ReadsWhatTheWriterWrites) {
  const auto path = (std::filesystem::temp_directory_path() / "elbo_report_draws_test.csv").string();
  elbo::io::VariationalCsvMeta meta;
  meta.model = "test";
  elbo::io::write_variational_csv(path, meta, {"mu", "sigma"}, {1.0, 2.0}, {0.5, 1.5, 1.5, 2.5, 0.25, 3.0},
                                  {-1, -2, -3}, {-0.5, -0.6, -0.7});
  const auto d = read_variational_csv(path);
  std::filesystem::remove(path);
  ASSERT_EQ(d.columns.size(), 5u);
  EXPECT_EQ(d.draws(), 3);
  EXPECT_EQ(d.values[3], (std::vector<double>{0.5, 1.5, 0.25}));
  EXPECT_EQ(d.values[4], (std::vector<double>{1.5, 2.5, 3.0}));
  EXPECT_EQ(d.mean[3], 1.0);
}

TEST(DrawsReader, MissingFileIsAnInputErrorNamingIt) {
  try {
    read_variational_csv("/nonexistent/draws.csv");
    FAIL() << "no error";
  } catch (const elbo::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/draws.csv"), std::string::npos) << e.what();
  }
}
