#include "elbo/bijector/support_check.hpp"

#include <torch/torch.h>

#include <sstream>

#include "elbo/core/check.hpp"
#include "elbo/core/error.hpp"

namespace elbo::bijector::detail {
namespace {

void fail_first(const char* function, const char* name, const at::Tensor& v,
                const at::Tensor& bad, const std::string& must) {
  auto flat = bad.reshape({-1});
  if (!flat.any().item<bool>()) return;
  int64_t index = flat.nonzero().index({0, 0}).item<int64_t>();
  double value = v.reshape({-1}).index({index}).item<double>();
  throw DomainError(check_message(function, name, v.numel() == 1 ? -1 : index, value, must));
}

std::string bound_text(const char* what, double bound) {
  std::ostringstream out;
  out.precision(10);
  out << what << bound;
  return out.str();
}

}  // namespace

void check_has_event_dim(const char* function, const at::Tensor& t, const char* name) {
  if (t.dim() < 1) {
    throw DomainError(std::string(function) + ": " + name +
                      " is a scalar, but must have an event (last) dimension");
  }
}

void check_greater_than(const char* function, const char* name, const at::Tensor& x,
                        double lower) {
  auto v = x.detach().to(torch::kDouble);
  fail_first(function, name, v, ~(v > lower), bound_text("greater than ", lower));
}

void check_less_than(const char* function, const char* name, const at::Tensor& x,
                     double upper) {
  auto v = x.detach().to(torch::kDouble);
  fail_first(function, name, v, ~(v < upper), bound_text("less than ", upper));
}

void check_open_interval(const char* function, const char* name, const at::Tensor& x,
                         double lower, double upper) {
  auto v = x.detach().to(torch::kDouble);
  std::ostringstream must;
  must.precision(10);
  must << "in (" << lower << ", " << upper << ")";
  fail_first(function, name, v, ~((v > lower) & (v < upper)), must.str());
}

}  // namespace elbo::bijector::detail
