// Stan CSV draws: written, then parsed back line by line as the readers do.
#include "elbo/io/draws_writer.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <map>
#include <sstream>

#include "io/io_test_util.hpp"

namespace elbo::io {
namespace {

using testing::slurp;
using testing::TempDir;

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string item;
  std::istringstream in(s);
  while (std::getline(in, item, sep)) out.push_back(item);
  if (!s.empty() && s.back() == sep) out.emplace_back();
  return out;
}

/// A Stan CSV file as cmdstanr/cmdstanpy see it.
struct ParsedCsv {
  std::vector<std::string> leading_comments;  // before the header, "# " stripped
  std::map<std::string, std::string> settings;  // "key = value" from leading comments
  std::string header;
  std::vector<std::string> inner_comments;  // after the header
  std::vector<std::vector<std::string>> rows;
};

ParsedCsv parse_stan_csv(const std::string& path) {
  ParsedCsv out;
  std::istringstream in(slurp(path));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("#", 0) == 0) {
      const std::string body = line.size() > 2 ? line.substr(2) : "";
      if (out.header.empty()) {
        out.leading_comments.push_back(body);
        const auto eq = body.find(" = ");
        if (eq != std::string::npos) {
          std::string key = body.substr(0, eq);
          key.erase(0, key.find_first_not_of(' '));
          out.settings[key] = body.substr(eq + 3);
        }
      } else {
        out.inner_comments.push_back(body);
      }
    } else if (out.header.empty()) {
      out.header = line;
    } else {
      out.rows.push_back(split(line, ','));
    }
  }
  return out;
}

TEST(DrawsWriter, FormatsLikeAStreamWithSetprecision) {
  // Reference strings: what std::cout << std::setprecision(6) << x prints (C's %.6g).
  EXPECT_EQ(format_draw_value(0.0, 6), "0");
  EXPECT_EQ(format_draw_value(-6.823184, 6), "-6.82318");
  EXPECT_EQ(format_draw_value(0.123456789, 6), "0.123457");
  EXPECT_EQ(format_draw_value(1234567.0, 6), "1.23457e+06");
  EXPECT_EQ(format_draw_value(1e-5, 6), "1e-05");
  EXPECT_EQ(format_draw_value(100.0, 6), "100");
  EXPECT_EQ(format_draw_value(2.5, 2), "2.5");
  EXPECT_EQ(format_draw_value(0.1, 17), "0.10000000000000001");
  EXPECT_EQ(format_draw_value(std::numeric_limits<double>::infinity(), 6), "inf");
  EXPECT_EQ(format_draw_value(-std::numeric_limits<double>::infinity(), 6), "-inf");
  EXPECT_EQ(format_draw_value(-std::numeric_limits<double>::quiet_NaN(), 6), "nan");
}

