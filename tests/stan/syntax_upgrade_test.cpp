// Today's Stan syntax -> Stan 2.21's: each construct, line preservation, old
// programs untouched, errors naming the line, and (with Rscript) stanc 2.21
// generating the same C++ from an upgraded program as from its hand-written twin.
#include "elbo/stan/syntax_upgrade.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "elbo/core/error.hpp"

namespace elbo::stan {
namespace {

namespace fs = std::filesystem;

std::string upgraded(const std::string& program) {
  return upgrade_syntax(program, "test.stan").program;
}

long count_lines(const std::string& s) { return std::count(s.begin(), s.end(), '\n'); }

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

fs::path programs_dir() { return fs::path(ELBO_SOURCE_DIR) / "tests" / "stan" / "programs"; }

/// The error must name test.stan, `line` and `field`, plus `phrase`.
void expect_rejected(const std::string& program, long line, const std::string& field,
                     const std::string& phrase) {
  SCOPED_TRACE(program);
  try {
    upgrade_syntax(program, "test.stan");
    ADD_FAILURE() << "no InputError";
  } catch (const InputError& e) {
    const std::string what = e.what();
    EXPECT_EQ(e.file(), "test.stan");
    EXPECT_EQ(e.line(), line) << what;
    EXPECT_EQ(e.field(), field) << what;
    EXPECT_NE(what.find("test.stan:" + std::to_string(line) + ": field '" + field + "'"),
              std::string::npos)
        << what;
    EXPECT_NE(what.find(phrase), std::string::npos) << what;
  }
}

// --- array declarations -----------------------------------------------------------

TEST(SyntaxUpgrade, ArrayDeclarationsOfEveryElementType) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"array[N] real y;", "real y[N];"},
      {"array[N] int y;", "int y[N];"},
      {"array[N] vector[K] x;", "vector[K] x[N];"},
      {"array[N] row_vector[K] x;", "row_vector[K] x[N];"},
      {"array[N] matrix[R, C] x;", "matrix[R, C] x[N];"},
      {"array[N] simplex[K] x;", "simplex[K] x[N];"},
      {"array[N] ordered[K] x;", "ordered[K] x[N];"},
      {"array[N] positive_ordered[K] x;", "positive_ordered[K] x[N];"},
      {"array[N] unit_vector[K] x;", "unit_vector[K] x[N];"},
      {"array[N] cholesky_factor_corr[K] x;", "cholesky_factor_corr[K] x[N];"},
      {"array[N] cholesky_factor_cov[K, J] x;", "cholesky_factor_cov[K, J] x[N];"},
      {"array[N] corr_matrix[K] x;", "corr_matrix[K] x[N];"},
      {"array[N] cov_matrix[K] x;", "cov_matrix[K] x[N];"},
      {"array[N] real<lower=0> y;", "real<lower=0> y[N];"},
      {"array[N] vector<lower=0,upper=1>[K] x;", "vector<lower=0,upper=1>[K] x[N];"},
      {"array[N] real<upper=max(y)> w;", "real<upper=max(y)> w[N];"},
      {"array[N] real<lower=min(y[1:2]), upper=y[N]> w;",
       "real<lower=min(y[1:2]), upper=y[N]> w[N];"},
      {"array[N] real<offset=mu, multiplier=tau> w;", "real<offset=mu, multiplier=tau> w[N];"},
      {"array[N, M] int y;", "int y[N, M];"},
      {"array[N, M, 2] matrix<lower=0>[K, K] y;", "matrix<lower=0>[K, K] y[N, M, 2];"},
      {"array[size(x) + 1] real y;", "real y[size(x) + 1];"},
      {"array[0] int x_i;", "int x_i[0];"},
  };
  for (const auto& [before, after] : cases) {
    EXPECT_EQ(upgraded("data {\n  " + before + "\n}\n"), "data {\n  " + after + "\n}\n");
  }
}

