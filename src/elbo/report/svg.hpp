#pragma once
// Inline SVG charts written as text: a plot area with linear x and y scales,
// axes with nice ticks, and the few marks the report draws (lines, histogram
// bars, points, polygons, labels). Our own rather than a JavaScript plotting
// library: the report stays one offline file that diffs as text and that a
// test can query in the DOM (docs/REPORT.md). Marks carry CSS classes; the
// page's stylesheet (html.cpp) colours them.
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace elbo::report {

/// Maps [d0, d1] onto [r0, r1] linearly (r1 < r0 for a y axis that grows up).
class LinearScale {
 public:
  LinearScale() = default;
  LinearScale(double d0, double d1, double r0, double r1);
  double operator()(double v) const;
  double domain_lo() const { return d0_; }
  double domain_hi() const { return d1_; }
  double range_lo() const { return r0_; }
  double range_hi() const { return r1_; }

 private:
  double d0_ = 0, d1_ = 1, r0_ = 0, r1_ = 1;
};

/// An interval of data values.
struct Extent {
  double lo = 0, hi = 1;
};

/// The finite minimum and maximum of `values` ({0, 1} when none is finite).
Extent extent_of(const std::vector<double>& values);
/// Both lists' values together.
Extent extent_of(const std::vector<double>& a, const std::vector<double>& b);
/// `e` widened by `fraction` of its width on each side; a single value v gets
/// v ± max(|v|·0.1, 0.5), so a constant still has an axis around it.
Extent padded(Extent e, double fraction = 0.04);

struct ChartOptions {
  std::string id;         // unique in the page: the clip path is "<id>-clip"
  std::string css_class;  // added to "chart"
  double width = 360, height = 240;
  double left = 56, right = 14, top = 26, bottom = 40;  // margins around the plot area
  std::string title, x_label, y_label;
  int x_ticks = 5, y_ticks = 5;  // targets for nice_ticks
  bool y_axis = true;            // false: no y ticks (a density's height means little)
  bool x_integer = false;        // x ticks at whole numbers only (iterations, epochs, components)
};

class Chart {
 public:
  Chart(ChartOptions options, Extent x, Extent y);

  const LinearScale& x() const { return x_; }
  const LinearScale& y() const { return y_; }
  const ChartOptions& options() const { return options_; }

  /// Frame, grid lines, ticks with labels, axis labels and title.
  void axes();
  /// A line through the points; a non-finite value breaks it into pieces.
  void polyline(const std::vector<double>& xs, const std::vector<double>& ys, const std::string& css_class);
  /// Histogram bars: bar i spans [edges[i], edges[i+1]] up to heights[i].
  void bars(const std::vector<double>& edges, const std::vector<double>& heights, const std::string& css_class);
  /// One circle per finite point.
  void points(const std::vector<double>& xs, const std::vector<double>& ys, const std::string& css_class,
              double radius = 2.0);
  /// A closed polygon (an ellipse outline, a band).
  void polygon(const std::vector<double>& xs, const std::vector<double>& ys, const std::string& css_class);
  /// A rectangle between data corners (x0, y0) and (x1, y1), with a fill opacity.
  void rect(double x0, double y0, double x1, double y1, const std::string& css_class, double opacity = 1.0);
  /// A vertical line across the plot area at data value x.
  void vline(double x, const std::string& css_class);
  /// Text at data coordinates.
  void text(double x, double y, const std::string& text, const std::string& css_class,
            const std::string& anchor = "middle");
  /// Text at pixel coordinates of the chart (0, 0 is its top-left corner).
  void text_px(double px, double py, const std::string& text, const std::string& css_class,
               const std::string& anchor = "start");
  /// A legend in the corner of the plot area that the marks drawn so far
  /// cover least (top right first on ties): one swatch class per entry.
  void legend(const std::vector<std::pair<std::string, std::string>>& label_and_class);

  /// The <svg> element; at (x, y) when nested inside another <svg>.
  std::string str(double x = std::numeric_limits<double>::quiet_NaN(),
                  double y = std::numeric_limits<double>::quiet_NaN()) const;

 private:
  ChartOptions options_;
  LinearScale x_, y_;
  // Pixel positions the marks cover (vertices, points along lines), so the
  // legend can go where it hides least.
  void occupy(double px, double py) { occupied_.emplace_back(px, py); }
  std::vector<std::pair<double, double>> occupied_;
  std::string back_;  // grid and axes: under the marks
  std::string marks_;  // clipped to the plot area
  std::string front_;  // labels, legend
};

/// A coordinate as written in the SVG: one decimal, "-0.0" as "0.0".
std::string svg_number(double v);

}  // namespace elbo::report