TEST(DrawsWriter, VariationalLayoutMatchesCmdStan) {
  TempDir dir;
  const std::string path = dir.file("output.csv");
  VariationalCsvMeta meta;
  meta.model = "bernoulli_model";
  meta.algorithm = "meanfield";
  meta.iter = 2000;
  meta.eta = 0.1;
  meta.seed = 1234;
  meta.data_file = "bernoulli.data.json";
  meta.elbo_version = "0.1.0";
  meta.extra = {{"objective", "elbo"}};
  const std::vector<std::string> names = {"theta", "beta.1", "beta.2"};
  const std::vector<double> mean = {0.236261234, -1.5, 1234567.0};
  const std::vector<double> draws = {0.228198, 1.0, 2.0,  //
                                     0.31, -0.5, 1e-5};
  const std::vector<double> log_p = {-6.823184, -7.25};
  const std::vector<double> log_g = {-0.0713378, -1.0};
  write_variational_csv(path, meta, names, mean, draws, log_p, log_g);

  EXPECT_FALSE(testing::temp_file_left(path));
  const ParsedCsv csv = parse_stan_csv(path);
  EXPECT_EQ(csv.settings.at("model"), "bernoulli_model");
  EXPECT_EQ(csv.settings.at("method"), "variational");
  EXPECT_EQ(csv.settings.at("algorithm"), "meanfield");
  EXPECT_EQ(csv.settings.at("grad_samples"), "1");
  EXPECT_EQ(csv.settings.at("elbo_samples"), "100");
  EXPECT_EQ(csv.settings.at("eta"), "0.1");
  EXPECT_EQ(csv.settings.at("tol_rel_obj"), "0.01");
  EXPECT_EQ(csv.settings.at("output_samples"), "2");
  EXPECT_EQ(csv.settings.at("seed"), "1234");
  EXPECT_EQ(csv.settings.at("sig_figs"), "6");
  EXPECT_EQ(csv.settings.at("elbo_version"), "0.1.0");
  EXPECT_EQ(csv.settings.at("objective"), "elbo");
  // CmdStan's argument tree: "method = variational" then "  variational" then
  // "    algorithm = meanfield" (two spaces per level).
  const auto& lc = csv.leading_comments;
  const auto method = std::find(lc.begin(), lc.end(), "method = variational");
  ASSERT_NE(method, lc.end());
  EXPECT_EQ(*(method + 1), "  variational");
  EXPECT_EQ(*(method + 2), "    algorithm = meanfield");
  EXPECT_NE(std::find(lc.begin(), lc.end(), "    iter = 2000"), lc.end());
  EXPECT_NE(std::find(lc.begin(), lc.end(), "  file = bernoulli.data.json"), lc.end());

  EXPECT_EQ(csv.header, "lp__,log_p__,log_g__,theta,beta.1,beta.2");
  EXPECT_EQ(csv.inner_comments,
            (std::vector<std::string>{"Stepsize adaptation complete.", "eta = 0.1"}));
  ASSERT_EQ(csv.rows.size(), 3u);  // mean + 2 draws
  EXPECT_EQ(csv.rows[0], (std::vector<std::string>{"0", "0", "0", "0.236261", "-1.5", "1.23457e+06"}));
  EXPECT_EQ(csv.rows[1], (std::vector<std::string>{"0", "-6.82318", "-0.0713378", "0.228198", "1", "2"}));
  EXPECT_EQ(csv.rows[2], (std::vector<std::string>{"0", "-7.25", "-1", "0.31", "-0.5", "1e-05"}));
}

TEST(DrawsWriter, SeventeenSignificantDigitsRoundTripExactly) {
  TempDir dir;
  const std::string path = dir.file("d.csv");
  VariationalCsvMeta meta;
  meta.adapt_engaged = false;
  const std::vector<double> mean = {0.1 + 0.2, std::acos(-1.0)};
  const std::vector<double> draws = {1.0 / 3.0, -2.0 / 7.0, 5e-324, 1.7976931348623157e308};
  const std::vector<double> log_p = {-1.0 / 9.0, std::log(2.0)};
  const std::vector<double> log_g = {std::exp(1.0), -std::sqrt(2.0)};
  write_variational_csv(path, meta, {"a", "b"}, mean, draws, log_p, log_g,
                        DrawsWriterOptions().sig_figs(17));
  const ParsedCsv csv = parse_stan_csv(path);
  EXPECT_TRUE(csv.inner_comments.empty());  // no adaptation, no eta lines
  EXPECT_EQ(csv.settings.at("engaged"), "0");
  ASSERT_EQ(csv.rows.size(), 3u);
  const auto num = [](const std::string& s) { return std::strtod(s.c_str(), nullptr); };
  EXPECT_EQ(num(csv.rows[0][3]), mean[0]);
  EXPECT_EQ(num(csv.rows[0][4]), mean[1]);
  for (size_t s = 0; s < 2; ++s) {
    EXPECT_EQ(num(csv.rows[s + 1][0]), 0.0);
    EXPECT_EQ(num(csv.rows[s + 1][1]), log_p[s]);
    EXPECT_EQ(num(csv.rows[s + 1][2]), log_g[s]);
    EXPECT_EQ(num(csv.rows[s + 1][3]), draws[2 * s]);
    EXPECT_EQ(num(csv.rows[s + 1][4]), draws[2 * s + 1]);
  }
}

