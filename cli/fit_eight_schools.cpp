// `elbo fit eight_schools`: the hierarchical eight-schools model (Rubin 1981),
// centred or non-centred, on the classic data or a JSON file {J, y, sigma}.
#include <torch/torch.h>

#include <filesystem>
#include <memory>

#include "advi_cli.hpp"
#include "commands.hpp"
#include "elbo/core/error.hpp"
#include "elbo/io/json_data_reader.hpp"
#include "elbo/models/eight_schools.hpp"
#include "fit_runner.hpp"

namespace elbo_cli {

namespace {

struct EightSchoolsCliOptions {
  std::string data;
  bool non_centered = false;
  FitCliOptions fit;
};

void run_eight_schools(const EightSchoolsCliOptions& o) {
  auto options = elbo::models::EightSchoolsOptions().non_centered(o.non_centered);
  std::shared_ptr<const elbo::model::Model> model;
  std::string source = "<built-in eight schools (Rubin 1981)>";
  if (o.data.empty()) {
    model = std::make_shared<elbo::models::EightSchools>(options);
  } else {
    if (!std::filesystem::exists(o.data)) throw elbo::InputError(o.data, 0, "", "file does not exist");
    auto data = elbo::io::read_json_data(o.data);
    const int64_t J = data.integer("J");
    if (J < 1) throw elbo::InputError(o.data, 0, "J", "J is " + std::to_string(J) + ", but must be >= 1");
    auto y = torch::tensor(data.vector("y", J), torch::kDouble);
    auto sigma = torch::tensor(data.vector("sigma", J), torch::kDouble);
    model = std::make_shared<elbo::models::EightSchools>(y, sigma, options);
    source = o.data;
  }
  FitContext context;
  context.model_label = "eight_schools";
  context.data_source = source;
  context.data_info = {{"file", source}, {"parameterization", o.non_centered ? "non-centered" : "centered"}};
  run_fit(model, o.fit, context);
}

}  // namespace

void add_fit_eight_schools_command(CLI::App& fit) {
  auto options = std::make_shared<EightSchoolsCliOptions>();
  auto* cmd = fit.add_subcommand("eight_schools", "Hierarchical eight-schools model");
  cmd->add_option("--data", options->data, "JSON data {J, y, sigma}; default: the classic data");
  cmd->add_flag("--non-centered", options->non_centered, "theta = mu + tau * theta_tilde");
  add_fit_options(*cmd, options->fit);
  cmd->callback([options]() { run_eight_schools(*options); });
}

}  // namespace elbo_cli
