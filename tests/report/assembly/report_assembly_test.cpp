// The report assembled from real fit directories, made by the CLI in the CTest
// fixture report.fits (tests/report/make_fits.sh; ELBO_REPORT_FITS names its
// directory): each section shows what the fit's own files hold.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "elbo/io/draws_reader.hpp"
#include "elbo/io/text_file.hpp"
#include "elbo/report/base64.hpp"
#include "elbo/report/fit_directory.hpp"
#include "elbo/report/report.hpp"

using namespace elbo::report;
using elbo::io::read_variational_csv;

namespace {

std::string fits() {
  const char* dir = std::getenv("ELBO_REPORT_FITS");
  return dir ? dir : "";
}

int count(const std::string& haystack, const std::string& needle) {
  int n = 0;
  for (size_t p = haystack.find(needle); p != std::string::npos; p = haystack.find(needle, p + 1)) ++n;
  return n;
}

// The element <tag ... id="id" ...> up to its closing tag (no nesting of the same tag inside).
std::string element(const std::string& html, const std::string& tag, const std::string& id) {
  const auto at = html.find(" id=\"" + id + "\"");
  if (at == std::string::npos) return "";
  const auto begin = html.rfind("<" + tag + " ", at);
  if (begin == std::string::npos || html.find('>', begin) < at) return "";  // the id belongs to another tag
  const auto end = html.find("</" + tag + ">", begin);
  return html.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
}

int polyline_points(const std::string& svg) {
  int n = 0;
  const std::regex points("points=\"([^\"]*)\"");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), points); it != std::sregex_iterator(); ++it) {
    std::istringstream in((*it)[1].str());
    std::string p;
    while (in >> p) ++n;
  }
  return n;
}

class ReportAssembly : public ::testing::Test {
 protected:
  void SetUp() override {
    if (fits().empty()) GTEST_SKIP() << "ELBO_REPORT_FITS is not set (run through CTest: report.assembly)";
  }
};

}  // namespace

TEST_F(ReportAssembly, LogisticRegressionFit) {
  const std::string dir = fits() + "/logistic";
  const auto fit = open_fit_directory(dir);
  ASSERT_EQ(fit.kind, FitKind::advi);
  const auto draws = read_variational_csv(dir + "/draws.csv");
  const auto params = draws.parameter_columns();
  ASSERT_EQ(params.size(), 31u);  // alpha and 30 coefficients of the breast-cancer data
  const std::string html = render_report(dir);

  // the verdict and k-hat are summary.json's own
  const bool reliable = fit.summary.at("reliable").get<bool>();
  EXPECT_NE(html.find(std::string("id=\"verdict\">") + (reliable ? "reliable" : "not reliable") + "<"), std::string::npos);
  if (fit.summary.at("pareto_k").is_number()) {
    char k[32];
    std::snprintf(k, sizeof k, "k̂ = %.3g", fit.summary.at("pareto_k").get<double>());
    EXPECT_NE(html.find(k), std::string::npos) << k;
  }
  // the ELBO trace has one vertex per finite evaluation
  int finite = 0;
  for (const auto& t : fit.summary.at("elbo_trace")) finite += t.at("elbo").is_number() ? 1 : 0;
  EXPECT_GT(finite, 0);
  EXPECT_EQ(polyline_points(element(html, "svg", "elbo-trace")), finite);
  // 24 marginals at once, the other 7 behind the selector, each titled by its column
  EXPECT_EQ(count(html, "class=\"chart marginal-chart\""), 31);
  EXPECT_EQ(count(html, "class=\"panel marginal-panel\""), 7);
  for (size_t i = 0; i < params.size(); ++i) {
    const std::string chart = element(html, "svg", "marginal-" + std::to_string(i));
    ASSERT_FALSE(chart.empty()) << i;
    EXPECT_NE(chart.find("class=\"chart-title\" x=\"138.0\" y=\"16\" text-anchor=\"middle\">" + draws.columns[params[i]]),
              std::string::npos)
        << i;
    EXPECT_NE(chart.find("class=\"kde\""), std::string::npos) << i;
  }
  EXPECT_NE(html.find("<option value=\"" + draws.columns[params[24]] + "\">"), std::string::npos);
  // the pair plot: 4 x 4 cells
  const auto pair_start = html.find("id=\"pair-plot\"");
  ASSERT_NE(pair_start, std::string::npos);
  EXPECT_EQ(count(html.substr(pair_start), "class=\"chart pair-cell\""), 16);
  // the posterior table has a row per parameter with summary.json's mean
  const auto& alpha = fit.summary.at("summary").at("alpha");
  char mean[32];
  std::snprintf(mean, sizeof mean, "%.6g", alpha.at("mean").get<double>());
  EXPECT_NE(html.find("<td>alpha</td><td></td><td class=\"num\">" + std::string(mean) + "</td>"), std::string::npos)
      << mean;
  // coefficients carry their feature's name (data.scaling), in the titles and the table
  const auto& scaling = fit.summary.at("data").at("scaling");
  ASSERT_FALSE(scaling.empty());
  const std::string column = scaling[0].at("column"), feature = scaling[0].at("feature");
  EXPECT_NE(html.find(">" + column + " (" + feature + ")</text>"), std::string::npos);
  EXPECT_NE(html.find("<td>" + column + "</td><td>" + feature + "</td>"), std::string::npos);
  EXPECT_NE(html.find("On the data's original scale"), std::string::npos);
}