TEST(DrawsWriter, StreamingWriterAndAtomicity) {
  TempDir dir;
  const std::string path = dir.file("s.csv");
  {
    DrawsWriter writer(path, {"x", "y"}, {"model = m", "", "method = variational"},
                       DrawsWriterOptions().sig_figs(3));
    writer.write_row({1.23456, 2.0});
    bool temp_exists = false;  // "<path>.<pid>.<n>.tmp", unique per writer
    for (const auto& e : std::filesystem::directory_iterator(std::filesystem::path(path).parent_path()))
      temp_exists |= e.path().string().rfind(path + ".", 0) == 0 && e.path().extension() == ".tmp";
    EXPECT_TRUE(temp_exists);
    EXPECT_FALSE(std::filesystem::exists(path));  // nothing visible before close()
    writer.comment("between rows");
    writer.write_row(std::vector<double>{-0.5, 1e10});
    EXPECT_EQ(writer.rows_written(), 2);
    writer.close();
  }
  EXPECT_EQ(slurp(path), "# model = m\n#\n# method = variational\nx,y\n1.23,2\n# between rows\n-0.5,1e+10\n");
  EXPECT_FALSE(testing::temp_file_left(path));

  // A writer destroyed without close() (a killed or failed run) leaves no
  // partial file and does not touch the previous complete file.
  {
    DrawsWriter writer(path, {"x"});
    writer.write_row({42.0});
  }
  EXPECT_FALSE(testing::temp_file_left(path));
  EXPECT_EQ(slurp(path).substr(0, 11), "# model = m");
}

TEST(DrawsWriter, LargeOutputIsComplete) {
  TempDir dir;
  const std::string path = dir.file("big.csv");
  const int rows = 20000;
  {
    DrawsWriter writer(path, {"i", "half"});
    for (int i = 0; i < rows; ++i) writer.write_row({static_cast<double>(i), i / 2.0});
    writer.close();
  }
  const ParsedCsv csv = parse_stan_csv(path);
  ASSERT_EQ(csv.rows.size(), static_cast<size_t>(rows));
  EXPECT_EQ(csv.rows.back(), (std::vector<std::string>{"19999", "9999.5"}));
}

TEST(DrawsWriter, RejectsBadArguments) {
  TempDir dir;
  const std::string path = dir.file("bad.csv");
  EXPECT_THROW(DrawsWriter(path, {"x"}, {}, DrawsWriterOptions().sig_figs(0)), ConfigError);
  EXPECT_THROW(DrawsWriter(path, {"x"}, {}, DrawsWriterOptions().sig_figs(19)), ConfigError);
  EXPECT_THROW(DrawsWriter(path, {}), ConfigError);
  EXPECT_THROW(DrawsWriter(path, {"x", "x"}), ConfigError);
  EXPECT_THROW(DrawsWriter(path, {"a,b"}), ConfigError);
  {
    DrawsWriter writer(path, {"x", "y"});
    EXPECT_THROW(writer.write_row({1.0}), ConfigError);
  }
  EXPECT_THROW(write_variational_csv(path, {}, {"a"}, {1.0, 2.0}, {}, {}, {}), ConfigError);
  EXPECT_THROW(write_variational_csv(path, {}, {"a"}, {1.0}, {1.0}, {0.0}, {}), ConfigError);
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(DrawsWriter, UnwritableDirectoryIsAnInputErrorNamingTheFile) {
  TempDir dir;
  const std::string path = dir.file("no_such_dir/out.csv");
  const InputError e = testing::expect_input_error([&] { DrawsWriter(path, {"x"}); });
  EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("No such file or directory"), std::string::npos) << e.what();
}

}  // namespace
}  // namespace elbo::io
