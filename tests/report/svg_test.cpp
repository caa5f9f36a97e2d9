// Scales, the coordinates of known data in a chart, and HTML escaping.
#include <gtest/gtest.h>

#include <cmath>

#include <regex>

#include "elbo/report/html.hpp"
#include "elbo/report/svg.hpp"

using namespace elbo::report;

namespace {

int count(const std::string& haystack, const std::string& needle) {
  int n = 0;
  for (size_t p = haystack.find(needle); p != std::string::npos; p = haystack.find(needle, p + 1)) ++n;
  return n;
}

// A 200 × 100 chart whose plot area spans x 20..180 and y 10..90 (pixels).
ChartOptions small(const std::string& id) {
  ChartOptions o;
  o.id = id;
  o.width = 200;
  o.height = 100;
  o.left = 20;
  o.right = 20;
  o.top = 10;
  o.bottom = 10;
  o.y_axis = false;  // y tick labels would widen the left margin
  return o;
}

}  // namespace

TEST(ReportSvg, LinearScaleMapsEndsAndMidpoint) {
  const LinearScale x(0, 10, 20, 180);
  EXPECT_DOUBLE_EQ(x(0), 20);
  EXPECT_DOUBLE_EQ(x(10), 180);
  EXPECT_DOUBLE_EQ(x(2.5), 60);
  const LinearScale y(-1, 1, 90, 10);  // y grows up
  EXPECT_DOUBLE_EQ(y(-1), 90);
  EXPECT_DOUBLE_EQ(y(1), 10);
  EXPECT_DOUBLE_EQ(y(0.5), 30);
  EXPECT_DOUBLE_EQ(LinearScale(3, 3, 0, 100)(3), 50);  // empty domain: the middle
}

TEST(ReportSvg, PointsLandAtTheirPixelCoordinates) {
  Chart chart(small("c"), {0, 10}, {0, 100});
  chart.points({0, 5, 10}, {0, 50, 100}, "point", 2);
  const std::string svg = chart.str();
  EXPECT_NE(svg.find(R"(<circle class="point" cx="20.0" cy="90.0" r="2"/>)"), std::string::npos) << svg;
  EXPECT_NE(svg.find(R"(<circle class="point" cx="100.0" cy="50.0" r="2"/>)"), std::string::npos) << svg;
  EXPECT_NE(svg.find(R"(<circle class="point" cx="180.0" cy="10.0" r="2"/>)"), std::string::npos) << svg;
}

TEST(ReportSvg, PolylineBreaksAtNonFiniteValues) {
  Chart chart(small("c"), {0, 4}, {0, 4});
  chart.polyline({0, 1, 2, 3, 4}, {0, 1, std::nan(""), 3, 4}, "line");
  const std::string svg = chart.str();
  EXPECT_EQ(count(svg, "<polyline"), 2);
  EXPECT_NE(svg.find(R"(points="20.0,90.0 60.0,70.0")"), std::string::npos) << svg;
  EXPECT_NE(svg.find(R"(points="140.0,30.0 180.0,10.0")"), std::string::npos) << svg;
}

TEST(ReportSvg, BarsStandOnZero) {
  Chart chart(small("c"), {0, 2}, {0, 4});
  chart.bars({0, 1, 2}, {2, 4}, "bar");
  const std::string svg = chart.str();
  // bar 0: x 20..100, height 2 of 4 -> y 50..90
  EXPECT_NE(svg.find(R"(<rect class="bar" x="20.0" y="50.0" width="80.0" height="40.0"/>)"), std::string::npos) << svg;
  EXPECT_NE(svg.find(R"(<rect class="bar" x="100.0" y="10.0" width="80.0" height="80.0"/>)"), std::string::npos) << svg;
}

