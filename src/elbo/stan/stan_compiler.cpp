#include "elbo/stan/stan_compiler.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string_view>

#include "elbo/core/error.hpp"
#include "elbo/stan/stan_toolchain.hpp"
#include "elbo/stan/subprocess.hpp"
#include "elbo/stan/syntax_upgrade.hpp"

namespace elbo::stan {

// The shim and its C header, embedded at build time (cmake/embed_text.cmake),
// so an installed elbo compiles programs without its source tree.
extern const std::string_view stan_model_shim_source;
extern const std::string_view stan_model_abi_header;

namespace {

namespace fs = std::filesystem;

// Included first by every program; precompiled once per toolchain.
constexpr std::string_view kPrecompiledHeader =
    "#include <stan/math/prim/mat/fun/Eigen.hpp>\n"
    "#include <stan/model/model_header.hpp>\n"
    "#include <stan/model/log_prob_grad.hpp>\n"
    "#include <stan/services/util/create_rng.hpp>\n";

// FNV-1a, 64 bits: a stable key across runs and machines.
struct Hash {
  uint64_t h = 1469598103934665603ULL;
  Hash& add(std::string_view s) {
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ULL;
    h = (h ^ 0xff) * 1099511628211ULL;  // separator, so ("ab","c") != ("a","bc")
    return *this;
  }
  std::string hex() const {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    return buf;
  }
};

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

void write_file(const fs::path& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) throw EnvironmentError("cannot write " + path.string());
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, 0, "", "cannot open the Stan program");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// An exclusive lock on a file in the cache, held while one process builds
// what others would build too (ctest -j, two fits started together).
class CacheLock {
 public:
  explicit CacheLock(const fs::path& path) {
    fd_ = open(path.c_str(), O_CREAT | O_RDWR, 0644);
    if (fd_ < 0 || flock(fd_, LOCK_EX) != 0) {
      throw EnvironmentError("cannot lock " + path.string() + " in the Stan cache");
    }
  }
  ~CacheLock() {
    if (fd_ >= 0) close(fd_);  // releases the lock
  }
  CacheLock(const CacheLock&) = delete;
  CacheLock& operator=(const CacheLock&) = delete;

 private:
  int fd_ = -1;
};

// stanc's model name: the file's stem as a C++ identifier.
std::string model_name_for(const std::string& stan_file) {
  std::string stem = fs::path(stan_file).stem().string();
  std::string name;
  for (char c : stem) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) name = "m_" + name;
  return name;
}

// stanc2's parser messages as one line: "file:LINE: column C: message".
[[noreturn]] void throw_stanc_error(const std::string& stan_file, const std::string& err) {
  std::istringstream lines(err);
  std::string line, message, expected;
  long at_line = 0, at_column = 0;
  bool in_messages = false;
  static const std::regex where(R"(error in '.*' at line ([0-9]+), column ([0-9]+))");
  std::smatch m;
  std::string last;
  while (std::getline(lines, line)) {
    if (line.find("MESSAGE(S) FROM PARSER") != std::string::npos) {
      in_messages = true;
      continue;
    }
    if (std::regex_search(line, m, where)) {
      at_line = std::stol(m[1]);
      at_column = std::stol(m[2]);
      in_messages = false;
      continue;
    }
    if (line.rfind("PARSER EXPECTED:", 0) == 0) {
      expected = line;
      // A list of alternatives spans lines until its closing '>'.
      while (expected.find('>') == std::string::npos && std::getline(lines, line)) {
        expected += " " + line.substr(line.find_first_not_of(' ') == std::string::npos
                                          ? 0 : line.find_first_not_of(' '));
      }
      continue;
    }
    if (in_messages && !line.empty()) message += (message.empty() ? "" : " ") + line;
    if (!line.empty() && line.find("codetools") == std::string::npos &&
        line.find("failed to parse Stan model") == std::string::npos) {
      last = line;
    }
  }
  if (!expected.empty()) message += (message.empty() ? "" : "; ") + expected;
  if (message.empty()) message = last.empty() ? "stanc failed" : last;
  if (at_column > 0) message = "column " + std::to_string(at_column) + ": " + message;
  throw InputError(stan_file, at_line, "", "stanc: " + message);
}

// Builds the precompiled header of Stan Math (once per toolchain; ~1 minute).
fs::path ensure_precompiled_header(const fs::path& cache, const StanToolchain& t,
                                   const StanCompileOptions& options) {
  Hash key;
  key.add(kPrecompiledHeader).add(t.compiler_version).add(t.cxx);
  for (const auto& f : t.compile_flags) key.add(f);
  const fs::path dir = cache / ("pch-" + key.hex());
  const fs::path header = dir / "stan_pch.hpp";
  const fs::path gch = dir / "stan_pch.hpp.gch";
  if (fs::exists(gch)) return header;
  fs::create_directories(dir);
  CacheLock lock(dir / "lock");
  if (fs::exists(gch)) return header;
  if (options.status) options.status("precompiling Stan Math's headers (once per machine)");
  write_file(header, kPrecompiledHeader);
  const fs::path tmp = dir / ("stan_pch.hpp.gch.tmp" + std::to_string(getpid()));
  std::vector<std::string> argv{t.cxx};
  argv.insert(argv.end(), t.compile_flags.begin(), t.compile_flags.end());
  argv.insert(argv.end(), {"-x", "c++-header", header.string(), "-o", tmp.string()});
  auto r = run_process(argv);
  if (r.exit_code != 0) {
    fs::remove(tmp);
    write_file(dir / "pch.log", r.err);
    throw EnvironmentError("precompiling Stan Math's headers failed (log: " +
                           (dir / "pch.log").string() + "); is r-cran-stanheaders installed?");
  }
  fs::rename(tmp, gch);
  return header;
}

}  // namespace

