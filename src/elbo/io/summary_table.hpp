#pragma once
// Fixed-width text tables of posterior summaries, like CmdStan's stansummary
// or print(fit) in cmdstanr:
//
//               Mean      SD      5%     50%     95%
//   alpha       1.23   0.045    1.15    1.23    1.30
//   sigma      0.512  0.0310   0.463   0.511   0.565
#include <string>
#include <utility>
#include <vector>

namespace elbo::io {

/// Rows are named parameters; columns are added with a header and one value per
/// row. Names are left-aligned, numbers right-aligned in columns two spaces apart.
class SummaryTable {
 public:
  explicit SummaryTable(std::vector<std::string> row_names);

  /// Adds a column; throws elbo::ConfigError unless values.size() == rows.
  SummaryTable& add_column(std::string header, std::vector<double> values);
  /// Significant digits of every number (1..17, default 3).
  SummaryTable& sig_figs(int value);
  /// Header of the name column (default empty).
  SummaryTable& name_header(std::string header);

  std::string str() const;

 private:
  std::vector<std::string> names_;
  std::string name_header_;
  std::vector<std::pair<std::string, std::vector<double>>> columns_;
  int sig_figs_ = 3;
};

/// The standard posterior summary: Mean, SD, 5%, 50%, 95%, then `extra`
/// columns (e.g. {"k_hat", ...}). Every vector has one entry per name.
std::string format_summary_table(
    const std::vector<std::string>& names, const std::vector<double>& mean,
    const std::vector<double>& sd, const std::vector<double>& q5,
    const std::vector<double>& q50, const std::vector<double>& q95,
    const std::vector<std::pair<std::string, std::vector<double>>>& extra = {},
    int sig_figs = 3);

/// `value` with `sig_figs` significant digits in fixed notation (all integer
/// digits kept: 1234.5 → "1235" for 3), scientific when |value| >= 1e6 or
/// < 1e-4; "NaN", "inf", "-inf" for non-finite values.
std::string format_summary_number(double value, int sig_figs);

}  // namespace elbo::io
