// Implements stan_model_abi.h for one Stan program. elbo compiles this file at
// run time after stanc's C++ for the program (which defines `stan_model`), in
// one translation unit, into a shared library; it is not part of elbo's build.
#include <stan/io/array_var_context.hpp>
#include <stan/model/log_prob_grad.hpp>
#include <stan/services/util/create_rng.hpp>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "stan_model_abi.h"

struct elbo_stan_model {
  stan_model* model = nullptr;
  std::string name;
  std::string unconstrained_names;
  std::string names[2][2];  // [transformed parameters][generated quantities]
};

namespace {

char* copy_string(const std::string& s) {
  char* out = static_cast<char*>(std::malloc(s.size() + 1));
  if (out) std::memcpy(out, s.c_str(), s.size() + 1);
  return out;
}

int fail(char** error, const std::string& message) {
  if (error) *error = copy_string(message);
  return 1;
}

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) out += (i ? "," : "") + names[i];
  return out;
}

// A var_context over the variables (values column-major, as Stan's readers give them).
stan::io::array_var_context make_context(const elbo_stan_data* data) {
  std::vector<std::string> names_r, names_i;
  std::vector<double> values_r;
  std::vector<int> values_i;
  std::vector<std::vector<size_t>> dims_r, dims_i;
  for (size_t v = 0; data && v < data->num_variables; ++v) {
    const auto& var = data->variables[v];
    std::vector<size_t> dims(var.dims, var.dims + var.num_dims);
    if (var.is_integer) {
      names_i.emplace_back(var.name);
      values_i.insert(values_i.end(), var.int_values, var.int_values + var.num_values);
      dims_i.push_back(dims);
    } else {
      names_r.emplace_back(var.name);
      values_r.insert(values_r.end(), var.real_values, var.real_values + var.num_values);
      dims_r.push_back(dims);
    }
  }
  return stan::io::array_var_context(names_r, values_r, dims_r, names_i, values_i, dims_i);
}

// Each thread needs its own autodiff stack (STAN_THREADS makes it thread-local);
// constructing this object initialises the calling thread's.
void ensure_autodiff_stack() { static thread_local stan::math::ChainableStack stack; }

// An RNG for point k whose stream depends only on (seed, k).
boost::ecuyer1988 point_rng(uint64_t seed, int64_t k) {
  uint64_t z = seed + 0x9e3779b97f4a7c15ULL * static_cast<uint64_t>(k + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  return stan::services::util::create_rng(static_cast<unsigned int>(z % 2147483562u) + 1u, 0);
}

}  // namespace

extern "C" {

int elbo_stan_abi_version(void) { return ELBO_STAN_ABI_VERSION; }

void elbo_stan_free_string(char* s) { std::free(s); }

int elbo_stan_new(const elbo_stan_data* data, uint32_t seed, elbo_stan_model** out, char** error) {
  *out = nullptr;
  try {
    ensure_autodiff_stack();
    auto context = make_context(data);
    std::stringstream messages;
    auto* m = new elbo_stan_model();
    try {
      m->model = new stan_model(context, seed, &messages);
    } catch (...) {
      delete m;
      throw;
    }
    m->name = m->model->model_name();
    std::vector<std::string> names;
    m->model->unconstrained_param_names(names, false, false);
    m->unconstrained_names = join(names);
    for (int tp = 0; tp < 2; ++tp) {
      for (int gq = 0; gq < 2; ++gq) {
        names.clear();
        m->model->constrained_param_names(names, tp, gq);
        m->names[tp][gq] = join(names);
      }
    }
    *out = m;
    return 0;
  } catch (const std::exception& e) {
    return fail(error, e.what());
  } catch (...) {
    return fail(error, "unknown exception while reading the data");
  }
}

void elbo_stan_delete(elbo_stan_model* model) {
  if (!model) return;
  delete model->model;
  delete model;
}

const char* elbo_stan_model_name(const elbo_stan_model* model) { return model->name.c_str(); }

int64_t elbo_stan_num_unconstrained(const elbo_stan_model* model) {
  return static_cast<int64_t>(model->model->num_params_r());
}

const char* elbo_stan_constrained_names(const elbo_stan_model* model, int transformed_parameters,
                                        int generated_quantities) {
  return model->names[transformed_parameters ? 1 : 0][generated_quantities ? 1 : 0].c_str();
}

const char* elbo_stan_unconstrained_names(const elbo_stan_model* model) {
  return model->unconstrained_names.c_str();
}

int elbo_stan_log_density(const elbo_stan_model* model, int64_t num_points, const double* theta,
                          int jacobian, double* log_p, double* gradient, char** error) {
  ensure_autodiff_stack();
  const size_t D = model->model->num_params_r();
  std::vector<double> point(D), grad;
  std::vector<int> params_i;
  for (int64_t k = 0; k < num_points; ++k) {
    point.assign(theta + k * D, theta + (k + 1) * D);
    try {
      // With autodiff types even without a gradient: in plain doubles, propto
      // would drop every term.
      double lp = jacobian
          ? stan::model::log_prob_grad<true, true>(*model->model, point, params_i, grad, nullptr)
          : stan::model::log_prob_grad<true, false>(*model->model, point, params_i, grad, nullptr);
      log_p[k] = lp;
      if (gradient) std::copy(grad.begin(), grad.end(), gradient + k * D);
    } catch (const std::domain_error&) {
      stan::math::recover_memory();
      log_p[k] = -std::numeric_limits<double>::infinity();
      if (gradient) std::fill(gradient + k * D, gradient + (k + 1) * D, 0.0);
    } catch (const std::exception& e) {
      stan::math::recover_memory();
      return fail(error, e.what());
    }
  }
  return 0;
}

int elbo_stan_constrain(const elbo_stan_model* model, int64_t num_points, const double* theta,
                        int transformed_parameters, int generated_quantities, uint64_t seed,
                        double* values, char** error) {
  ensure_autodiff_stack();
  const size_t D = model->model->num_params_r();
  std::vector<std::string> names;
  model->model->constrained_param_names(names, transformed_parameters, generated_quantities);
  const size_t P = names.size();
  std::vector<double> point(D), out;
  std::vector<int> params_i;
  for (int64_t k = 0; k < num_points; ++k) {
    point.assign(theta + k * D, theta + (k + 1) * D);
    auto rng = point_rng(seed, k);
    try {
      model->model->write_array(rng, point, params_i, out, transformed_parameters,
                                generated_quantities, nullptr);
      if (out.size() != P) return fail(error, "write_array returned the wrong number of values");
      std::copy(out.begin(), out.end(), values + k * P);
    } catch (const std::domain_error&) {
      std::fill(values + k * P, values + (k + 1) * P, std::numeric_limits<double>::quiet_NaN());
    } catch (const std::exception& e) {
      return fail(error, e.what());
    }
  }
  return 0;
}

int elbo_stan_unconstrain(const elbo_stan_model* model, const elbo_stan_data* values,
                          double* theta, char** error) {
  try {
    auto context = make_context(values);
    std::vector<int> params_i;
    std::vector<double> params_r;
    model->model->transform_inits(context, params_i, params_r, nullptr);
    std::copy(params_r.begin(), params_r.end(), theta);
    return 0;
  } catch (const std::exception& e) {
    return fail(error, e.what());
  }
}

}  // extern "C"