TEST_F(ReportAssembly, LdaFit) {
  const std::string dir = fits() + "/lda";
  const auto fit = open_fit_directory(dir);
  ASSERT_EQ(fit.kind, FitKind::lda);
  const auto topics = read_json_file(dir + "/topics.json");
  const std::string html = render_report(dir);
  EXPECT_EQ(polyline_points(element(html, "svg", "elbo-trace")), static_cast<int>(fit.summary.at("elbo_trace").size()));
  int evaluations = 0;
  for (const auto& t : fit.summary.at("trace")) evaluations += t.contains("perplexity") ? 1 : 0;
  EXPECT_GT(evaluations, 1);
  EXPECT_EQ(polyline_points(element(html, "svg", "perplexity-trace")), evaluations);
  ASSERT_EQ(topics.size(), 3u);
  for (const auto& t : topics) {
    const std::string table = element(html, "table", "topic-" + std::to_string(t.at("topic").get<int>()));
    ASSERT_FALSE(table.empty());
    for (const auto& w : t.at("top_words")) EXPECT_NE(table.find("<td>" + w.get<std::string>() + "</td>"), std::string::npos);
  }
}

TEST_F(ReportAssembly, GmmFit) {
  const std::string dir = fits() + "/gmm";
  const auto fit = open_fit_directory(dir);
  ASSERT_EQ(fit.kind, FitKind::gmm);
  const std::string html = render_report(dir);
  const std::string scatter = element(html, "svg", "gmm-scatter");
  EXPECT_EQ(count(scatter, "<circle class=\"point s"), 300);  // every row, coloured by its component
  for (int k = 0; k < 3; ++k) EXPECT_NE(scatter.find("class=\"point s" + std::to_string(k) + "\""), std::string::npos) << k;
  EXPECT_EQ(count(scatter, "<polygon class=\"ellipse"), 3);
  EXPECT_EQ(count(element(html, "svg", "gmm-weights"), "class=\"weight-bar"), 3);
}

TEST_F(ReportAssembly, VaeRunEmbedsItsImages) {
  const std::string dir = fits() + "/vae";
  const auto fit = open_fit_directory(dir);
  ASSERT_EQ(fit.kind, FitKind::vae);
  const std::string html = render_report(dir);
  EXPECT_GE(polyline_points(element(html, "svg", "vae-bound")), static_cast<int>(fit.summary.at("history").size()));
  ASSERT_FALSE(fit.summary.at("images").empty());
  for (const auto& name : fit.summary.at("images")) {
    const std::string png = elbo::io::read_text_file(dir + "/" + name.get<std::string>());
    EXPECT_NE(html.find("src=\"" + data_uri("image/png", png) + "\""), std::string::npos) << name;
  }
}

TEST_F(ReportAssembly, WriteReportWritesIntoTheDirectory) {
  const std::string dir = fits() + "/gmm";
  const std::string out = std::filesystem::temp_directory_path() / "elbo_report_assembly.html";
  EXPECT_EQ(write_report(dir, out), out);
  EXPECT_EQ(elbo::io::read_text_file(out), render_report(dir));
  std::filesystem::remove(out);
}