std::string default_stan_cache_dir() {
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  if (xdg && *xdg) return (fs::path(xdg) / "elbo" / "stan").string();
  const char* home = std::getenv("HOME");
  if (home && *home) return (fs::path(home) / ".cache" / "elbo" / "stan").string();
  return (fs::temp_directory_path() / "elbo-cache" / "stan").string();
}

CompiledStanProgram compile_stan_program(const std::string& stan_file,
                                         const StanCompileOptions& options) {
  CompiledStanProgram out;
  out.stan_file = stan_file;
  std::error_code ec;
  if (!fs::is_regular_file(stan_file, ec)) {
    throw InputError(stan_file, 0, "", "no such Stan program file");
  }
  auto upgraded = upgrade_syntax(read_text(stan_file), stan_file);
  out.syntax_changes = upgraded.changes;
  const auto& t = stan_toolchain();
  const std::string name = model_name_for(stan_file);

  Hash key;
  key.add(upgraded.program).add(name).add(stan_model_shim_source).add(stan_model_abi_header);
  key.add(t.compiler_version).add(t.cxx);
  for (const auto& f : t.compile_flags) key.add(f);
  for (const auto& f : t.link_inputs) key.add(f);
  out.key = key.hex();

  const fs::path cache = options.cache_dir.empty() ? default_stan_cache_dir() : options.cache_dir;
  const fs::path dir = cache / out.key;
  out.library = (dir / "model.so").string();
  out.translated = (dir / "program.stan").string();
  try {
    fs::create_directories(dir);
  } catch (const fs::filesystem_error& e) {
    throw EnvironmentError("cannot create the Stan cache " + dir.string() + ": " + e.what());
  }
  if (!options.force && fs::exists(out.library)) {
    out.cached = true;
    return out;
  }
  CacheLock lock(dir / "lock");
  if (!options.force && fs::exists(out.library)) {
    out.cached = true;
    return out;
  }

  // stanc2 (inside rstan) → C++. Its parse errors go to stderr.
  write_file(out.translated, upgraded.program);
  const fs::path cpp = dir / "model.hpp";
  if (options.status) options.status("translating " + stan_file + " with stanc");
  auto start = std::chrono::steady_clock::now();
  auto r = run_process({t.rscript, "--vanilla", "-e",
                        "a <- commandArgs(TRUE); "
                        "r <- tryCatch(rstan::stanc(file = a[1], model_name = a[2], "
                        "obfuscate_model_name = FALSE, verbose = FALSE), "
                        "error = function(e) { message(conditionMessage(e)); quit(status = 3) }); "
                        "writeLines(r$cppcode, a[3])",
                        out.translated, name, cpp.string()});
  out.stanc_seconds = seconds_since(start);
  if (r.exit_code == 3) throw_stanc_error(stan_file, r.err);
  if (r.exit_code != 0 || !fs::exists(cpp)) {
    throw EnvironmentError("running stanc through " + t.rscript + " failed: " +
                           (r.err.empty() ? r.out : r.err.substr(r.err.rfind('\n') + 1)));
  }

  // C++ → shared library, with the shim, against the precompiled header.
  start = std::chrono::steady_clock::now();
  const fs::path pch = ensure_precompiled_header(cache, t, options);
  write_file(dir / "stan_model_abi.h", stan_model_abi_header);
  write_file(dir / "stan_model_shim.cpp", stan_model_shim_source);
  write_file(dir / "model.cpp", "#include \"model.hpp\"\n#include \"stan_model_shim.cpp\"\n");
  if (options.status) options.status("compiling " + stan_file + " (C++)");
  const fs::path tmp = dir / ("model.so.tmp" + std::to_string(getpid()));
  std::vector<std::string> argv{t.cxx};
  argv.insert(argv.end(), t.compile_flags.begin(), t.compile_flags.end());
  argv.insert(argv.end(), {"-include", pch.string(), "-shared", (dir / "model.cpp").string(),
                           "-o", tmp.string()});
  argv.insert(argv.end(), t.link_inputs.begin(), t.link_inputs.end());
  r = run_process(argv);
  out.compile_seconds = seconds_since(start);
  if (r.exit_code != 0) {
    fs::remove(tmp, ec);
    const fs::path log = dir / "compile.log";
    write_file(log, r.err);
    std::string first_error;
    std::istringstream lines(r.err);
    std::string line;
    while (first_error.empty() && std::getline(lines, line)) {
      if (line.find("error") != std::string::npos) first_error = line;
    }
    throw EnvironmentError("compiling the C++ of " + stan_file + " failed: " + first_error +
                           " (full log: " + log.string() + ")");
  }
  fs::rename(tmp, out.library);
  return out;
}

}  // namespace elbo::stan
