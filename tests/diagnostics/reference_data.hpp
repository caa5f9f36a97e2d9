#pragma once
// Loads tests/reference/diagnostics/psis_reference.json, written by
// psis_reference.py (an independent NumPy/SciPy implementation).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

namespace elbo::diagnostics::testing {

inline const nlohmann::json& reference() {
  static const nlohmann::json data = [] {
    const std::string path =
        std::string(ELBO_SOURCE_DIR) + "/tests/reference/diagnostics/psis_reference.json";
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot open " + path);
    return nlohmann::json::parse(in);
  }();
  return data;
}

}  // namespace elbo::diagnostics::testing