TEST(ReportSvg, AxesHaveNiceTicksAndEscapedLabels) {
  auto o = small("axes-chart");
  o.y_axis = true;
  o.left = 40;  // room for "100": the margin stays
  o.title = "beta<1> & \"x\"";
  o.x_label = "iteration";
  Chart chart(o, {0, 1}, {0, 100});
  chart.axes();
  const std::string svg = chart.str();
  EXPECT_EQ(count(svg, "x-tick\""), 6);  // 0, 0.2, ..., 1.0
  EXPECT_EQ(count(svg, "y-tick\""), 6);  // 0, 20, ..., 100
  for (const char* t : {">0<", ">0.2<", ">0.4<", ">0.6<", ">0.8<", ">1.0<", ">20<", ">100<"}) {
    EXPECT_NE(svg.find(t), std::string::npos) << t;
  }
  // the 0.4 tick sits at 40 + 0.4 * 140 = 96 px
  EXPECT_NE(svg.find(R"(<text class="tick-label x-tick" x="96.0" y="105.0" text-anchor="middle">0.4</text>)"),
            std::string::npos)
      << svg;
  EXPECT_NE(svg.find("beta&lt;1&gt; &amp; &quot;x&quot;"), std::string::npos);
  EXPECT_EQ(svg.find("beta<1>"), std::string::npos);
  EXPECT_NE(svg.find(R"(id="axes-chart")"), std::string::npos);
  EXPECT_NE(svg.find(R"X(clip-path="url(#axes-chart-clip)")X"), std::string::npos);
  EXPECT_NE(svg.find(R"(<clipPath id="axes-chart-clip">)"), std::string::npos);
}

TEST(ReportSvg, LongYLabelsWidenTheLeftMargin) {
  auto o = small("wide");
  o.y_axis = true;
  Chart chart(o, {0, 1}, {-3.3e6, -3.2e6});  // labels like "-3.28e6": 7 characters
  EXPECT_DOUBLE_EQ(chart.options().left, 10 + 6.2 * 7);
  EXPECT_DOUBLE_EQ(chart.x()(0), 10 + 6.2 * 7);
  o.y_label = "ELBO";  // and the rotated axis label
  EXPECT_DOUBLE_EQ(Chart(o, {0, 1}, {-3.3e6, -3.2e6}).options().left, 10 + 6.2 * 7 + 18);
  o.left = 80;
  EXPECT_DOUBLE_EQ(Chart(o, {0, 1}, {-3.3e6, -3.2e6}).options().left, 80);  // never narrower
}

TEST(ReportSvg, IntegerAxesTickWholeNumbersOnly) {
  auto o = small("epochs");
  o.x_integer = true;
  Chart chart(o, {1, 3}, {0, 1});
  chart.axes();
  const std::string svg = chart.str();
  EXPECT_EQ(count(svg, "x-tick\""), 3);  // 1, 2, 3 rather than 1.0, 1.5, ..., 3.0
  EXPECT_NE(svg.find(">2</text>"), std::string::npos);
  EXPECT_EQ(svg.find(">1.5</text>"), std::string::npos);
}

TEST(ReportSvg, LegendGoesWhereTheMarksAreNot) {
  // a line rising from the bottom-left to the top-right corner: the top-left corner is free
  Chart rising(small("rising"), {0, 1}, {0, 1});
  rising.polyline({0, 1}, {0, 1}, "line");
  rising.legend({{"bound", "line"}});
  EXPECT_NE(rising.str().find(R"(<rect class="legend-box" x="24.0" y="14.0")"), std::string::npos) << rising.str();
  // a falling line leaves the top-right corner free: the default place
  Chart falling(small("falling"), {0, 1}, {0, 1});
  falling.polyline({0, 1}, {1, 0}, "line");
  falling.legend({{"KL", "line"}});
  const std::string svg = falling.str();
  const auto at = svg.find("<rect class=\"legend-box\" x=\"");
  ASSERT_NE(at, std::string::npos);
  EXPECT_GT(std::stod(svg.substr(at + 28)), 100.0) << svg.substr(at, 80);  // right half
}

TEST(ReportSvg, NestedChartsArePositioned) {
  Chart chart(small("cell"), {0, 1}, {0, 1});
  EXPECT_NE(chart.str(170, 340).find(R"( x="170.0" y="340.0" width="200.0")"), std::string::npos);
  EXPECT_EQ(chart.str().find(" x=\"170.0\""), std::string::npos);
}

TEST(ReportSvg, ExtentsAndPadding) {
  const Extent e = extent_of({3, std::nan(""), -1, std::numeric_limits<double>::infinity(), 7});
  EXPECT_DOUBLE_EQ(e.lo, -1);
  EXPECT_DOUBLE_EQ(e.hi, 7);
  const Extent p = padded(e, 0.25);
  EXPECT_DOUBLE_EQ(p.lo, -3);
  EXPECT_DOUBLE_EQ(p.hi, 9);
  const Extent c = padded({2, 2});
  EXPECT_DOUBLE_EQ(c.lo, 1.5);
  EXPECT_DOUBLE_EQ(c.hi, 2.5);
  const Extent none = extent_of({std::nan("")});
  EXPECT_DOUBLE_EQ(none.lo, 0);
  EXPECT_DOUBLE_EQ(none.hi, 1);
  EXPECT_EQ(svg_number(-0.04), "0.0");
  EXPECT_EQ(svg_number(12.345), "12.3");
}

TEST(ReportHtml, EscapesMarkupQuotesAndBadBytes) {
  EXPECT_EQ(escape_html("a<b>&\"c\"'d'"), "a&lt;b&gt;&amp;&quot;c&quot;&#39;d&#39;");
  EXPECT_EQ(escape_html("k̂ ≥ 0.7 — ü"), "k̂ ≥ 0.7 — ü");  // valid UTF-8 passes
  EXPECT_EQ(escape_html(std::string("a\xff" "b")), "a\xEF\xBF\xBD" "b");  // invalid byte -> U+FFFD
  EXPECT_EQ(escape_html(std::string("\xC0\xAF")), "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong '/'
  EXPECT_EQ(escape_html(std::string("x\x01y")), "x\xEF\xBF\xBDy");
  EXPECT_EQ(escape_html("</script>"), "&lt;/script&gt;");
}

TEST(ReportHtml, PageHoldsSectionsScriptsAndNoExternalResources) {
  Page page("Title <1>", "sub");
  page.add_section("trace", "ELBO trace", "<p>body</p>");
  page.add_section("pairs", "Pair plot", "<svg id=\"pair-plot\"></svg>");
  const std::string html = page.str();
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("<title>Title &lt;1&gt;</title>"), std::string::npos);
  EXPECT_NE(html.find(R"(<section id="trace" class="report-section">)"), std::string::npos);
  EXPECT_NE(html.find(R"(<a href="#pairs">Pair plot</a>)"), std::string::npos);
  EXPECT_LT(html.find("id=\"js-errors\""), html.find("<section"));  // the error recorder comes first
  EXPECT_NE(html.find("data-js-ready"), std::string::npos);
  EXPECT_EQ(html.find("src=\"http"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("<script src"), std::string::npos);
  EXPECT_EQ(html.find("@import"), std::string::npos);
}

TEST(ReportHtml, TablePadsShortRows) {
  const std::string t = html_table({"a", "b"}, {{"<td>1</td>"}}, "x");
  EXPECT_EQ(t, "<table class=\"x\"><thead><tr><th>a</th><th>b</th></tr></thead><tbody><tr><td>1</td><td></td></tr>"
               "</tbody></table>");
}
