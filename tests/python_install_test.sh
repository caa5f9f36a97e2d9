#!/usr/bin/env bash
# The Python package as `cmake --install --component python` lays it out
# (here under a scratch DESTDIR): importable with nothing of the build tree on
# the path, self-contained (libelbo beside the extension), and able to fit.
set -euo pipefail
build=$1
python=$2
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
DESTDIR="$scratch/root" cmake --install "$build" --component python >/dev/null
site=$(find "$scratch/root" -type d -name dist-packages | head -n1)
[[ -n "$site" && -f "$site/elbo/__init__.py" ]] || { echo "no elbo package under $scratch/root"; exit 1; }
# Neither the build tree nor an installed copy may leak in: only $site.
cd "$scratch"
env -i PATH=/usr/bin:/bin HOME="$scratch" PYTHONNOUSERSITE=1 "$python" -S -c "
import sys
sys.path[:0] = ['$site'] + [p for p in __import__('site').getsitepackages() if 'local' not in p]
import elbo, elbo.sklearn, numpy as np
assert elbo.__file__.startswith('$site'), elbo.__file__
fit = elbo.fit(elbo.models.EightSchools(non_centered=True), draws=200, seed=1, progress=False)
assert fit.draws['theta'].shape == (200, 8), fit.draws['theta'].shape
assert np.isfinite(fit.draws['mu']).all()
# jit=True: the trace of elbo.lpdf goes through the torch.ops.elbo operators of the installed library.
import torch
model = elbo.Model(latents=[elbo.Latent('x', shape=(3,))], log_joint=lambda z, d: elbo.lpdf.normal(z['x'], 1.0, 2.0))
traced = elbo.fit(model, draws=200, seed=1, progress=False, jit=True, max_iter=300)
assert np.array_equal(traced.draws['x'], elbo.fit(model, draws=200, seed=1, progress=False, max_iter=300).draws['x'])
assert abs(traced.draws['x'].mean() - 1.0) < 0.5, traced.draws['x'].mean()
print('installed package OK:', elbo.__file__)
"
