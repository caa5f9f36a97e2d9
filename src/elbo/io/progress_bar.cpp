#include "elbo/io/progress_bar.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace elbo::io {

bool stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

std::string with_thousands(int64_t value) {
  const bool negative = value < 0;
  std::string digits = std::to_string(negative ? -static_cast<uint64_t>(value)
                                               : static_cast<uint64_t>(value));
  std::string out;
  const int n = static_cast<int>(digits.size());
  for (int i = 0; i < n; ++i) {
    if (i > 0 && (n - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return negative ? "-" + out : out;
}

ProgressBar::ProgressBar(int64_t total, std::string label, bool enabled)
    : total_(std::max<int64_t>(total, 0)),
      label_(std::move(label)),
      active_(enabled && stderr_is_terminal()) {}

ProgressBar::~ProgressBar() {
  if (drawn_) finish();
}

std::string ProgressBar::render(int64_t done, const std::string& status) const {
  constexpr int kBar = 20;
  const int64_t clamped = total_ > 0 ? std::clamp<int64_t>(done, 0, total_) : 0;
  const double fraction = total_ > 0 ? static_cast<double>(clamped) / static_cast<double>(total_) : 0.0;
  const int filled = static_cast<int>(fraction * kBar);
  std::string line;
  if (!label_.empty()) line += label_ + " ";
  line += "[" + std::string(filled, '#') + std::string(kBar - filled, '.') + "]";
  char percent[8];
  std::snprintf(percent, sizeof percent, "%4d%%", static_cast<int>(fraction * 100.0));
  line += percent;
  line += "  " + with_thousands(done) + "/" + with_thousands(total_);
  if (!status.empty()) line += "  " + status;
  for (char& c : line) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  if (line.size() > static_cast<size_t>(kWidth - 1)) line.resize(kWidth - 1);
  return line;
}

void ProgressBar::draw(int64_t done, const std::string& status) {
  std::string line = render(done, status);
  // Pad to the full width so a shorter line erases the previous one.
  line.resize(kWidth - 1, ' ');
  std::fputc('\r', stderr);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
  drawn_ = true;
  last_drawn_done_ = done;
  last_draw_ = std::chrono::steady_clock::now();
}

void ProgressBar::update(int64_t done, const std::string& status) {
  if (!active_ || finished_) return;
  last_done_ = done;
  last_status_ = status;
  const auto now = std::chrono::steady_clock::now();
  const bool completes = done >= total_ && last_drawn_done_ < total_;
  if (!drawn_ || completes || now - last_draw_ >= std::chrono::milliseconds(100)) {
    draw(done, status);
  }
}

void ProgressBar::finish() {
  if (!active_ || finished_) return;
  finished_ = true;
  if (!drawn_) return;  // nothing on screen to complete
  draw(last_done_, last_status_);
  std::fputc('\n', stderr);
  std::fflush(stderr);
}

}  // namespace elbo::io
