#include "elbo/stan/subprocess.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "elbo/core/error.hpp"

namespace elbo::stan {

namespace {

// A temporary file that is removed when it goes out of scope.
struct TempFile {
  std::string path;
  int fd = -1;
  TempFile() {
    std::string pattern = (std::filesystem::temp_directory_path() / "elbo-XXXXXX").string();
    fd = mkstemp(pattern.data());
    if (fd < 0) throw EnvironmentError(std::string("cannot create a temporary file: ") + std::strerror(errno));
    path = pattern;
  }
  ~TempFile() {
    if (fd >= 0) close(fd);
    unlink(path.c_str());
  }
  std::string read() const {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    std::string text = s.str();
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    return text;
  }
};

}  // namespace

ProcessResult run_process(const std::vector<std::string>& argv) {
  if (argv.empty()) throw EnvironmentError("run_process: no program given");
  // Output goes to files rather than pipes: nothing to drain while waiting.
  TempFile out, err;
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = fork();
  if (pid < 0) throw EnvironmentError(std::string("cannot start ") + argv[0] + ": " + std::strerror(errno));
  if (pid == 0) {
    const int null_in = open("/dev/null", O_RDONLY);
    if (null_in >= 0) dup2(null_in, 0);
    dup2(out.fd, 1);
    dup2(err.fd, 2);
    execvp(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw EnvironmentError(std::string("waiting for ") + argv[0] + " failed");
  }
  ProcessResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = out.read();
  r.err = err.read();
  if (r.exit_code == 127 && r.err.empty()) r.err = "cannot run " + argv[0];
  return r;
}

}  // namespace elbo::stan
