#pragma once
// Today's Stan syntax -> Stan 2.21's, the version of the stanc that elbo compiles
// with (Debian's rstan). Line-preserving, so stanc's errors point at the user's file.
//
// Rewritten: `array[N] T x` -> `T x[N]` (any element type, bounds, several
// dimensions, initializers, several declarators, any block); unsized
// `array[,] T` in function signatures -> `T[,]`; `target += f_lupdf(y | θ);`
// -> `y ~ f(θ);` (same density, constants dropped), other `_lupdf(`/`_lupmf(`
// -> `_lpdf(`/`_lpmf(`; `real a, b;` -> `real a; real b;`; `profile("x") {` -> `{`.
// stanc 2.21 wants declarations before statements: a local declared later opens a
// block `{ ... }` that closes with the enclosing one; a block variable declared
// later moves up onto the line of the block's last leading declaration (its
// initializer stays in place as an assignment).
// Rejected (elbo::InputError): complex numbers, tuples, `%/%`, `.^`, the newer
// constraints (sum_to_zero_vector, stochastic matrices), overloaded user functions,
// and a late block variable that cannot move up (several declarators, or a size
// a statement before it assigned).
// Left alone: comments, string literals, `#include` lines (the included file is
// not upgraded), old syntax (an old program comes back byte-identical).
#include <string>
#include <vector>

namespace elbo::stan {

struct SyntaxUpgrade {
  std::string program;               // the 2.21 program, same number of lines as the input
  std::vector<std::string> changes;  // human-readable, e.g. "line 3: array[N] real y -> real y[N]"
};

/// Rewrites newer constructs to their Stan 2.21 form. Every output line is the
/// rewrite of the same input line, so stanc's line numbers point at the user's file.
/// A construct with no 2.21 equivalent throws
/// elbo::InputError(file_name, line, construct, message).
SyntaxUpgrade upgrade_syntax(const std::string& program, const std::string& file_name);

}  // namespace elbo::stan