TEST(SyntaxUpgrade, ArrayDeclareAndDefineAndSeveralPerLine) {
  EXPECT_EQ(upgraded("transformed data {\n  array[N] real y = rep_array(0.0, N);\n}\n"),
            "transformed data {\n  real y[N] = rep_array(0.0, N);\n}\n");
  EXPECT_EQ(upgraded("data {\n  array[N] real u; array[N, 2] int<lower=0> v; vector[N] w;\n}\n"),
            "data {\n  real u[N]; int<lower=0> v[N, 2]; vector[N] w;\n}\n");
  // Several declarators: one declaration each, on the same line.
  EXPECT_EQ(upgraded("data {\n  int<lower=0> N, K;\n}\n"),
            "data {\n  int<lower=0> N; int<lower=0> K;\n}\n");
  EXPECT_EQ(upgraded("transformed data {\n  array[N] real a = f(x, y), b;\n}\n"),
            "transformed data {\n  real a[N] = f(x, y); real b[N];\n}\n");
  // An initializer over several lines keeps its lines.
  const std::string multi =
      "transformed parameters {\n  array[N, 2] real z = integrate_ode_rk45(f, z0, 0,\n"
      "      ts, theta, x_r, x_i);\n}\n";
  EXPECT_EQ(upgraded(multi),
            "transformed parameters {\n  real z[N, 2] = integrate_ode_rk45(f, z0, 0,\n"
            "      ts, theta, x_r, x_i);\n}\n");
}

TEST(SyntaxUpgrade, LocalArraysInFunctionsLoopsAndBlocks) {
  const std::string program =
      "functions {\n"
      "  real f(real x) {\n"
      "    array[2] real v = {x, x};\n"
      "    return v[1];\n"
      "  }\n"
      "}\n"
      "model {\n"
      "  for (n in 1:N) {\n"
      "    array[K] real acc;\n"
      "    while (1) {\n"
      "      array[K, 2] int back;\n"
      "    }\n"
      "  }\n"
      "  {\n"
      "    array[N] vector[K] g;\n"
      "  }\n"
      "}\n";
  const std::string expected =
      "functions {\n"
      "  real f(real x) {\n"
      "    real v[2] = {x, x};\n"
      "    return v[1];\n"
      "  }\n"
      "}\n"
      "model {\n"
      "  for (n in 1:N) {\n"
      "    real acc[K];\n"
      "    while (1) {\n"
      "      int back[K, 2];\n"
      "    }\n"
      "  }\n"
      "  {\n"
      "    vector[K] g[N];\n"
      "  }\n"
      "}\n";
  EXPECT_EQ(upgraded(program), expected);
}

TEST(SyntaxUpgrade, ArrayTypeSplitOverLinesKeepsTheLineCount) {
  const std::string program = "data {\n  array[N]\n    real y;\n}\n";
  const std::string out = upgraded(program);
  EXPECT_EQ(count_lines(out), count_lines(program));
  EXPECT_EQ(out, "data {\n  \n    real y[N];\n}\n");
}

// --- function signatures ----------------------------------------------------------------

TEST(SyntaxUpgrade, FunctionArgumentAndReturnTypes) {
  const std::string program =
      "functions {\n"
      "  array[] real dz(real t, array[] real z,\n"
      "                  data array[] real x_r, data array[,] int x_i);\n"
      "  array[] vector vs(array[] vector v, array[,] matrix m) { return v; }\n"
      "  array[,] int twice(array[,] int a) { return a; }\n"
      "  real[] old(real[] x, data int[] y) { return x; }\n"
      "}\n";
  const std::string expected =
      "functions {\n"
      "  real[] dz(real t, real[] z,\n"
      "                  data real[] x_r, data int[,] x_i);\n"
      "  vector[] vs(vector[] v, matrix[,] m) { return v; }\n"
      "  int[,] twice(int[,] a) { return a; }\n"
      "  real[] old(real[] x, data int[] y) { return x; }\n"
      "}\n";
  EXPECT_EQ(upgraded(program), expected);
}

// --- unnormalized densities -----------------------------------------------------------

