/* The C interface between elbo and one compiled Stan program.
 *
 * elbo compiles each Stan program once into a shared library made of stanc's
 * C++ and stan_model_shim.cpp (which implements these functions with
 * stan::model), and loads it with dlopen. A C interface keeps Stan Math's
 * headers out of elbo itself and lets one elbo load any number of programs.
 * Every function that can fail returns 0 on success, or nonzero with a
 * message in *error (free it with elbo_stan_free_string).
 *
 * Arrays of K points are row-major [K, D]. Data values are column-major, as
 * stan::io::var_context holds them. */
#ifndef ELBO_STAN_MODEL_ABI_H
#define ELBO_STAN_MODEL_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped whenever a signature changes; cached libraries of another version are rebuilt. */
#define ELBO_STAN_ABI_VERSION 1

/* One data (or init) variable: its dims (array dims, then vector/matrix dims)
 * and its values, column-major; integer variables use int_values. */
typedef struct {
  const char* name;
  int is_integer;
  size_t num_dims;
  const size_t* dims;
  size_t num_values;
  const double* real_values;
  const int* int_values;
} elbo_stan_variable;

typedef struct {
  size_t num_variables;
  const elbo_stan_variable* variables;
} elbo_stan_data;

typedef struct elbo_stan_model elbo_stan_model;

int elbo_stan_abi_version(void);
void elbo_stan_free_string(char* s);

/* Constructs the model from its data; the seed is for transformed data's RNG. */
int elbo_stan_new(const elbo_stan_data* data, uint32_t seed, elbo_stan_model** model,
                  char** error);
void elbo_stan_delete(elbo_stan_model* model);

const char* elbo_stan_model_name(const elbo_stan_model* model);
/* Unconstrained dimension D. */
int64_t elbo_stan_num_unconstrained(const elbo_stan_model* model);
/* Names of the written values, comma-separated ("mu,tau,theta.1,..."):
 * parameters, then transformed parameters and generated quantities when asked. */
const char* elbo_stan_constrained_names(const elbo_stan_model* model, int transformed_parameters,
                                        int generated_quantities);
const char* elbo_stan_unconstrained_names(const elbo_stan_model* model);

/* log p(θ) up to a constant (Stan's propto = true) with the log-Jacobian when
 * jacobian != 0, and its gradient (when gradient is not NULL), at K points.
 * A point where the program rejects (std::domain_error: reject(), a scale
 * that is not positive, a covariance that is not positive definite) gets log p
 * = -inf and a zero gradient, as Stan's samplers treat it; any other
 * exception fails the call. */
int elbo_stan_log_density(const elbo_stan_model* model, int64_t num_points, const double* theta,
                          int jacobian, double* log_p, double* gradient, char** error);

/* The constrained values at K points ([K, P], P the number of names asked
 * for). Generated quantities use an RNG seeded from (seed, point index), so
 * a point's values do not depend on how the K points are split. A point
 * where the program rejects gets NaN values. */
int elbo_stan_constrain(const elbo_stan_model* model, int64_t num_points, const double* theta,
                        int transformed_parameters, int generated_quantities, uint64_t seed,
                        double* values, char** error);

/* θ [D] from constrained parameter values given as variables. */
int elbo_stan_unconstrain(const elbo_stan_model* model, const elbo_stan_data* values,
                          double* theta, char** error);

#ifdef __cplusplus
}
#endif

#endif /* ELBO_STAN_MODEL_ABI_H */
