#pragma once
// Draws in CmdStan's CSV output format ("Stan CSV", CmdStan guide appendix
// "Stan CSV File Format"), so ArviZ's from_cmdstan, cmdstanpy, R's
// cmdstanr::read_cmdstan_csv / posterior and CmdStan's stansummary read them:
//
//   # model = logistic                  <- "# key = value" settings, indented
//   # method = variational                 two spaces per level like CmdStan's
//   #   variational                         argument tree
//   #     algorithm = meanfield
//   ...
//   lp__,log_p__,log_g__,beta.1,beta.2  <- column header
//   # Stepsize adaptation complete.
//   # eta = 1
//   0,0,0,0.23,-1.2                     <- variational: first row = mean of q
//   0,-6.82318,-0.0713378,0.228,-1.1    <- then draws: lp__ = 0, log p, log q
//
// Numbers are written like a C++ stream with setprecision(sig_figs): %g style
// with 6 significant digits by default (CmdStan's default), nan / inf / -inf
// for non-finite values. The file is written to a unique "<path>.<pid>.<n>.tmp" and renamed on
// close(), so a killed run never leaves half a file.
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace elbo::io {

class AtomicFile;

/// Options of DrawsWriter, LibTorch style (fluent setters, checked on use).
class DrawsWriterOptions {
 public:
  /// Significant digits of every number, 1..18 (CmdStan's sig_figs; 6 by default,
  /// 17 round-trips a double exactly).
  DrawsWriterOptions& sig_figs(int value) {
    sig_figs_ = value;
    return *this;
  }
  int sig_figs() const { return sig_figs_; }

 private:
  int sig_figs_ = 6;
};

/// Streams a Stan CSV file: comment lines, the header row, then rows (with
/// optional comment lines in between). Throws elbo::ConfigError for a bad
/// sig_figs, empty/duplicate column names or a row of the wrong length, and
/// elbo::InputError naming the file when it cannot be written.
class DrawsWriter {
 public:
  /// `comments` are written first, each as "# " + line (an empty line as "#").
  DrawsWriter(std::string path, std::vector<std::string> columns,
              const std::vector<std::string>& comments = {},
              DrawsWriterOptions options = DrawsWriterOptions());
  /// Without close(), the temporary file is removed and `path` is left untouched.
  ~DrawsWriter();
  DrawsWriter(const DrawsWriter&) = delete;
  DrawsWriter& operator=(const DrawsWriter&) = delete;

  /// A "# line" comment after the header (e.g. "Stepsize adaptation complete.").
  void comment(const std::string& line);
  /// One row; `n` must equal the number of columns.
  void write_row(const double* values, size_t n);
  void write_row(const std::vector<double>& values) { write_row(values.data(), values.size()); }
  /// Flushes and atomically moves the file into place.
  void close();

  const std::vector<std::string>& columns() const { return columns_; }
  int64_t rows_written() const { return rows_; }
  const std::string& path() const { return path_; }

 private:
  void flush_if_large();

  std::string path_;
  std::vector<std::string> columns_;
  DrawsWriterOptions options_;
  std::unique_ptr<AtomicFile> file_;
  std::string buffer_;
  int64_t rows_ = 0;
};

/// Formats `value` as a C++ stream with setprecision(sig_figs) would (%g style),
/// except that NaN is always "nan" (never "-nan").
std::string format_draw_value(double value, int sig_figs);

/// Settings recorded in the comment header of a variational run, mirroring
/// CmdStan's `variational` arguments, plus elbo's own in `extra`.
struct VariationalCsvMeta {
  std::string model = "model";
  std::string algorithm = "meanfield";  // meanfield | fullrank | any family name
  int64_t iter = 10000;
  int64_t grad_samples = 1;
  int64_t elbo_samples = 100;
  double eta = 1.0;
  bool adapt_engaged = true;
  int64_t adapt_iter = 50;
  double tol_rel_obj = 0.01;
  int64_t eval_elbo = 100;
  uint64_t seed = 0;
  std::string data_file;     // written as "data / file = ..."; empty → left out
  std::string elbo_version;  // "elbo_version = ..."; empty → left out
  int num_threads = 1;
  /// Further "key = value" lines (objective, family, final ELBO, ...), top level.
  std::vector<std::pair<std::string, std::string>> extra;
};

/// The CmdStan-style comment lines (without "# ") for `meta` with
/// `output_samples` draws written to `output_file`.
std::vector<std::string> variational_csv_comments(const VariationalCsvMeta& meta,
                                                  int64_t output_samples,
                                                  const std::string& output_file,
                                                  int sig_figs);

/// One-shot writer of a variational run in CmdStan's layout: columns
/// lp__,log_p__,log_g__,<names>; first row 0,0,0,<mean>; then one row per draw
/// 0,log_p[s],log_g[s],<draws row s>. `draws` is row-major S × names.size(),
/// log_p and log_g have S entries (log p(x, z_s) and log q(z_s) on the
/// unconstrained space, as CmdStan writes them).
void write_variational_csv(const std::string& path, const VariationalCsvMeta& meta,
                           const std::vector<std::string>& names,
                           const std::vector<double>& mean, const std::vector<double>& draws,
                           const std::vector<double>& log_p, const std::vector<double>& log_g,
                           DrawsWriterOptions options = DrawsWriterOptions());

}  // namespace elbo::io