TEST(SyntaxUpgrade, TargetPlusUnnormalizedDensityBecomesSampling) {
  // `target += f_lupdf(y | θ)` is `y ~ f(θ)`: the same constants dropped.
  EXPECT_EQ(upgraded("model {\n  target += normal_lupdf(y | mu, sigma);\n}\n"),
            "model {\n  y ~ normal(mu, sigma);\n}\n");
  EXPECT_EQ(upgraded("model {\n  target += poisson_log_lupmf(k | f);\n}\n"),
            "model {\n  k ~ poisson_log(f);\n}\n");
  EXPECT_EQ(upgraded("model {\n  target += std_normal_lupdf(z);\n}\n"),
            "model {\n  z ~ std_normal();\n}\n");
  EXPECT_EQ(upgraded("model {\n  target += my_lupdf(y[1:2, k] | f(a, b), c);\n}\n"),
            "model {\n  y[1:2, k] ~ my(f(a, b), c);\n}\n");
  // Over two lines: the statement starts where it did, the arguments stay below.
  EXPECT_EQ(upgraded("model {\n  target += normal_lupdf(y |\n    mu, 1);\n}\n"),
            "model {\n  y ~ normal(\n    mu, 1);\n}\n");
}

TEST(SyntaxUpgrade, OtherUnnormalizedCallsAreRenamed) {
  const std::string program =
      "functions {\n"
      "  real foo_lpdf(real x, real m) { return normal_lupdf(x | m, 1); }\n"
      "  real bar_lupmf(int n, real l) { return poisson_lupmf(n | l); }\n"
      "}\n"
      "model {\n"
      "  target += foo_lupdf(y[1] | mu) + foo_lupdf(y[2] | mu);\n"
      "  y ~ foo(mu);\n"
      "  n ~ bar(mu);\n"
      "}\n";
  const std::string expected =
      "functions {\n"
      "  real foo_lpdf(real x, real m) { return normal_lpdf(x | m, 1); }\n"
      "  real bar_lpmf(int n, real l) { return poisson_lpmf(n | l); }\n"
      "}\n"
      "model {\n"
      "  target += foo_lpdf(y[1] | mu) + foo_lpdf(y[2] | mu);\n"
      "  y ~ foo(mu);\n"
      "  n ~ bar(mu);\n"
      "}\n";
  EXPECT_EQ(upgraded(program), expected);
}

TEST(SyntaxUpgrade, TargetFunctionIsLeftAlone) {
  const std::string program = "model {\n  print(\"lp = \", target());\n  target += 1;\n}\n";
  EXPECT_EQ(upgraded(program), program);
}

// --- blocks and statements --------------------------------------------------------------

TEST(SyntaxUpgrade, ProfileBlocksBecomePlainBlocks) {
  EXPECT_EQ(upgraded("model {\n  profile(\"likelihood\") {\n    y ~ normal(mu, 1);\n  }\n}\n"),
            "model {\n  {\n    y ~ normal(mu, 1);\n  }\n}\n");
  // A call named profile (old program) is not a block.
  const std::string call = "model {\n  profile(\"x\");\n}\n";
  EXPECT_EQ(upgraded(call), call);
}

TEST(SyntaxUpgrade, LocalDeclarationAfterAStatementOpensABlock) {
  const std::string program =
      "model {\n"
      "  real a = 1;\n"
      "  a = 2;\n"
      "  array[K] real b;\n"
      "  b[1] = a;\n"
      "  real c;\n"
      "  if (a > 0) {\n"
      "    a = 3;\n"
      "    int d;\n"
      "  } else a = 4;\n"
      "}\n";
  const std::string expected =
      "model {\n"
      "  real a = 1;\n"
      "  a = 2;\n"
      "  { real b[K];\n"
      "  b[1] = a;\n"
      "  { real c;\n"
      "  if (a > 0) {\n"
      "    a = 3;\n"
      "    { int d;\n"
      "  }} else a = 4;\n"
      "}}}\n";
  const SyntaxUpgrade up = upgrade_syntax(program, "test.stan");
  EXPECT_EQ(up.program, expected);
  EXPECT_NE(std::find(up.changes.begin(), up.changes.end(),
                      "line 4: declaration after a statement -> opens a block '{' that closes "
                      "at line 11"),
            up.changes.end());
}

TEST(SyntaxUpgrade, LateDeclarationInAFunctionBody) {
  EXPECT_EQ(upgraded("functions {\n  real f(real x) {\n    real s = x;\n    s += 1;\n"
                     "    real t = s;\n    return t;\n  }\n}\n"),
            "functions {\n  real f(real x) {\n    real s = x;\n    s += 1;\n"
            "    { real t = s;\n    return t;\n  }}\n}\n");
}

