#include "elbo/report/html.hpp"

#include <fmt/format.h>

#include "elbo/io/utf8.hpp"

namespace elbo::report {
namespace {

// Colours: the Tableau 10 palette for series (colour-blind friendly enough
// and distinct in print); marks are styled here so the SVG carries classes only.
constexpr const char* kStyle = R"CSS(
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
       margin: 0 auto; max-width: 1180px; padding: 12px 20px 40px; color: #222; background: #fff; }
h1 { font-size: 1.5em; margin: 0.4em 0 0.1em; }
h2 { font-size: 1.2em; border-bottom: 1px solid #ddd; padding-bottom: 3px; margin-top: 1.6em; }
h3 { font-size: 1em; margin: 1em 0 0.3em; }
.subtitle { color: #555; margin: 0 0 0.8em; word-break: break-all; }
nav { font-size: 0.9em; } nav a { margin-right: 1em; }
table { border-collapse: collapse; font-size: 0.88em; margin: 0.4em 0; }
th, td { border: 1px solid #ddd; padding: 2px 8px; text-align: left; vertical-align: top; }
th { background: #f4f4f4; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.verdict { display: inline-block; padding: 3px 10px; border-radius: 4px; font-weight: bold; }
.verdict.good { background: #dff0d8; color: #24572a; }
.verdict.warn { background: #fcf0d2; color: #6b4d05; }
.verdict.bad { background: #f6d6d6; color: #7a1f1f; }
.note { color: #555; font-size: 0.9em; }
.charts { display: flex; flex-wrap: wrap; gap: 6px; }
.panel[hidden] { display: none; }
#js-errors { color: #a00; background: #fee; padding: 6px; white-space: pre-wrap; }
#js-errors:empty { display: none; }
svg.chart { background: #fff; overflow: hidden; font-size: 11px; }
svg .frame { fill: none; stroke: #999; stroke-width: 1; }
svg .grid { stroke: #eee; stroke-width: 1; }
svg .tick { stroke: #999; stroke-width: 1; }
svg .tick-label { fill: #555; font-size: 10px; }
svg .axis-label { fill: #333; font-size: 11px; }
svg .chart-title { fill: #222; font-size: 12px; font-weight: bold; }
svg .legend-label { fill: #333; font-size: 10px; }
svg .legend-box { fill: #fff; fill-opacity: 0.85; stroke: #ddd; }
svg .line { fill: none; stroke: #4e79a7; stroke-width: 1.5; }
svg .line.secondary { stroke: #f28e2b; }
svg .bar { fill: #a0c4e8; stroke: #fff; stroke-width: 0.5; }
svg .kde { fill: none; stroke: #1f4e79; stroke-width: 1.5; }
svg .mean-line { stroke: #e15759; stroke-width: 1; stroke-dasharray: 3 2; }
svg .point { fill: #4e79a7; fill-opacity: 0.35; }
svg .centre { fill: #000; stroke: #fff; stroke-width: 1; }
svg .ellipse { fill: none; stroke-width: 1.5; }
svg .corr-label { fill: #222; font-size: 14px; }
svg .corr-bg.positive { fill: #4e79a7; } svg .corr-bg.negative { fill: #e15759; }
svg .swatch.line, svg .swatch.kde { fill: #4e79a7; stroke: none; }
svg .swatch.line.secondary { fill: #f28e2b; }
svg .s0 { fill: #4e79a7; stroke: #4e79a7; } svg .s1 { fill: #f28e2b; stroke: #f28e2b; }
svg .s2 { fill: #e15759; stroke: #e15759; } svg .s3 { fill: #76b7b2; stroke: #76b7b2; }
svg .s4 { fill: #59a14f; stroke: #59a14f; } svg .s5 { fill: #edc948; stroke: #edc948; }
svg .s6 { fill: #b07aa1; stroke: #b07aa1; } svg .s7 { fill: #ff9da7; stroke: #ff9da7; }
svg .s8 { fill: #9c755f; stroke: #9c755f; } svg .s9 { fill: #bab0ac; stroke: #bab0ac; }
svg .ellipse.s0, svg .ellipse.s1, svg .ellipse.s2, svg .ellipse.s3, svg .ellipse.s4,
svg .ellipse.s5, svg .ellipse.s6, svg .ellipse.s7, svg .ellipse.s8, svg .ellipse.s9 { fill: none; }
svg .point.s0, svg .point.s1, svg .point.s2, svg .point.s3, svg .point.s4, svg .point.s5,
svg .point.s6, svg .point.s7, svg .point.s8, svg .point.s9 { stroke: none; fill-opacity: 0.5; }
.wordbar { display: inline-block; height: 8px; background: #a0c4e8; margin-right: 4px; vertical-align: middle; }
.topic-words td { white-space: nowrap; }
img.grid-image { image-rendering: pixelated; border: 1px solid #ccc; max-width: 100%; }
figure { margin: 0.5em 1em 0.5em 0; display: inline-block; vertical-align: top; }
figcaption { font-size: 0.85em; color: #555; }
)CSS";

// First in <body>: errors of any later script (and resources that fail to
// load, caught in the capture phase) are written into #js-errors, so a test
// that only sees the DOM (chromium --dump-dom) can tell a clean page.
constexpr const char* kErrorScript = R"JS(
(function () {
  var box = document.getElementById('js-errors');
  var count = 0;
  function record(message) {
    count += 1;
    box.textContent += message + '\n';
    document.body.setAttribute('data-js-errors', String(count));
  }
  window.addEventListener('error', function (e) {
    if (e.target && e.target !== window && (e.target.src || e.target.href)) {
      record('failed to load ' + (e.target.src || e.target.href).slice(0, 80));
    } else {
      record('error: ' + e.message + (e.lineno ? ' (line ' + e.lineno + ')' : ''));
    }
  }, true);
  window.addEventListener('unhandledrejection', function (e) { record('unhandled rejection: ' + e.reason); });
  var consoleError = console.error;
  console.error = function () {
    record('console.error: ' + Array.prototype.join.call(arguments, ' '));
    if (consoleError) consoleError.apply(console, arguments);
  };
})();
)JS";

// Last in <body>: a <select data-panels="CLASS"> shows the one element of
// that class whose data-key is the selected value; the body is then marked
// data-js-ready="1" (the browser test checks that the script ran to the end).
constexpr const char* kPageScript = R"JS(
(function () {
  var selects = document.querySelectorAll('select[data-panels]');
  Array.prototype.forEach.call(selects, function (select) {
    var panels = document.querySelectorAll('.' + select.getAttribute('data-panels'));
    function show() {
      Array.prototype.forEach.call(panels, function (panel) {
        panel.hidden = panel.getAttribute('data-key') !== select.value;
      });
    }
    select.addEventListener('change', show);
    show();
  });
  document.body.setAttribute('data-js-ready', '1');
})();
)JS";

}  // namespace

std::string escape_html(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const char c = text[i];
    switch (c) {
      case '&': out += "&amp;"; ++i; continue;
      case '<': out += "&lt;"; ++i; continue;
      case '>': out += "&gt;"; ++i; continue;
      case '"': out += "&quot;"; ++i; continue;
      case '\'': out += "&#39;"; ++i; continue;
      default: break;
    }
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 && c != '\t' && c != '\n') {
      out += "\xEF\xBF\xBD";
      ++i;
      continue;
    }
    const size_t n = io::utf8_sequence_length(text, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(text.substr(i, n));
      i += n;
    }
  }
  return out;
}

std::string html_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows,
                       const std::string& css_class) {
  std::string out = css_class.empty() ? "<table>" : "<table class=\"" + escape_html(css_class) + "\">";
  if (!header.empty()) {
    out += "<thead><tr>";
    for (const auto& h : header) out += "<th>" + h + "</th>";
    out += "</tr></thead>";
  }
  out += "<tbody>";
  for (const auto& row : rows) {
    out += "<tr>";
    for (size_t i = 0; i < std::max(row.size(), header.size()); ++i) {
      out += i < row.size() ? row[i] : std::string("<td></td>");
    }
    out += "</tr>";
  }
  out += "</tbody></table>";
  return out;
}

Page::Page(std::string title, std::string subtitle) : title_(std::move(title)), subtitle_(std::move(subtitle)) {}

void Page::add_section(const std::string& id, const std::string& heading, const std::string& body) {
  sections_.push_back({id, heading, body});
}

std::string Page::str() const {
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  out += "<title>" + escape_html(title_) + "</title>\n<style>" + kStyle + "</style>\n</head>\n";
  out += "<body data-js-ready=\"0\" data-js-errors=\"0\">\n<pre id=\"js-errors\"></pre>\n<script>";
  out += kErrorScript;
  out += "</script>\n<header><h1>" + escape_html(title_) + "</h1><p class=\"subtitle\">" + escape_html(subtitle_) +
         "</p>\n<nav>";
  for (const auto& s : sections_) {
    out += "<a href=\"#" + escape_html(s.id) + "\">" + escape_html(s.heading) + "</a>";
  }
  out += "</nav></header>\n";
  for (const auto& s : sections_) {
    out += "<section id=\"" + escape_html(s.id) + "\" class=\"report-section\">\n<h2>" + escape_html(s.heading) +
           "</h2>\n" + s.body + "\n</section>\n";
  }
  out += "<script>";
  out += kPageScript;
  out += "</script>\n</body>\n</html>\n";
  return out;
}

}  // namespace elbo::report
