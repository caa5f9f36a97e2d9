#pragma once
// Data (and inits) for a Stan program: the variables of a CmdStan JSON file
// (io::read_json_data: row-major, as JSON nests) held in the column-major
// layout of stan::io::var_context, behind the C struct the model library takes.
#include <string>
#include <vector>

#include "elbo/io/json_data_reader.hpp"
#include "elbo/stan/shim/stan_model_abi.h"

namespace elbo::stan {

class StanData {
 public:
  StanData() = default;  // no variables (a program without data)
  explicit StanData(const io::DataSet& data);
  StanData(const StanData&) = delete;
  StanData& operator=(const StanData&) = delete;

  /// Valid while this object lives.
  const elbo_stan_data* c_data() const { return &data_; }
  const std::string& source() const { return source_; }

 private:
  struct Variable {
    std::string name;
    bool integer = false;
    std::vector<size_t> dims;
    std::vector<double> reals;  // column-major
    std::vector<int> ints;      // column-major
  };
  std::string source_;
  std::vector<Variable> variables_;
  std::vector<elbo_stan_variable> c_variables_;
  elbo_stan_data data_{0, nullptr};
};

/// Row-major values of `shape` → column-major (first index fastest), as Stan reads them.
std::vector<double> to_column_major(const std::vector<int64_t>& shape, const std::vector<double>& values);

}  // namespace elbo::stan