TEST(SyntaxUpgrade, LateBlockVariableMovesUpOntoTheLastLeadingDeclaration) {
  // A block variable cannot hide in a new block: its declaration moves up onto
  // the line that ends the leading declarations, its initializer stays.
  const std::string program =
      "transformed data {\n"
      "  int K = 3;\n"
      "  vector[N] x2 = x;\n"
      "  for (n in 1:N) x2[n] = 2 * x[n];\n"
      "  real m = mean(x2);\n"
      "  array[K] real y;\n"
      "  y = rep_array(m, K);\n"
      "}\n"
      "generated quantities {\n"
      "  print(1);\n"
      "  array[N] int<lower=0> c = rep_array(0, N);\n"
      "}\n";
  const std::string expected =
      "transformed data {\n"
      "  int K = 3;\n"
      "  vector[N] x2 = x; real m; real y[K];\n"
      "  for (n in 1:N) x2[n] = 2 * x[n];\n"
      "  m = mean(x2);\n"
      "  \n"
      "  y = rep_array(m, K);\n"
      "}\n"
      "generated quantities { int<lower=0> c[N];\n"
      "  print(1);\n"
      "  c = rep_array(0, N);\n"
      "}\n";
  const SyntaxUpgrade up = upgrade_syntax(program, "test.stan");
  EXPECT_EQ(up.program, expected);
  EXPECT_NE(std::find(up.changes.begin(), up.changes.end(),
                      "line 5: real m = mean(x2) -> m = mean(x2), 'real m;' moved to the end of "
                      "line 3 (stanc 2.21 wants block variables declared first)"),
            up.changes.end());
}

// --- comments, strings, includes --------------------------------------------------------

TEST(SyntaxUpgrade, CommentsAndStringsAreNotRewritten) {
  const std::string program =
      "data {\n"
      "  // array[N] real a; x_lupdf( profile(\"p\") {\n"
      "  /* array[N] real b;\n"
      "     real c, d; */\n"
      "  array[N] real y; // array[N] real e;\n"
      "}\n"
      "model {\n"
      "  print(\"array[N] real x; y_lupdf(y | 1) %/% .^ complex z\");\n"
      "  reject(\"real a, b; tuple(real, int) t\");\n"
      "}\n";
  const std::string expected =
      "data {\n"
      "  // array[N] real a; x_lupdf( profile(\"p\") {\n"
      "  /* array[N] real b;\n"
      "     real c, d; */\n"
      "  real y[N]; // array[N] real e;\n"
      "}\n"
      "model {\n"
      "  print(\"array[N] real x; y_lupdf(y | 1) %/% .^ complex z\");\n"
      "  reject(\"real a, b; tuple(real, int) t\");\n"
      "}\n";
  EXPECT_EQ(upgraded(program), expected);
}

TEST(SyntaxUpgrade, IncludeLinesAreLeftAlone) {
  const std::string program =
      "functions {\n#include my_functions.stan\n}\ndata {\n  array[N] real y;\n}\n";
  EXPECT_EQ(upgraded(program),
            "functions {\n#include my_functions.stan\n}\ndata {\n  real y[N];\n}\n");
}

// --- old syntax ---------------------------------------------------------------------------

TEST(SyntaxUpgrade, OldSyntaxProgramsPassThroughByteIdentical) {
  const std::vector<std::string> programs = {
      "# old-style comment\n"
      "functions {\n"
      "  real[] f(real t, real[] y, data real[,] x, int[] k) { return y; }\n"
      "  real g_log(real x) { return -x; }\n"
      "}\n"
      "data {\n"
      "  int<lower=0> N;\n"
      "  real array[N];   // `array` was a legal name before 2.26\n"
      "  vector<lower=0>[N] v[2];\n"
      "}\n"
      "parameters {\n"
      "  real mu;\n"
      "}\n"
      "model {\n"
      "  real lp;\n"
      "  lp <- 0;\n"
      "  array[1] ~ normal(mu, 1);\n"
      "  increment_log_prob(-0.5 * mu^2);\n"
      "  target += normal_lpdf(array | mu, 1);\n"
      "  print(target(), get_lp());\n"
      "}\n",
      "model {\r\n  real x;\r\n  x = 1;\r\n}\r\n",  // CRLF
      "",
      "data { int N; }",  // no final newline
  };
  for (const std::string& p : programs) {
    const SyntaxUpgrade up = upgrade_syntax(p, "test.stan");
    EXPECT_EQ(up.program, p);
    EXPECT_TRUE(up.changes.empty()) << up.changes.front();
  }
  for (const char* name : {"eight_schools", "logistic_regression", "lotka_volterra"}) {
    const std::string old = read_file(programs_dir() / (std::string(name) + ".old.stan"));
    ASSERT_FALSE(old.empty()) << name;
    EXPECT_EQ(upgraded(old), old) << name;
  }
}

