#include "elbo/report/svg.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "elbo/report/html.hpp"
#include "elbo/report/ticks.hpp"

namespace elbo::report {

LinearScale::LinearScale(double d0, double d1, double r0, double r1) : d0_(d0), d1_(d1), r0_(r0), r1_(r1) {}

double LinearScale::operator()(double v) const {
  if (d1_ == d0_) return 0.5 * (r0_ + r1_);
  return r0_ + (v - d0_) / (d1_ - d0_) * (r1_ - r0_);
}

Extent extent_of(const std::vector<double>& values) { return extent_of(values, {}); }

Extent extent_of(const std::vector<double>& a, const std::vector<double>& b) {
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (const auto* v : {&a, &b}) {
    for (double x : *v) {
      if (!std::isfinite(x)) continue;
      lo = std::min(lo, x);
      hi = std::max(hi, x);
    }
  }
  if (lo > hi) return {0.0, 1.0};
  return {lo, hi};
}

Extent padded(Extent e, double fraction) {
  if (e.hi == e.lo) {
    const double half = std::max(std::abs(e.lo) * 0.1, 0.5);
    return {e.lo - half, e.hi + half};
  }
  const double pad = (e.hi - e.lo) * fraction;
  return {e.lo - pad, e.hi + pad};
}

std::string svg_number(double v) {
  if (!std::isfinite(v)) return "0";
  std::string s = fmt::format("{:.1f}", v);
  if (s == "-0.0") s = "0.0";
  return s;
}

Chart::Chart(ChartOptions options, Extent x, Extent y) : options_(std::move(options)) {
  if (options_.y_axis && options_.y_ticks > 0) {
    // Room for the longest y tick label (10 px digits: about 6.2 px each) and
    // the rotated axis label left of it, so "-3.25e6" is not cut off.
    size_t longest = 0;
    const double step = nice_step(y.lo, y.hi, options_.y_ticks);
    for (const auto& label : format_ticks(nice_ticks(y.lo, y.hi, options_.y_ticks), step))
      longest = std::max(longest, label.size());
    const double needed = 10 + 6.2 * static_cast<double>(longest) + (options_.y_label.empty() ? 0 : 18);
    options_.left = std::max(options_.left, needed);
  }
  const auto& o = options_;
  x_ = LinearScale(x.lo, x.hi, o.left, o.width - o.right);
  y_ = LinearScale(y.lo, y.hi, o.height - o.bottom, o.top);
}

void Chart::axes() {
  const auto& o = options_;
  const double x0 = o.left, x1 = o.width - o.right, y0 = o.height - o.bottom, y1 = o.top;
  double step_x = nice_step(x_.domain_lo(), x_.domain_hi(), o.x_ticks);
  if (o.x_integer && step_x < 1) step_x = 1;
  const auto x_ticks = ticks_at_step(x_.domain_lo(), x_.domain_hi(), step_x);
  const auto x_labels = format_ticks(x_ticks, step_x);
  for (size_t i = 0; i < x_ticks.size(); ++i) {
    const double t = x_ticks[i];
    const std::string px = svg_number(x_(t));
    back_ += fmt::format(R"(<line class="grid" x1="{0}" y1="{1}" x2="{0}" y2="{2}"/>)", px, svg_number(y1),
                         svg_number(y0));
    back_ += fmt::format(R"(<line class="tick" x1="{0}" y1="{1}" x2="{0}" y2="{2}"/>)", px, svg_number(y0),
                         svg_number(y0 + 4));
    back_ += fmt::format(R"(<text class="tick-label x-tick" x="{}" y="{}" text-anchor="middle">{}</text>)", px,
                         svg_number(y0 + 15), escape_html(x_labels[i]));
  }
  if (o.y_axis) {
    const double step_y = nice_step(y_.domain_lo(), y_.domain_hi(), o.y_ticks);
    const auto y_ticks = nice_ticks(y_.domain_lo(), y_.domain_hi(), o.y_ticks);
    const auto y_labels = format_ticks(y_ticks, step_y);
    for (size_t i = 0; i < y_ticks.size(); ++i) {
      const double t = y_ticks[i];
      const std::string py = svg_number(y_(t));
      back_ += fmt::format(R"(<line class="grid" x1="{1}" y1="{0}" x2="{2}" y2="{0}"/>)", py, svg_number(x0),
                           svg_number(x1));
      back_ += fmt::format(R"(<line class="tick" x1="{1}" y1="{0}" x2="{2}" y2="{0}"/>)", py,
                           svg_number(x0 - 4), svg_number(x0));
      back_ += fmt::format(R"(<text class="tick-label y-tick" x="{}" y="{}" text-anchor="end">{}</text>)",
                           svg_number(x0 - 6), svg_number(y_(t) + 4),
                           escape_html(y_labels[i]));
    }
  }
  back_ += fmt::format(R"(<rect class="frame" x="{}" y="{}" width="{}" height="{}"/>)", svg_number(x0),
                       svg_number(y1), svg_number(x1 - x0), svg_number(y0 - y1));
  if (!o.x_label.empty()) {
    front_ += fmt::format(R"(<text class="axis-label" x="{}" y="{}" text-anchor="middle">{}</text>)",
                          svg_number(0.5 * (x0 + x1)), svg_number(o.height - 6), escape_html(o.x_label));
  }
  if (!o.y_label.empty()) {
    const double cy = 0.5 * (y0 + y1);
    front_ += fmt::format(
        R"SVG(<text class="axis-label" x="12" y="{0}" text-anchor="middle" transform="rotate(-90 12 {0})">{1}</text>)SVG",
        svg_number(cy), escape_html(o.y_label));
  }
  if (!o.title.empty()) {
    front_ += fmt::format(R"(<text class="chart-title" x="{}" y="16" text-anchor="middle">{}</text>)",
                          svg_number(0.5 * (x0 + x1)), escape_html(o.title));
  }
}

void Chart::polyline(const std::vector<double>& xs, const std::vector<double>& ys, const std::string& css_class) {
  const size_t n = std::min(xs.size(), ys.size());
  std::string points;
  double last_x = 0, last_y = 0;
  auto flush = [&] {
    if (!points.empty()) {
      marks_ += fmt::format(R"(<polyline class="{}" points="{}"/>)", css_class, points);
      points.clear();
    }
  };
  for (size_t i = 0; i < n; ++i) {
    if (!std::isfinite(xs[i]) || !std::isfinite(ys[i])) {
      flush();
      continue;
    }
    const double px = x_(xs[i]), py = y_(ys[i]);
    if (!points.empty()) {
      // points every ~4 px along the segment from the previous vertex
      const double dx = px - last_x, dy = py - last_y;
      const int steps = static_cast<int>(std::min(200.0, std::hypot(dx, dy) / 4));
      for (int k = 1; k < steps; ++k) occupy(last_x + dx * k / steps, last_y + dy * k / steps);
      points += ' ';
    }
    occupy(px, py);
    last_x = px;
    last_y = py;
    points += svg_number(px) + "," + svg_number(py);
  }
  flush();
}

void Chart::bars(const std::vector<double>& edges, const std::vector<double>& heights,
                 const std::string& css_class) {
  const double base = y_(std::max(y_.domain_lo(), 0.0));
  for (size_t i = 0; i + 1 < edges.size() && i < heights.size(); ++i) {
    if (!std::isfinite(heights[i])) continue;
    const double left = x_(edges[i]), right = x_(edges[i + 1]), top = y_(heights[i]);
    marks_ += fmt::format(R"(<rect class="{}" x="{}" y="{}" width="{}" height="{}"/>)", css_class,
                          svg_number(left), svg_number(std::min(top, base)),
                          svg_number(std::max(right - left, 0.0)), svg_number(std::abs(base - top)));
  }
}

void Chart::points(const std::vector<double>& xs, const std::vector<double>& ys, const std::string& css_class,
                   double radius) {
  const size_t n = std::min(xs.size(), ys.size());
  const std::string r = fmt::format("{:g}", radius);
  for (size_t i = 0; i < n; ++i) {
    if (!std::isfinite(xs[i]) || !std::isfinite(ys[i])) continue;
    occupy(x_(xs[i]), y_(ys[i]));
    marks_ += fmt::format(R"(<circle class="{}" cx="{}" cy="{}" r="{}"/>)", css_class, svg_number(x_(xs[i])),
                          svg_number(y_(ys[i])), r);
  }
}

void Chart::polygon(const std::vector<double>& xs, const std::vector<double>& ys, const std::string& css_class) {
  std::string points;
  for (size_t i = 0; i < std::min(xs.size(), ys.size()); ++i) {
    if (!std::isfinite(xs[i]) || !std::isfinite(ys[i])) continue;
    if (!points.empty()) points += ' ';
    occupy(x_(xs[i]), y_(ys[i]));
    points += svg_number(x_(xs[i])) + "," + svg_number(y_(ys[i]));
  }
  if (!points.empty()) marks_ += fmt::format(R"(<polygon class="{}" points="{}"/>)", css_class, points);
}

void Chart::rect(double x0, double y0, double x1, double y1, const std::string& css_class, double opacity) {
  const double left = std::min(x_(x0), x_(x1)), right = std::max(x_(x0), x_(x1));
  const double top = std::min(y_(y0), y_(y1)), bottom = std::max(y_(y0), y_(y1));
  const std::string fill = opacity < 1 ? fmt::format(R"( fill-opacity="{:.2f}")", std::clamp(opacity, 0.0, 1.0)) : "";
  marks_ += fmt::format(R"(<rect class="{}" x="{}" y="{}" width="{}" height="{}"{}/>)", css_class, svg_number(left),
                        svg_number(top), svg_number(right - left), svg_number(bottom - top), fill);
}

void Chart::vline(double x, const std::string& css_class) {
  if (!std::isfinite(x)) return;
  const std::string px = svg_number(x_(x));
  marks_ += fmt::format(R"(<line class="{}" x1="{}" y1="{}" x2="{}" y2="{}"/>)", css_class, px,
                        svg_number(options_.top), px, svg_number(options_.height - options_.bottom));
}

void Chart::text(double x, double y, const std::string& text, const std::string& css_class,
                 const std::string& anchor) {
  text_px(x_(x), y_(y), text, css_class, anchor);
}

void Chart::text_px(double px, double py, const std::string& text, const std::string& css_class,
                    const std::string& anchor) {
  front_ += fmt::format(R"(<text class="{}" x="{}" y="{}" text-anchor="{}">{}</text>)", css_class,
                        svg_number(px), svg_number(py), anchor, escape_html(text));
}

void Chart::legend(const std::vector<std::pair<std::string, std::string>>& label_and_class) {
  if (label_and_class.empty()) return;
  const auto& o = options_;
  size_t chars = 0;
  for (const auto& entry : label_and_class) chars = std::max(chars, entry.first.size());
  const double width = 24 + 5.6 * static_cast<double>(chars);  // 10 px text: about 5.6 px a character
  const double height = 14.0 * static_cast<double>(label_and_class.size()) + 4;
  const double inset = 4;
  const double left_x = o.left + inset, right_x = o.width - o.right - inset - width;
  const double top_y = o.top + inset, bottom_y = o.height - o.bottom - inset - height;
  const std::pair<double, double> corners[] = {{right_x, top_y}, {left_x, top_y}, {right_x, bottom_y}, {left_x, bottom_y}};
  size_t best = 0, best_count = std::numeric_limits<size_t>::max();
  for (size_t c = 0; c < 4; ++c) {
    const auto [bx, by] = corners[c];
    size_t n = 0;
    for (const auto& [px, py] : occupied_) n += px >= bx && px <= bx + width && py >= by && py <= by + height ? 1 : 0;
    if (n < best_count) {
      best = c;
      best_count = n;
    }
  }
  const auto [bx, by] = corners[best];
  front_ += fmt::format(R"(<rect class="legend-box" x="{}" y="{}" width="{}" height="{}"/>)", svg_number(bx),
                        svg_number(by), svg_number(width), svg_number(height));
  double y = by + 13;
  for (const auto& [label, swatch] : label_and_class) {
    front_ += fmt::format(R"(<rect class="swatch {}" x="{}" y="{}" width="10" height="10"/>)", swatch,
                          svg_number(bx + width - 14), svg_number(y - 9));
    text_px(bx + width - 18, y, label, "legend-label", "end");
    y += 14;
  }
}

std::string Chart::str(double x, double y) const {
  const auto& o = options_;
  std::string position;
  if (std::isfinite(x) && std::isfinite(y)) position = fmt::format(R"( x="{}" y="{}")", svg_number(x), svg_number(y));
  std::string out = fmt::format(
      R"(<svg xmlns="http://www.w3.org/2000/svg" id="{0}" class="chart{1}"{2} width="{3}" height="{4}" viewBox="0 0 {3} {4}">)",
      escape_html(o.id), o.css_class.empty() ? "" : " " + o.css_class, position, svg_number(o.width),
      svg_number(o.height));
  const std::string clip = o.id + "-clip";
  out += fmt::format(R"(<defs><clipPath id="{}"><rect x="{}" y="{}" width="{}" height="{}"/></clipPath></defs>)",
                     escape_html(clip), svg_number(o.left), svg_number(o.top),
                     svg_number(o.width - o.left - o.right), svg_number(o.height - o.top - o.bottom));
  out += back_;
  out += fmt::format(R"SVG(<g class="marks" clip-path="url(#{})">)SVG", escape_html(clip));
  out += marks_;
  out += "</g>";
  out += front_;
  out += "</svg>";
  return out;
}

}  // namespace elbo::report
