#pragma once
// One page builder per kind of fit directory (report.cpp picks the one).
#include "elbo/report/fit_directory.hpp"
#include "elbo/report/html.hpp"
#include "elbo/report/report.hpp"

namespace elbo::report {

/// elbo fit <model>: verdict, k-hat, convergence, ELBO trace, marginals, pair plot, summary.
void add_advi_sections(Page& page, const FitDirectory& fit, const ReportOptions& options);
/// elbo fit lda: ELBO and held-out perplexity traces, topic-word tables.
void add_lda_sections(Page& page, const FitDirectory& fit, const ReportOptions& options);
/// elbo fit gmm: ELBO trace, weights, the data coloured by component with 2-sd ellipses.
void add_gmm_sections(Page& page, const FitDirectory& fit, const ReportOptions& options);
/// elbo train vae: bound and KL per epoch, active units, image grids.
void add_vae_sections(Page& page, const FitDirectory& fit, const ReportOptions& options);

/// The Settings section every kind ends with: the summary's scalar fields,
/// except `skip` (keys shown elsewhere or too long for a table).
std::string settings_html(const nlohmann::json& summary, const std::set<std::string>& skip);

}  // namespace elbo::report
