#include "elbo/io/draws_writer.hpp"

#include <fmt/format.h>

#include <cmath>
#include <iterator>
#include <unordered_set>

#include "elbo/core/error.hpp"
#include "elbo/io/atomic_file.hpp"

namespace elbo::io {
namespace {

constexpr size_t kFlushBytes = 1 << 20;

void append_value(std::string& out, double value, int sig_figs) {
  if (std::isnan(value)) {
    out += "nan";
  } else {
    // "{:.Ng}" is printf's %.Ng, which is what an ostream prints with
    // setprecision(N) in the default float field (CmdStan's writer).
    fmt::format_to(std::back_inserter(out), "{:.{}g}", value, sig_figs);
  }
}

void append_comment(std::string& out, const std::string& line) {
  size_t start = 0;
  do {
    const size_t nl = line.find('\n', start);
    const std::string part = line.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    out += part.empty() ? "#" : "# " + part;
    out += '\n';
    start = nl == std::string::npos ? std::string::npos : nl + 1;
  } while (start != std::string::npos);
}

}  // namespace

std::string format_draw_value(double value, int sig_figs) {
  std::string out;
  append_value(out, value, sig_figs);
  return out;
}

DrawsWriter::DrawsWriter(std::string path, std::vector<std::string> columns,
                         const std::vector<std::string>& comments, DrawsWriterOptions options)
    : path_(std::move(path)), columns_(std::move(columns)), options_(options) {
  if (options_.sig_figs() < 1 || options_.sig_figs() > 18) {
    throw ConfigError("DrawsWriter: sig_figs is " + std::to_string(options_.sig_figs()) +
                      ", but must be in [1, 18]");
  }
  if (columns_.empty()) throw ConfigError("DrawsWriter: no columns for '" + path_ + "'");
  std::unordered_set<std::string> seen;
  for (const auto& name : columns_) {
    if (name.empty() || name.find_first_of(",\"\r\n") != std::string::npos) {
      throw ConfigError("DrawsWriter: column name '" + name +
                        "' is empty or contains a comma, quote or line break");
    }
    if (!seen.insert(name).second) {
      throw ConfigError("DrawsWriter: duplicate column name '" + name + "'");
    }
  }
  file_ = std::make_unique<AtomicFile>(path_);
  for (const auto& line : comments) append_comment(buffer_, line);
  for (size_t j = 0; j < columns_.size(); ++j) {
    if (j > 0) buffer_ += ',';
    buffer_ += columns_[j];
  }
  buffer_ += '\n';
}

DrawsWriter::~DrawsWriter() = default;

void DrawsWriter::comment(const std::string& line) {
  append_comment(buffer_, line);
  flush_if_large();
}

void DrawsWriter::write_row(const double* values, size_t n) {
  if (!file_) throw ConfigError("DrawsWriter: write_row after close() for '" + path_ + "'");
  if (n != columns_.size()) {
    throw ConfigError("DrawsWriter: row " + std::to_string(rows_ + 1) + " has " +
                      std::to_string(n) + " values, but the file has " +
                      std::to_string(columns_.size()) + " columns");
  }
  for (size_t j = 0; j < n; ++j) {
    if (j > 0) buffer_ += ',';
    append_value(buffer_, values[j], options_.sig_figs());
  }
  buffer_ += '\n';
  ++rows_;
  flush_if_large();
}

void DrawsWriter::flush_if_large() {
  if (buffer_.size() >= kFlushBytes) {
    file_->write(buffer_);
    buffer_.clear();
  }
}

void DrawsWriter::close() {
  if (!file_) return;
  file_->write(buffer_);
  buffer_.clear();
  file_->commit();
  file_.reset();
}

std::vector<std::string> variational_csv_comments(const VariationalCsvMeta& meta,
                                                  int64_t output_samples,
                                                  const std::string& output_file,
                                                  int sig_figs) {
  const auto num = [](double x) { return format_draw_value(x, 6); };
  std::vector<std::string> lines;
  if (!meta.elbo_version.empty()) lines.push_back("elbo_version = " + meta.elbo_version);
  lines.push_back("model = " + meta.model);
  lines.push_back("method = variational");
  lines.push_back("  variational");
  lines.push_back("    algorithm = " + meta.algorithm);
  lines.push_back("      " + meta.algorithm);
  lines.push_back("    iter = " + std::to_string(meta.iter));
  lines.push_back("    grad_samples = " + std::to_string(meta.grad_samples));
  lines.push_back("    elbo_samples = " + std::to_string(meta.elbo_samples));
  lines.push_back("    eta = " + num(meta.eta));
  lines.push_back("    adapt");
  lines.push_back(std::string("      engaged = ") + (meta.adapt_engaged ? "1" : "0"));
  lines.push_back("      iter = " + std::to_string(meta.adapt_iter));
  lines.push_back("    tol_rel_obj = " + num(meta.tol_rel_obj));
  lines.push_back("    eval_elbo = " + std::to_string(meta.eval_elbo));
  lines.push_back("    output_samples = " + std::to_string(output_samples));
  lines.push_back("id = 1");
  if (!meta.data_file.empty()) {
    lines.push_back("data");
    lines.push_back("  file = " + meta.data_file);
  }
  lines.push_back("random");
  lines.push_back("  seed = " + std::to_string(meta.seed));
  lines.push_back("output");
  lines.push_back("  file = " + output_file);
  lines.push_back("  sig_figs = " + std::to_string(sig_figs));
  lines.push_back("num_threads = " + std::to_string(meta.num_threads));
  for (const auto& [key, value] : meta.extra) lines.push_back(key + " = " + value);
  return lines;
}

void write_variational_csv(const std::string& path, const VariationalCsvMeta& meta,
                           const std::vector<std::string>& names,
                           const std::vector<double>& mean, const std::vector<double>& draws,
                           const std::vector<double>& log_p, const std::vector<double>& log_g,
                           DrawsWriterOptions options) {
  const size_t d = names.size();
  const size_t s = log_p.size();
  if (mean.size() != d) {
    throw ConfigError("write_variational_csv: mean has " + std::to_string(mean.size()) +
                      " values, but there are " + std::to_string(d) + " names");
  }
  if (log_g.size() != s || draws.size() != s * d) {
    throw ConfigError("write_variational_csv: " + std::to_string(s) + " log_p values, " +
                      std::to_string(log_g.size()) + " log_g values and " +
                      std::to_string(draws.size()) + " draw values do not describe " +
                      std::to_string(s) + " draws of " + std::to_string(d) + " columns");
  }
  std::vector<std::string> columns = {"lp__", "log_p__", "log_g__"};
  columns.insert(columns.end(), names.begin(), names.end());
  DrawsWriter writer(path, columns, variational_csv_comments(meta, static_cast<int64_t>(s), path,
                                                             options.sig_figs()),
                     options);
  if (meta.adapt_engaged) {
    writer.comment("Stepsize adaptation complete.");
    writer.comment("eta = " + format_draw_value(meta.eta, 6));
  }
  std::vector<double> row(d + 3, 0.0);
  std::copy(mean.begin(), mean.end(), row.begin() + 3);
  writer.write_row(row);
  for (size_t i = 0; i < s; ++i) {
    row[0] = 0.0;
    row[1] = log_p[i];
    row[2] = log_g[i];
    std::copy(draws.begin() + i * d, draws.begin() + (i + 1) * d, row.begin() + 3);
    writer.write_row(row);
  }
  writer.close();
}

}  // namespace elbo::io
