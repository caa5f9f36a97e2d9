#!/usr/bin/python3
"""Reference numbers for tests/conjugate/bayes_gmm_test.cpp from scikit-learn's
BayesianGaussianMixture (Debian python3-sklearn 1.2.1), same priors as elbo's
BayesGmm defaults: weight_concentration_prior_type="dirichlet_distribution",
weight_concentration_prior = 1/K, mean_precision_prior = 1, mean_prior = data mean,
degrees_of_freedom_prior = D, covariance_prior = empirical covariance (ddof 1).
reg_covar = 0 (elbo adds no regulariser), tol tiny so the fit is at the fixed point.

The k-means labels sklearn starts from (init_params="kmeans") are recomputed with
the same KMeans call and written out, so the C++ test starts from the same point.

Run:  /usr/bin/python3 tests/reference/conjugate/generate.py  (needs python3-sklearn)
"""
import json
import os

import numpy as np
from sklearn.cluster import KMeans
from sklearn.mixture import BayesianGaussianMixture

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "..", "..", "..", "shared", "data")


def load(name):
    path = os.path.join(DATA, name, name + ".csv")
    with open(path) as f:
        header = f.readline().strip().split(",")
    X = np.loadtxt(path, delimiter=",", skiprows=1)
    label_cols = [i for i, c in enumerate(header) if c in ("species", "target", "class", "label", "cultivar")]
    keep = [i for i in range(len(header)) if i not in label_cols]
    return X[:, keep], [header[i] for i in keep]


def fit(name, K, seed):
    X, columns = load(name)
    bgm = BayesianGaussianMixture(
        n_components=K,
        weight_concentration_prior_type="dirichlet_distribution",
        reg_covar=0.0,
        tol=1e-12,
        max_iter=20000,
        init_params="kmeans",
        random_state=seed,
    ).fit(X)
    labels = KMeans(n_clusters=K, n_init=1, random_state=np.random.RandomState(seed)).fit(X).labels_
    return {
        "dataset": name,
        "columns": columns,
        "components": K,
        "converged": bool(bgm.converged_),
        "n_iter": int(bgm.n_iter_),
        "initial_labels": labels.tolist(),
        "weights": bgm.weights_.tolist(),
        "means": bgm.means_.tolist(),
        "covariances": bgm.covariances_.tolist(),
        "degrees_of_freedom": bgm.degrees_of_freedom_.tolist(),
        "mean_precision": bgm.mean_precision_.tolist(),
        "weight_concentration": bgm.weight_concentration_.tolist(),
        "lower_bound": float(bgm.lower_bound_),
    }


def main():
    import sklearn
    out = {
        "generator": "tests/reference/conjugate/generate.py",
        "sklearn_version": sklearn.__version__,
        "fits": [fit("iris", 3, 0), fit("wine", 3, 0)],
    }
    with open(os.path.join(HERE, "bayes_gmm_sklearn.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
