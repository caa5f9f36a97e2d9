// Telling the kind of fit from a directory, and the one-line errors when
// there is none or its summary is broken; the k-hat verdict and the settings table.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "elbo/core/error.hpp"
#include "elbo/report/diagnostics.hpp"
#include "elbo/report/fields.hpp"
#include "elbo/report/fit_directory.hpp"
#include "elbo/report/report.hpp"

using namespace elbo::report;
namespace fs = std::filesystem;

namespace {

class ReportFitDirectory : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("elbo_report_dir_test_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  void write(const std::string& name, const std::string& text) { std::ofstream(dir_ / name) << text; }
  std::string error_of() {
    try {
      render_report(dir_.string());
    } catch (const elbo::InputError& e) {
      return e.what();
    }
    return "";
  }
  fs::path dir_;
};

}  // namespace

TEST_F(ReportFitDirectory, NoFitIsOneLineNamingTheDirectory) {
  const std::string e = error_of();
  EXPECT_EQ(e, dir_.string() + ": no fit here: no summary.json (elbo fit, fit lda, train vae) or gmm.json (fit gmm)");
  EXPECT_EQ(e.find('\n'), std::string::npos);
  try {
    render_report((dir_ / "missing").string());
    FAIL();
  } catch (const elbo::InputError& ex) {
    EXPECT_EQ(std::string(ex.what()), (dir_ / "missing").string() + ": no such directory");
  }
}

TEST_F(ReportFitDirectory, CorruptSummaryNamesTheFileAndPosition) {
  write("summary.json", "{\"method\": \"advi\",\n  \"reliable\": tru }");
  const std::string e = error_of();
  EXPECT_EQ(e.rfind((dir_ / "summary.json").string() + ": not valid JSON: parse error at line 2", 0), 0u) << e;
  EXPECT_EQ(e.find('\n'), std::string::npos);
  write("summary.json", "[1, 2]");
  EXPECT_EQ(error_of(), (dir_ / "summary.json").string() + ": not a fit summary (not a JSON object)");
  write("summary.json", "{\"x\": 1}");
  EXPECT_NE(error_of().find("summary.json: not a fit summary: no \"method\""), std::string::npos);
}

TEST_F(ReportFitDirectory, MissingOrCorruptDrawsNameTheFile) {
  write("summary.json", "{\"method\": \"advi\", \"model\": \"m\"}");
  EXPECT_NE(error_of().find((dir_ / "draws.csv").string()), std::string::npos) << error_of();
  write("draws.csv", "lp__,mu\n0,1\n0,one\n");
  EXPECT_EQ(error_of(), (dir_ / "draws.csv").string() + ":3: field 'mu': not a number: \"one\"");
}

TEST_F(ReportFitDirectory, KindsAreTold) {
  write("summary.json", "{\"command\": \"train vae\"}");
  EXPECT_EQ(open_fit_directory(dir_.string()).kind, FitKind::vae);
  write("summary.json", "{\"method\": \"cavi\", \"topics\": 3}");
  EXPECT_EQ(open_fit_directory(dir_.string()).kind, FitKind::lda);
  EXPECT_NE(error_of().find("topics.json"), std::string::npos);  // LDA without its topics
  write("summary.json", "{\"method\": \"advi\"}");
  EXPECT_EQ(open_fit_directory(dir_.string()).kind, FitKind::advi);
  fs::remove(dir_ / "summary.json");
  write("gmm.json", "{\"means\": [[0]]}");
  EXPECT_EQ(open_fit_directory(dir_.string()).kind, FitKind::gmm);
}

TEST_F(ReportFitDirectory, GmmWithoutItsDataStillReports) {
  write("gmm.json", R"({"method": "cavi", "data": "gone.csv", "columns": ["a", "b"], "components": 2,
    "weights": [0.7, 0.3], "means": [[0, 0], [3, 1]],
    "covariances": [[[1, 0.5], [0.5, 2]], [[0.2, 0], [0, 0.1]]], "elbo_trace": [-10, -5, -4.5]})");
  const std::string html = render_report(dir_.string());
  EXPECT_NE(html.find("id=\"gmm-scatter\""), std::string::npos);
  EXPECT_NE(html.find("id=\"gmm-weights\""), std::string::npos);
  EXPECT_NE(html.find("id=\"elbo-trace\""), std::string::npos);
  EXPECT_NE(html.find("gone.csv is not there any more"), std::string::npos);
  EXPECT_EQ(html.find("class=\"point s"), std::string::npos);  // no data, no points
  EXPECT_NE(html.find("<polygon class=\"ellipse s0\""), std::string::npos);
}

