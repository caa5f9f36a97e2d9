#include "elbo/io/summary_table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "elbo/core/error.hpp"

namespace elbo::io {

std::string format_summary_number(double value, int sig_figs) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  if (value == 0.0) return "0";
  const double magnitude = std::fabs(value);
  if (magnitude >= 1e6 || magnitude < 1e-4) {
    return fmt::format("{:.{}e}", value, std::max(sig_figs - 1, 0));
  }
  const int exponent = static_cast<int>(std::floor(std::log10(magnitude)));
  const int decimals = std::max(sig_figs - 1 - exponent, 0);
  return fmt::format("{:.{}f}", value, decimals);
}

SummaryTable::SummaryTable(std::vector<std::string> row_names) : names_(std::move(row_names)) {}

SummaryTable& SummaryTable::add_column(std::string header, std::vector<double> values) {
  if (values.size() != names_.size()) {
    throw ConfigError("SummaryTable: column '" + header + "' has " +
                      std::to_string(values.size()) + " values, but the table has " +
                      std::to_string(names_.size()) + " rows");
  }
  columns_.emplace_back(std::move(header), std::move(values));
  return *this;
}

SummaryTable& SummaryTable::sig_figs(int value) {
  if (value < 1 || value > 17) {
    throw ConfigError("SummaryTable: sig_figs is " + std::to_string(value) +
                      ", but must be in [1, 17]");
  }
  sig_figs_ = value;
  return *this;
}

SummaryTable& SummaryTable::name_header(std::string header) {
  name_header_ = std::move(header);
  return *this;
}

std::string SummaryTable::str() const {
  const size_t rows = names_.size();
  size_t name_width = name_header_.size();
  for (const auto& n : names_) name_width = std::max(name_width, n.size());

  std::vector<std::vector<std::string>> cells(columns_.size());
  std::vector<size_t> widths(columns_.size());
  for (size_t c = 0; c < columns_.size(); ++c) {
    widths[c] = columns_[c].first.size();
    cells[c].reserve(rows);
    for (double v : columns_[c].second) {
      cells[c].push_back(format_summary_number(v, sig_figs_));
      widths[c] = std::max(widths[c], cells[c].back().size());
    }
  }
  const auto pad_left = [](std::string& out, const std::string& s, size_t width) {
    out.append(width - s.size(), ' ');
    out += s;
  };
  std::string out;
  const auto end_line = [&out]() {
    while (!out.empty() && out.back() == ' ') out.pop_back();
    out += '\n';
  };
  out += name_header_;
  out.append(name_width - name_header_.size(), ' ');
  for (size_t c = 0; c < columns_.size(); ++c) {
    out += "  ";
    pad_left(out, columns_[c].first, widths[c]);
  }
  end_line();
  for (size_t r = 0; r < rows; ++r) {
    out += names_[r];
    out.append(name_width - names_[r].size(), ' ');
    for (size_t c = 0; c < columns_.size(); ++c) {
      out += "  ";
      pad_left(out, cells[c][r], widths[c]);
    }
    end_line();
  }
  return out;
}

std::string format_summary_table(
    const std::vector<std::string>& names, const std::vector<double>& mean,
    const std::vector<double>& sd, const std::vector<double>& q5,
    const std::vector<double>& q50, const std::vector<double>& q95,
    const std::vector<std::pair<std::string, std::vector<double>>>& extra, int sig_figs) {
  SummaryTable table(names);
  table.sig_figs(sig_figs)
      .add_column("Mean", mean)
      .add_column("SD", sd)
      .add_column("5%", q5)
      .add_column("50%", q50)
      .add_column("95%", q95);
  for (const auto& [header, values] : extra) table.add_column(header, values);
  return table.str();
}

}  // namespace elbo::io
