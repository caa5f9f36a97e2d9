"""elbo: variational inference on a C++ engine, for your own PyTorch model.

    import elbo, torch

    class Regression(elbo.Model):
        latents = [elbo.Latent("alpha"), elbo.Latent("beta", shape=(3,)),
                   elbo.Latent("sigma", constraint="positive")]
        def log_joint(self, z, data):
            mu = z.column("alpha") + z["beta"] @ data["X"].T           # [K, N]
            prior = (Normal(0, 5).log_prob(z["alpha"]) + Normal(0, 1).log_prob(z["beta"]).sum(-1)
                     + Normal(0, 1).log_prob(z["sigma"]))
            return prior + data.scale * Normal(mu, z.column("sigma")).log_prob(data["y"]).sum(-1)

    fit = elbo.fit(Regression(), {"X": X, "y": y}, family="fullrank", draws=4000, seed=1)
    fit.draws["beta"]   # numpy [4000, 3]
    fit.summary()       # mean, sd, quantiles, k-hat

Every method, family, objective and option of `elbo fit` (the CLI) is a keyword of
elbo.fit. Also: elbo.models (the built-in models), elbo.glm (GLM likelihoods
as one autograd node, for your own model), elbo.lpdf (priors summed per draw),
elbo.vae (the amortized trainer),
elbo.sklearn (LatentDirichletAllocation and BayesianGaussianMixture for scikit-learn),
elbo.hmm (Bayesian GaussianHMM and CategoricalHMM with hmmlearn's interface), elbo.gp
(sparse variational Gaussian processes: elbo.gp.fit(X, y, inducing=256, ...)).
"""
import importlib as _importlib

# Loaded on first use, so that `import elbo.sklearn` needs only the conjugate engine
# (no libtorch). The engine module itself imports torch first: its tensors are torch's.
_EXPORTS = {
    "NumericalError": "._elbo", "EnvironmentError": "._elbo", "UnreliableFitError": "._elbo",
    "Model": ".model", "Latent": ".model", "Draws": ".model", "Batch": ".model",
    "lower": ".model", "upper": ".model", "interval": ".model",
    "fit": ".fit", "Fit": ".fit",
}
_SUBMODULES = {"models", "glm", "lpdf", "vae", "sklearn", "hmm", "gp"}

__version__ = "0.1.0"
__all__ = sorted(_EXPORTS) + sorted(_SUBMODULES)


def __getattr__(name):
    if name in _EXPORTS:
        if _EXPORTS[name] == "._elbo":
            import torch  # noqa: F401  libtorch's Python bindings before the engine
        value = getattr(_importlib.import_module(_EXPORTS[name], __name__), name)
    elif name in _SUBMODULES:
        value = _importlib.import_module("." + name, __name__)
    else:
        raise AttributeError(f"module 'elbo' has no attribute '{name}'")
    globals()[name] = value
    return value


def __dir__():
    return __all__
