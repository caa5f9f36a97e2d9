// Bad Stan input is one line that names the file and the line or variable:
// a syntax error, data missing a variable, a wrong dimension, a value that
// violates a data constraint, a program with no parameters, a missing file.
#include <gtest/gtest.h>

#include <string>

#include "elbo/core/error.hpp"
#include "stan_test_util.hpp"

namespace elbo::stan {
namespace {

using test::load;
using test::program_path;
using test::write_temp;

// Runs f, which must throw E; returns the message.
template <typename E, typename F>
std::string message_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  ADD_FAILURE() << "no exception of the expected type";
  return "";
}

void expect_one_line(const std::string& message) {
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  EXPECT_FALSE(message.empty());
}

TEST(StanErrors, SyntaxErrorNamesTheUsersLine) {
  const auto file = write_temp("syntax_error.stan",
                               "data {\n  array[3] real y;\n}\nparameters {\n  real mu;\n}\n"
                               "model {\n  y ~ normal(mu, 1)\n  mu ~ normal(0, 1);\n}\n");
  auto m = message_of<InputError>([&] { load(file, R"({"y": [1, 2, 3]})"); });
  expect_one_line(m);
  EXPECT_NE(m.find("syntax_error.stan:9:"), std::string::npos) << m;  // stanc reports the next token
  const auto unknown = write_temp("unknown_variable.stan",
                                  "parameters {\n  real mu;\n}\nmodel {\n  z ~ normal(mu, 1);\n}\n");
  m = message_of<InputError>([&] { load(unknown, ""); });
  expect_one_line(m);
  EXPECT_NE(m.find("unknown_variable.stan:5:"), std::string::npos) << m;
  EXPECT_NE(m.find("\"z\" does not exist"), std::string::npos) << m;
}

TEST(StanErrors, MissingDataVariable) {
  auto m = message_of<InputError>([&] {
    load(program_path("eight_schools_builtin.stan"), R"({"J": 8, "y": [1, 2, 3, 4, 5, 6, 7, 8]})",
         "missing_sigma.json");
  });
  expect_one_line(m);
  EXPECT_NE(m.find("missing_sigma.json"), std::string::npos) << m;
  EXPECT_NE(m.find("'sigma'"), std::string::npos) << m;
}

TEST(StanErrors, WrongDimension) {
  auto m = message_of<InputError>([&] {
    load(program_path("eight_schools_builtin.stan"),
         R"({"J": 8, "y": [1, 2, 3, 4, 5, 6, 7], "sigma": [1, 1, 1, 1, 1, 1, 1, 1]})", "short_y.json");
  });
  expect_one_line(m);
  EXPECT_NE(m.find("'y'"), std::string::npos) << m;
  EXPECT_NE(m.find("(7)"), std::string::npos) << m;
  EXPECT_NE(m.find("(8)"), std::string::npos) << m;
}

TEST(StanErrors, ConstraintViolatedByTheData) {
  auto m = message_of<InputError>([&] {
    load(program_path("eight_schools_builtin.stan"),
         R"({"J": 8, "y": [1, 2, 3, 4, 5, 6, 7, 8], "sigma": [1, 1, -1, 1, 1, 1, 1, 1]})",
         "negative_sigma.json");
  });
  expect_one_line(m);
  EXPECT_NE(m.find("negative_sigma.json"), std::string::npos) << m;
  EXPECT_NE(m.find("sigma"), std::string::npos) << m;
  EXPECT_NE(m.find("-1"), std::string::npos) << m;
}

TEST(StanErrors, ProgramWithoutParameters) {
  const auto file = write_temp("no_parameters.stan", "data {\n  real x;\n}\nmodel {\n}\n");
  auto m = message_of<InputError>([&] { load(file, R"({"x": 1.0})", "x.json"); });
  expect_one_line(m);
  EXPECT_NE(m.find("no parameters"), std::string::npos) << m;
}

TEST(StanErrors, MissingFiles) {
  auto m = message_of<InputError>([&] { load_stan_model("/nonexistent/model.stan", "", test::test_options()); });
  expect_one_line(m);
  EXPECT_NE(m.find("/nonexistent/model.stan"), std::string::npos) << m;
  m = message_of<InputError>([&] {
    load_stan_model(program_path("eight_schools_builtin.stan"), "/nonexistent/data.json", test::test_options());
  });
  EXPECT_NE(m.find("/nonexistent/data.json"), std::string::npos) << m;
}

}  // namespace
}  // namespace elbo::stan
