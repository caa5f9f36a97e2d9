#include "elbo/io/output_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <mutex>
#include <set>

#include "elbo/core/error.hpp"

namespace elbo::io {

void lock_output_directory(const std::string& dir) {
  static std::mutex mutex;
  static std::set<std::string> held;  // canonical paths; their descriptors stay open
  std::error_code ec;
  const std::string key = std::filesystem::weakly_canonical(dir, ec).string();
  std::lock_guard<std::mutex> guard(mutex);
  if (held.count(key)) return;
  const std::string lock_path = (std::filesystem::path(dir) / ".elbo.lock").string();
  const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return;  // a read-only directory fails later, naming the file it cannot write
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    if (err == EWOULDBLOCK) {
      // The holder writes its pid just after taking the lock: give it a few ms.
      char pid[32] = {0};
      ssize_t n = 0;
      for (int tries = 0; tries < 20 && (n = ::pread(fd, pid, sizeof pid - 1, 0)) <= 0; ++tries)
        ::usleep(1000);
      ::close(fd);
      std::string holder = n > 0 ? std::string(pid, static_cast<size_t>(n)) : "";
      while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) holder.pop_back();
      const std::string who = holder.empty() ? "" : " (pid " + holder + ")";
      throw InputError(dir, 0, "", "another elbo run" + who +
                                       " is writing into this directory; give this run another --output");
    }
    ::close(fd);
    return;  // no flock here (some network file systems): run unlocked
  }
  const std::string me = std::to_string(::getpid());
  if (::ftruncate(fd, 0) == 0) (void)!::pwrite(fd, me.data(), me.size(), 0);
  held.insert(key);
}

}  // namespace elbo::io