// --- changes and lines ------------------------------------------------------------------

TEST(SyntaxUpgrade, ChangesNameTheLineAndTheRewrite) {
  const SyntaxUpgrade up = upgrade_syntax(
      "data {\n  int N;\n  array[N] real y;\n}\nmodel {\n  profile(\"a\") {\n"
      "    target += normal_lupdf(y | 0, 1);\n  }\n}\n",
      "test.stan");
  const std::vector<std::string> expected = {
      "line 3: array[N] real y -> real y[N]",
      "line 6: profile(\"a\") { -> {",
      "line 7: target += normal_lupdf(y | 0, 1); -> y ~ normal(0, 1);",
  };
  EXPECT_EQ(up.changes, expected);
  const SyntaxUpgrade sig = upgrade_syntax(
      "functions {\n  real f(data array[] real x) { return foo_lupdf(x[1] | 0); }\n}\n", "t");
  const std::vector<std::string> expected_sig = {
      "line 2: array[] real -> real[]",
      "line 2: foo_lupdf -> foo_lpdf (2.21 has no unnormalized call; constants are kept)",
  };
  EXPECT_EQ(sig.changes, expected_sig);
}

TEST(SyntaxUpgrade, LineCountIsPreserved) {
  for (const char* name : {"eight_schools", "logistic_regression", "lotka_volterra"}) {
    const std::string program = read_file(programs_dir() / (std::string(name) + ".new.stan"));
    ASSERT_FALSE(program.empty()) << name;
    const std::string out = upgraded(program);
    EXPECT_EQ(count_lines(out), count_lines(program)) << name;
    EXPECT_NE(out, program) << name;
  }
}

TEST(SyntaxUpgrade, EveryPosteriordbProgramUpgradesAndIsThenStable) {
  const fs::path dir = fs::path(ELBO_SOURCE_DIR) / ".." / "shared" / "posteriordb";
  if (!fs::is_directory(dir)) GTEST_SKIP() << "no " << dir;
  int programs = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".stan") continue;
    ++programs;
    const std::string program = read_file(entry.path());
    const std::string out = upgraded(program);
    EXPECT_EQ(count_lines(out), count_lines(program)) << entry.path();
    EXPECT_EQ(out.find("array["), std::string::npos) << entry.path();
    EXPECT_EQ(upgraded(out), out) << entry.path();  // the result is old syntax
  }
  EXPECT_GT(programs, 0);
}

// --- no 2.21 form -----------------------------------------------------------------------

