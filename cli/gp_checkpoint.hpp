#pragma once
// `elbo fit gp --checkpoint FILE`: the SVGP's parameters and the fit's state
// (Adam moments, RNG, epoch order, trace) as CBOR — doubles exactly, so a resumed
// run is bit-identical — inside the checksummed envelope (io/checksummed_file).
// Loading checks the run's fingerprint (data size and options) and every field
// (sizes against the model, finiteness, ranges); a mismatch is one InputError
// naming the file and the field.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

#include "elbo/gp/svgp.hpp"
#include "elbo/gp/svgp_fit.hpp"

namespace elbo_cli {

void save_gp_checkpoint(const std::string& path, const nlohmann::json& fingerprint, const elbo::gp::Svgp& model,
                        const elbo::gp::SvgpFitState& state, int64_t step);

/// Restores `model` and `state` (a run on `rows` data rows with `options`);
/// returns the step the checkpoint was taken after.
int64_t load_gp_checkpoint(const std::string& path, const nlohmann::json& fingerprint, elbo::gp::Svgp& model,
                           elbo::gp::SvgpFitState& state, const elbo::gp::SvgpFitOptions& options, int64_t rows);

}  // namespace elbo_cli
