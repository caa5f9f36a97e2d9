// Atomic JSON results and output directories.
#include "elbo/io/json_writer.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <filesystem>

#include "io/io_test_util.hpp"

namespace elbo::io {
namespace {

using testing::expect_input_error;
using testing::slurp;
using testing::TempDir;

TEST(JsonWriter, RoundTripPrettyPrintedWithoutTmpFile) {
  TempDir dir;
  const std::string path = dir.file("summary.json");
  const nlohmann::json value = {{"elbo", -123.456789012345678},
                                {"iterations", 2300},
                                {"converged", true},
                                {"names", {"alpha", "beta[1]"}},
                                {"mean", {0.1, -2e-300, 1e300}},
                                {"unicode", "\xCF\x83 = 1"}};
  write_json_file(path, value);
  EXPECT_FALSE(testing::temp_file_left(path));
  const std::string text = slurp(path);
  EXPECT_EQ(nlohmann::json::parse(text), value);  // doubles round-trip exactly
  EXPECT_NE(text.find("\n  \"converged\": true"), std::string::npos) << text;
  EXPECT_EQ(text.back(), '\n');

  // Overwriting replaces the file completely.
  write_json_file(path, nlohmann::json{{"a", 1}});
  EXPECT_EQ(nlohmann::json::parse(slurp(path)), (nlohmann::json{{"a", 1}}));
  EXPECT_FALSE(testing::temp_file_left(path));
}

TEST(JsonWriter, NonFiniteBecomesNullAndBadUtf8IsReplaced) {
  TempDir dir;
  const std::string path = dir.file("x.json");
  write_json_file(path, nlohmann::json{{"x", std::nan("")}, {"s", std::string("a\xFF" "b")}});
  const auto back = nlohmann::json::parse(slurp(path));
  EXPECT_TRUE(back["x"].is_null());
  EXPECT_EQ(back["s"], "a\xEF\xBF\xBD" "b");
}

TEST(JsonWriter, UnwritableDirectoryNamesTheFile) {
  TempDir dir;
  const std::string path = dir.file("missing_dir/summary.json");
  const InputError e = expect_input_error([&] { write_json_file(path, nlohmann::json::object()); });
  EXPECT_EQ(e.file(), path);
  EXPECT_NE(std::string(e.what()).find(path + ": cannot open"), std::string::npos) << e.what();
  EXPECT_FALSE(testing::temp_file_left(path));
}

TEST(EnsureDirectory, CreatesNestedAndAcceptsExisting) {
  TempDir dir;
  const std::string nested = dir.file("a/b/c");
  ensure_directory(nested);
  EXPECT_TRUE(std::filesystem::is_directory(nested));
  ensure_directory(nested);  // already there: fine
  write_json_file(nested + "/r.json", nlohmann::json{{"ok", 1}});
  EXPECT_TRUE(std::filesystem::exists(nested + "/r.json"));
}

TEST(EnsureDirectory, ExistingFileOrUncreatableIsAnError) {
  TempDir dir;
  const std::string file = dir.write("plain", "x");
  InputError e = expect_input_error([&] { ensure_directory(file); });
  EXPECT_NE(std::string(e.what()).find(file + ": exists but is not a directory"), std::string::npos)
      << e.what();

  e = expect_input_error([&] { ensure_directory(file + "/sub"); });
  EXPECT_NE(std::string(e.what()).find(file + "/sub: cannot create directory"), std::string::npos)
      << e.what();

  EXPECT_THROW(ensure_directory(""), InputError);
}

}  // namespace
}  // namespace elbo::io