TEST(ReportDiagnostics, KhatVerdicts) {
  EXPECT_EQ(k_hat_verdict(0.31, 0.7).level, "good");
  EXPECT_EQ(k_hat_verdict(0.31, 0.7).text, "k̂ = 0.31: good (below 0.5)");
  EXPECT_EQ(k_hat_verdict(0.6, 0.7).level, "warn");
  EXPECT_EQ(k_hat_verdict(0.65, 0.62).level, "bad");  // few draws: a lower threshold
  EXPECT_EQ(k_hat_verdict(1.2, 0.7).level, "bad");
  EXPECT_EQ(k_hat_verdict("inf", 0.7, "every log-weight non-finite").text,
            "k̂ = inf: cannot be estimated (every log-weight non-finite)");
  EXPECT_EQ(k_hat_verdict(nullptr, 0.7).level, "warn");
}

TEST(ReportDiagnostics, VerdictBlockShowsReasonsAndDroppedDraws) {
  const auto s = nlohmann::json::parse(R"({"reliable": false,
    "reliability": {"reasons": ["k-hat 0.9 is above 0.7"], "notes": ["3 gradient draws were dropped"]},
    "pareto_k": 0.9, "pareto_k_threshold": 0.7, "converged": true, "convergence": "relative ELBO change below 0.01",
    "iterations": 400, "nonfinite_draws": {"count": 2, "of": 1000}, "summary_weighting": "none"})");
  const std::string html = advi_diagnostics_html(s);
  EXPECT_NE(html.find(R"(<span class="verdict bad" id="verdict">not reliable</span>)"), std::string::npos);
  EXPECT_NE(html.find("<li>k-hat 0.9 is above 0.7</li>"), std::string::npos);
  EXPECT_NE(html.find("<li>3 gradient draws were dropped</li>"), std::string::npos);
  EXPECT_NE(html.find(R"(<span class="verdict bad" id="k-hat">k̂ = 0.9: too large)"), std::string::npos);
  EXPECT_NE(html.find("2 of 1000"), std::string::npos);
  EXPECT_NE(html.find("after 400 iterations"), std::string::npos);
}

TEST(ReportDiagnostics, AutoLadderTable) {
  const auto s = nlohmann::json::parse(R"({"reliable": true, "pareto_k": 0.3, "method_details": {"auto": {
    "chosen": 2, "chosen_method": "pathfinder", "rungs": [
      {"rung": 1, "method": "advi fullrank", "reliable": false, "pareto_k": 0.95, "seconds": 1.5,
       "reasons": ["k-hat 0.95 is above 0.7"]},
      {"rung": 2, "method": "pathfinder", "reliable": true, "pareto_k": 0.4, "seconds": 0.5, "reasons": []}]}}})");
  const std::string html = advi_diagnostics_html(s);
  EXPECT_NE(html.find("<table class=\"auto-ladder\">"), std::string::npos);
  EXPECT_NE(html.find("<td>advi fullrank</td><td><span class=\"verdict bad\">not reliable</span></td>"), std::string::npos);
  EXPECT_NE(html.find("<td>k-hat 0.95 is above 0.7</td>"), std::string::npos);
  EXPECT_NE(html.find("Kept: rung 2, pathfinder."), std::string::npos);
  EXPECT_EQ(advi_diagnostics_html(nlohmann::json::parse(R"({"reliable": true})")).find("auto-ladder"), std::string::npos);
}

TEST(ReportFields, FlattenedSettings) {
  const auto s = nlohmann::json::parse(R"({"method": "advi", "settings": {"eta": 0.1, "adapt": true},
    "elbo_trace": [1, 2], "long": [1, 2, 3, 4, 5, 6, 7, 8, 9], "x": null, "big": 1.23456789e10})");
  const auto f = flatten_fields(s, {"elbo_trace"});
  const std::vector<std::pair<std::string, std::string>> want = {
      {"big", "1.23457e+10"}, {"method", "advi"}, {"settings.adapt", "true"}, {"settings.eta", "0.1"}, {"x", "none"}};
  EXPECT_EQ(f, want);
}
