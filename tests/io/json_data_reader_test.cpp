// CmdStan-style JSON data: exact values and shapes, one precise line per error.
#include "elbo/io/json_data_reader.hpp"

#include <gtest/gtest.h>

#include <string>

#include "io/io_test_util.hpp"

namespace elbo::io {
namespace {

using testing::expect_input_error;
using testing::TempDir;

void expect_parse_error(const std::string& text, const std::string& field,
                        const std::string& phrase, long line = 0) {
  SCOPED_TRACE(text);
  const InputError e = expect_input_error([&] { parse_json_data(text, "data.json"); });
  const std::string what = e.what();
  EXPECT_EQ(e.file(), "data.json");
  EXPECT_EQ(e.field(), field) << what;
  EXPECT_EQ(e.line(), line) << what;
  EXPECT_EQ(what.rfind("data.json", 0), 0u) << what;
  if (!field.empty()) {
    EXPECT_NE(what.find("field '" + field + "'"), std::string::npos) << what;
  }
  EXPECT_NE(what.find(phrase), std::string::npos) << what;
  EXPECT_EQ(what.find('\n'), std::string::npos) << what;
}

template <class F>
void expect_access_error(F&& f, const std::string& field, const std::string& phrase) {
  const InputError e = expect_input_error(f);
  const std::string what = e.what();
  EXPECT_EQ(e.file(), "data.json");
  EXPECT_EQ(e.field(), field) << what;
  EXPECT_NE(what.find("data.json"), std::string::npos) << what;
  EXPECT_NE(what.find("field '" + field + "'"), std::string::npos) << what;
  EXPECT_NE(what.find(phrase), std::string::npos) << what;
}

const char* kValid = R"({
  "N": 3,
  "sigma": 2.5,
  "y": [1, 2, 3],
  "x": [0.1, -2e-3, 1e300],
  "X": [[1, 2], [3, 4], [5.5, 6]],
  "A": [[[1, 2, 3], [4, 5, 6]], [[7, 8, 9], [10, 11, 12]]],
  "empty": [],
  "big": 9007199254740992
})";

