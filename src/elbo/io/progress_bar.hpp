#pragma once
// A one-line terminal progress bar for long runs, drawn on stderr with '\r'
// only when stderr is a terminal, so logs and pipes stay clean:
//   ADVI [##########..........]  50%  5000/10000  ELBO -123.4 | 2,300 it/s
#include <chrono>
#include <cstdint>
#include <string>

namespace elbo::io {

/// True when stderr is a terminal (isatty(2)).
bool stderr_is_terminal();

class ProgressBar {
 public:
  static constexpr int kWidth = 80;  // columns of the drawn line

  /// Draws only when `enabled` and stderr is a terminal; otherwise every call is a no-op.
  ProgressBar(int64_t total, std::string label, bool enabled = true);
  /// Calls finish() if the bar has drawn anything.
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  /// Records progress; redraws at most 10 times a second (and always on completion).
  void update(int64_t done, const std::string& status = "");
  /// Draws the last state and ends the line (if anything was drawn). Idempotent.
  void finish();

  bool active() const { return active_; }
  /// The text of the line for `done` and `status`: at most kWidth - 1 characters
  /// (so the terminal never wraps), without '\r' or newline.
  std::string render(int64_t done, const std::string& status) const;

 private:
  void draw(int64_t done, const std::string& status);

  int64_t total_;
  std::string label_;
  bool active_;
  bool drawn_ = false;
  bool finished_ = false;
  int64_t last_done_ = 0;
  int64_t last_drawn_done_ = -1;
  std::string last_status_;
  std::chrono::steady_clock::time_point last_draw_{};
};

/// Formats an integer with thousands separators: 2300 → "2,300".
std::string with_thousands(int64_t value);

}  // namespace elbo::io
