// Progress bar: silent unless stderr is a terminal; throttled; fits 80 columns.
#include "elbo/io/progress_bar.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "io/io_test_util.hpp"

namespace elbo::io {
namespace {

using testing::slurp;
using testing::TempDir;

/// Points file descriptor 2 at `fd` for its lifetime.
class StderrRedirect {
 public:
  explicit StderrRedirect(int fd) {
    std::fflush(stderr);
    saved_ = ::dup(STDERR_FILENO);
    ::dup2(fd, STDERR_FILENO);
  }
  ~StderrRedirect() {
    std::fflush(stderr);
    ::dup2(saved_, STDERR_FILENO);
    ::close(saved_);
  }

 private:
  int saved_;
};

TEST(ProgressBar, RenderFormat) {
  ProgressBar bar(10000, "ADVI", /*enabled=*/false);
  EXPECT_EQ(bar.render(5000, "ELBO -123.4 | 2,300 it/s"),
            "ADVI [##########..........]  50%  5,000/10,000  ELBO -123.4 | 2,300 it/s");
  EXPECT_EQ(bar.render(0, ""), "ADVI [....................]   0%  0/10,000");
  EXPECT_EQ(bar.render(10000, ""), "ADVI [####################] 100%  10,000/10,000");
  // Past the end is shown as complete; a long status is cut to 79 columns.
  EXPECT_NE(bar.render(20000, "").find("100%"), std::string::npos);
  const std::string long_line = bar.render(1, std::string(200, 'x') + "\nmore");
  EXPECT_EQ(long_line.size(), static_cast<size_t>(ProgressBar::kWidth - 1));
  EXPECT_EQ(long_line.find('\n'), std::string::npos);
}

TEST(ProgressBar, ThousandsSeparators) {
  EXPECT_EQ(with_thousands(0), "0");
  EXPECT_EQ(with_thousands(999), "999");
  EXPECT_EQ(with_thousands(1000), "1,000");
  EXPECT_EQ(with_thousands(1234567), "1,234,567");
  EXPECT_EQ(with_thousands(-1234), "-1,234");
}

TEST(ProgressBar, SilentWhenStderrIsNotATerminal) {
  TempDir dir;
  const std::string path = dir.file("stderr.txt");
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ASSERT_GE(fd, 0);
  {
    StderrRedirect redirect(fd);
    EXPECT_FALSE(stderr_is_terminal());
    ProgressBar enabled(100, "fit", /*enabled=*/true);
    EXPECT_FALSE(enabled.active());
    ProgressBar disabled(100, "fit", /*enabled=*/false);
    for (int i = 0; i <= 100; ++i) {
      enabled.update(i, "ELBO -1");
      disabled.update(i, "ELBO -1");
    }
    enabled.finish();
    disabled.finish();
  }
  ::close(fd);
  EXPECT_EQ(slurp(path), "");
}

/// Opens a pseudo-terminal; returns false (and skips) where there is none.
bool open_pty(int& master, int& slave) {
  master = ::posix_openpt(O_RDWR | O_NOCTTY);
  if (master < 0 || ::grantpt(master) != 0 || ::unlockpt(master) != 0) return false;
  const char* name = ::ptsname(master);
  if (name == nullptr) return false;
  slave = ::open(name, O_RDWR | O_NOCTTY);
  if (slave < 0) return false;
  ::fcntl(master, F_SETFL, ::fcntl(master, F_GETFL) | O_NONBLOCK);
  return true;
}

void drain(int master, std::string& out) {
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(master, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
}

TEST(ProgressBar, DrawsOnATerminalAtMostTenTimesASecond) {
  int master = -1, slave = -1;
  if (!open_pty(master, slave)) GTEST_SKIP() << "no pseudo-terminal available";
  std::string out;
  double elapsed_ms = 0;
  bool active = false;
  {
    StderrRedirect redirect(slave);
    ASSERT_TRUE(stderr_is_terminal());
    ProgressBar bar(1000, "fit", true);
    active = bar.active();
    const auto start = std::chrono::steady_clock::now();
    for (int i = 1; i <= 1000; ++i) {
      bar.update(i, "ELBO -" + std::to_string(i));
      drain(master, out);
    }
    elapsed_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    bar.finish();
    bar.finish();  // idempotent
  }
  drain(master, out);
  ::close(slave);
  ::close(master);
  EXPECT_TRUE(active);
  // Each draw starts with '\r'; the terminal turns the final '\n' into "\r\n".
  int draws = 0;
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] == '\r' && (i + 1 == out.size() || out[i + 1] != '\n')) ++draws;
  }
  // First update, completion, finish(); plus one per 100 ms the loop took.
  EXPECT_GE(draws, 3) << out;
  EXPECT_LE(draws, 3 + static_cast<int>(elapsed_ms / 100.0) + 1) << out;
  EXPECT_NE(out.find("fit [####################] 100%  1,000/1,000  ELBO -1000"), std::string::npos) << out;
  EXPECT_EQ(out.substr(out.size() - 2), "\r\n");
  // Every drawn line is exactly 79 columns (padded so shorter lines erase longer ones).
  const size_t first = out.find('\r');
  const size_t second = out.find('\r', first + 1);
  EXPECT_EQ(second - first - 1, static_cast<size_t>(ProgressBar::kWidth - 1));
}

TEST(ProgressBar, FinishWithoutUpdatesWritesNothing) {
  int master = -1, slave = -1;
  if (!open_pty(master, slave)) GTEST_SKIP() << "no pseudo-terminal available";
  std::string out;
  {
    StderrRedirect redirect(slave);
    ProgressBar bar(10, "x", true);
    bar.finish();
  }
  drain(master, out);
  ::close(slave);
  ::close(master);
  EXPECT_EQ(out, "");
}

}  // namespace
}  // namespace elbo::io