TEST(SyntaxUpgrade, ConstructsWithoutA221FormAreRejectedWithTheirLine) {
  expect_rejected("data {\n  int N;\n  complex z;\n}\n", 3, "complex", "complex numbers");
  expect_rejected("data {\n  array[N] complex z;\n}\n", 2, "complex", "complex numbers");
  expect_rejected("model {\n\n  complex_vector[3] v;\n}\n", 3, "complex_vector", "complex");
  expect_rejected("model {\n  real z = 3 + 2i;\n}\n", 2, "2i", "imaginary");
  expect_rejected("functions {\n  real f(complex_matrix m) { return 1; }\n}\n", 2,
                  "complex_matrix", "complex");
  expect_rejected("data {\n  tuple(real, int) p;\n}\n", 2, "tuple", "tuples");
  expect_rejected("data {\n  array[2] tuple(real, array[3] int) p;\n}\n", 2, "tuple", "tuples");
  expect_rejected("parameters {\n  sum_to_zero_vector[3] v;\n}\n", 2, "sum_to_zero_vector",
                  "constraint");
  expect_rejected("transformed data {\n  int N = 7;\n  int h = N %/% 2;\n}\n", 3, "%/%",
                  "integer division");
  expect_rejected("model {\n  vector[3] v = w .^ 2;\n}\n", 2, ".^", "elementwise power");
  expect_rejected("functions {\n  real f(real x) { return x; }\n  real f(int x) { return x; }\n}\n",
                  3, "f", "overloaded");
  // A block variable whose sizes a statement assigned first cannot move up.
  expect_rejected("transformed data {\n  int K = 3;\n  K = 4;\n  array[K] real b;\n}\n", 4,
                  "array[K] real b", "declared before its first statement");
  expect_rejected("generated quantities {\n  real a;\n  a = 1;\n  real b = 1, c;\n}\n", 4,
                  "real b", "declared before its first statement");
  // A forward declaration and its definition are not an overload.
  EXPECT_NO_THROW(upgraded("functions {\n  real f(real x);\n  real f(real x) { return x; }\n}\n"));
  // Old programs may use the newer type names as ordinary names.
  const std::string old = "model {\n  real tuple;\n  tuple = complex(1) + 2;\n}\n";
  EXPECT_EQ(upgraded(old), old);
}

// --- stanc 2.21 agrees -----------------------------------------------------------------

/// stanc 2.21's C++ for each program (through rstan, one R session for all); the
/// version/date comment line is dropped. "" for a program stanc rejects.
std::vector<std::string> stanc_cpp(const std::vector<fs::path>& programs, const fs::path& dir) {
  const fs::path script = dir / "stanc.R";
  std::ofstream(script) << "args <- commandArgs(TRUE)\n"
                           "for (i in seq(1, length(args), 2)) {\n"
                           "  r <- tryCatch(rstan::stanc(file = args[i], model_name = \"m\",\n"
                           "                             obfuscate_model_name = FALSE),\n"
                           "                error = function(e) {\n"
                           "                  message(conditionMessage(e)); NULL })\n"
                           "  if (!is.null(r)) writeLines(r$cppcode, args[i + 1])\n"
                           "}\n";
  std::string command = "Rscript '" + script.string() + "'";
  std::vector<fs::path> outputs;
  for (const fs::path& p : programs) {
    outputs.push_back(dir / (p.filename().string() + ".cpp"));
    command += " '" + p.string() + "' '" + outputs.back().string() + "'";
  }
  command += " 2>'" + (dir / "stanc.log").string() + "'";
  EXPECT_EQ(std::system(command.c_str()), 0) << read_file(dir / "stanc.log");
  std::vector<std::string> out;
  for (const fs::path& o : outputs) {
    std::string cpp = read_file(o);
    if (cpp.rfind("// Code generated by Stan version", 0) == 0) cpp.erase(0, cpp.find('\n') + 1);
    out.push_back(cpp);
  }
  return out;
}

TEST(SyntaxUpgrade, Stanc221GeneratesTheSameCppAsFromTheHandWrittenTwin) {
  if (std::system("command -v Rscript >/dev/null 2>&1") != 0) GTEST_SKIP() << "no Rscript";
  const fs::path dir =
      fs::temp_directory_path() / ("elbo_syntax_upgrade_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::vector<std::string> names = {"eight_schools", "logistic_regression", "lotka_volterra"};
  std::vector<fs::path> programs;
  for (const std::string& name : names) {
    const fs::path upgraded_path = dir / (name + ".upgraded.stan");
    std::ofstream(upgraded_path, std::ios::binary)
        << upgraded(read_file(programs_dir() / (name + ".new.stan")));
    programs.push_back(upgraded_path);
    programs.push_back(programs_dir() / (name + ".old.stan"));
  }
  const std::vector<std::string> cpp = stanc_cpp(programs, dir);
  for (std::size_t i = 0; i < names.size(); ++i) {
    SCOPED_TRACE(names[i]);
    ASSERT_FALSE(cpp[2 * i].empty()) << "stanc rejected the upgraded program:\n"
                                     << read_file(dir / "stanc.log");
    ASSERT_FALSE(cpp[2 * i + 1].empty()) << "stanc rejected the old twin";
    EXPECT_TRUE(cpp[2 * i] == cpp[2 * i + 1]) << "the generated C++ differs";
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace elbo::stan