TEST(JsonDataReader, ScalarsVectorsMatricesArraysExactly) {
  const DataSet d = parse_json_data(kValid, "data.json");
  EXPECT_EQ(d.source(), "data.json");
  EXPECT_EQ(d.arrays().size(), 8u);
  EXPECT_EQ(d.integer("N"), 3);
  EXPECT_EQ(d.real("N"), 3.0);
  EXPECT_EQ(d.real("sigma"), 2.5);
  EXPECT_EQ(d.integer_vector("y", 3), (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(d.vector("y"), (std::vector<double>{1, 2, 3}));
  EXPECT_EQ(d.vector("x", 3), (std::vector<double>{0.1, -2e-3, 1e300}));
  EXPECT_FALSE(d.get("x").integer);
  EXPECT_TRUE(d.get("y").integer);

  const Array X = d.matrix("X", 3, 2);
  EXPECT_EQ(X.shape, (std::vector<int64_t>{3, 2}));
  EXPECT_EQ(X.values, (std::vector<double>{1, 2, 3, 4, 5.5, 6}));  // row-major
  EXPECT_FALSE(X.integer);

  const Array A = d.array("A", {2, -1, 3});
  EXPECT_EQ(A.shape, (std::vector<int64_t>{2, 2, 3}));
  for (int k = 0; k < 12; ++k) EXPECT_EQ(A.values[k], k + 1.0);  // last index fastest

  EXPECT_EQ(d.integer("big"), int64_t{9007199254740992});
}

TEST(JsonDataReader, EmptyArrayMatchesAnyZeroSizeShape) {
  const DataSet d = parse_json_data(kValid, "data.json");
  EXPECT_TRUE(d.vector("empty", 0).empty());
  EXPECT_TRUE(d.integer_vector("empty").empty());
  const Array m = d.matrix("empty", 0, 4);
  EXPECT_EQ(m.shape, (std::vector<int64_t>{0, 4}));
  EXPECT_EQ(d.matrix("empty", -1, 3).shape, (std::vector<int64_t>{0, 3}));
  expect_access_error([&] { d.matrix("empty", 2, 2); }, "empty", "expected an array of rank 2");
}

TEST(JsonDataReader, ReadsFileFromDisk) {
  TempDir dir;
  const std::string path = dir.write("d.json", "{\"y\": [1.25, 2]}");
  const DataSet d = read_json_data(path);
  EXPECT_EQ(d.source(), path);
  EXPECT_EQ(d.vector("y", 2), (std::vector<double>{1.25, 2.0}));
}

TEST(JsonDataReader, MissingFile) {
  TempDir dir;
  const std::string path = dir.file("missing.json");
  const InputError e = expect_input_error([&] { read_json_data(path); });
  EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
}

TEST(JsonDataReader, AccessorErrorsNameFileAndVariable) {
  const DataSet d = parse_json_data(kValid, "data.json");
  expect_access_error([&] { d.real("tau"); }, "tau", "missing variable (the data has: A, N, X");
  expect_access_error([&] { d.real("y"); }, "y", "expected a scalar (shape scalar), got an array of rank 1 (shape [3])");
  expect_access_error([&] { d.vector("X"); }, "X", "expected an array of rank 1");
  expect_access_error([&] { d.vector("N"); }, "N", "got a scalar");
  expect_access_error([&] { d.vector("y", 4); }, "y", "wrong size: expected shape [4], got [3]");
  expect_access_error([&] { d.matrix("X", 2, 3); }, "X", "wrong size: expected shape [2,3], got [3,2]");
  expect_access_error([&] { d.array("A", {2, 2, 2}); }, "A", "expected shape [2,2,2], got [2,2,3]");
  expect_access_error([&] { d.integer("sigma"); }, "sigma", "expected an integer, got the real number 2.5");
  expect_access_error([&] { d.integer_vector("x"); }, "x", "expected integers, got real numbers (element [1] is 0.1)");
}

TEST(JsonDataReader, MalformedJsonGivesLineAndByte) {
  // The missing value after "b": is at line 3; the parser stops at the "}", the 17th byte.
  const std::string text = "{\"a\": 1,\n \"b\":\n }\n";
  const InputError e = expect_input_error([&] { parse_json_data(text, "data.json"); });
  const std::string what = e.what();
  EXPECT_EQ(e.line(), 3) << what;
  EXPECT_NE(what.find("data.json:3: malformed JSON at byte 17"), std::string::npos) << what;
  EXPECT_NE(what.find("syntax error"), std::string::npos) << what;
  EXPECT_EQ(what.find("json.exception"), std::string::npos) << what;
  EXPECT_EQ(what.find('\n'), std::string::npos) << what;

  expect_parse_error("{\"a\": [1, 2}", "", "malformed JSON at byte 12", 1);
  expect_parse_error("{\"a\": 1} extra", "", "malformed JSON at byte 10", 1);
  expect_parse_error("", "", "file is empty");
  expect_parse_error("[1, 2]", "", "top level must be a JSON object");
}

TEST(JsonDataReader, InvalidValues) {
  expect_parse_error(R"({"y": null})", "y", "value is null");
  expect_parse_error(R"({"y": [1, null, 3]})", "y", "element [2] (1-based) is null");
  expect_parse_error(R"({"y": [1, "NaN"]})", "y", "missing or non-finite value \"NaN\"");
  expect_parse_error(R"({"y": "Inf"})", "y", "missing or non-finite value \"Inf\"");
  expect_parse_error(R"({"y": ["-inf"]})", "y", "missing or non-finite value \"-inf\"");
  expect_parse_error(R"({"y": [1, "two"]})", "y", "is non-numeric: \"two\"");
  expect_parse_error(R"({"y": true})", "y", "boolean true");
  expect_parse_error(R"({"y": {"a": 1}})", "y", "JSON object");
  expect_parse_error(R"({"y": 1e999})", "", "malformed JSON");
  expect_parse_error(R"({"y": 1, "y": 2})", "y", "duplicate variable name");
  expect_parse_error(R"({"y": 9007199254740993})", "y", "too large to represent exactly");
}

TEST(JsonDataReader, RaggedNestedArrays) {
  expect_parse_error(R"({"X": [[1, 2], [3]]})", "X", "element [2] (1-based) has 1 entries, expected 2");
  expect_parse_error(R"({"X": [[1, 2], 3]})", "X", "element [2] (1-based) is a single value");
  expect_parse_error(R"({"X": [1, [2]]})", "X", "element [2] (1-based) is an array where a number");
  expect_parse_error(R"({"X": [[[1], [2]], [[3], [4, 5]]]})", "X", "element [2,2] (1-based) has 2 entries, expected 1");
  expect_parse_error(R"({"X": [[], [1]]})", "X", "element [2] (1-based) has 1 entries, expected 0");
}

TEST(JsonDataReader, NestingIsBoundedBeforeItCanExhaustTheStack) {
  // 100,000 levels once crashed the reader (recursion per level); 64 is refused
  // as it is opened, 63 (far beyond any data variable) still parses.
  const auto nested = [](int levels) {
    return "{\"x\": " + std::string(static_cast<size_t>(levels), '[') + "1" +
           std::string(static_cast<size_t>(levels), ']') + "}";
  };
  expect_parse_error(nested(100000), "", "JSON nested more than 64 levels deep");
  expect_parse_error(nested(64), "", "JSON nested more than 64 levels deep");
  EXPECT_NO_THROW(parse_json_data(nested(62), "data.json"));
}

}  // namespace
}  // namespace elbo::io
