// Fixed-width posterior summary tables.
#include "elbo/io/summary_table.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "elbo/core/error.hpp"

namespace elbo::io {
namespace {

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

TEST(SummaryTable, NumberFormatting) {
  EXPECT_EQ(format_summary_number(1.23456, 3), "1.23");
  EXPECT_EQ(format_summary_number(-0.0123456, 3), "-0.0123");
  EXPECT_EQ(format_summary_number(1234.4, 3), "1234");  // integer digits are kept
  EXPECT_EQ(format_summary_number(1235.6, 3), "1236");
  EXPECT_EQ(format_summary_number(45.678, 3), "45.7");
  EXPECT_EQ(format_summary_number(0.0, 3), "0");
  EXPECT_EQ(format_summary_number(2.0, 3), "2.00");
  EXPECT_EQ(format_summary_number(1.5e7, 3), "1.50e+07");
  EXPECT_EQ(format_summary_number(-2.5e-6, 2), "-2.5e-06");
  EXPECT_EQ(format_summary_number(std::nan(""), 3), "NaN");
  EXPECT_EQ(format_summary_number(-INFINITY, 3), "-inf");
}

TEST(SummaryTable, PosteriorSummaryLayout) {
  const std::string table = format_summary_table(
      {"alpha", "beta[1]", "sigma"}, {1.23456, -0.5, 0.512345}, {0.0451, 0.25, 0.031},
      {1.1501, -0.91, 0.4632}, {1.2345, -0.5, 0.5111}, {1.3012, -0.09, 0.5648},
      {{"k_hat", {0.12, 0.7, 0.35}}});
  const auto lines = lines_of(table);
  ASSERT_EQ(lines.size(), 4u) << table;
  // Widths by hand: names padded to 7 ("beta[1]"), each column as wide as its
  // widest cell ("-0.0900" → 7), two spaces between columns.
  EXPECT_EQ(lines[0], "           Mean      SD      5%     50%      95%  k_hat");
  EXPECT_EQ(lines[1], "alpha      1.23  0.0451    1.15    1.23     1.30  0.120");
  EXPECT_EQ(lines[2], "beta[1]  -0.500   0.250  -0.910  -0.500  -0.0900  0.700");
  EXPECT_EQ(lines[3], "sigma     0.512  0.0310   0.463   0.511    0.565  0.350");
}

TEST(SummaryTable, CustomColumnsAndErrors) {
  SummaryTable t({"a", "bb"});
  t.name_header("param").sig_figs(2).add_column("x", {3.14159, 100.0});
  EXPECT_EQ(t.str(), "param    x\na      3.1\nbb     100\n");
  EXPECT_THROW(t.add_column("y", {1.0}), ConfigError);
  EXPECT_THROW(t.sig_figs(0), ConfigError);
}

}  // namespace
}  // namespace elbo::io
