#!/usr/bin/python3
"""Reference values for the elbo::dist tests, computed independently with SciPy.

Run with Debian's interpreter (it has scipy/numpy):
    /usr/bin/python3 tests/reference/dist/generate.py
Writes tests/reference/dist/reference.json next to this script.

Tensors are stored as {"shape": [...], "data": [flat, row-major]}; non-finite
numbers as the strings "inf", "-inf", "nan" (JSON has no literal for them).

log_prob / entropy / mean / variance come from scipy.stats. KL divergences
come from numerical integration (scipy.integrate.quad / dblquad) of
p(x)(log p(x) - log q(x)), from direct summation for discrete laws, and for
the Gaussians from the dense closed form evaluated with numpy.linalg
(explicit inverse and slogdet, not the Cholesky/Woodbury route of the C++).
"""
import json
import math
import os

import numpy as np
from scipy import integrate, special, stats

RNG = np.random.default_rng(20240601)


def enc(x):
    a = np.asarray(x, dtype=float)
    data = []
    for v in a.reshape(-1):
        if np.isnan(v):
            data.append("nan")
        elif np.isinf(v):
            data.append("inf" if v > 0 else "-inf")
        else:
            data.append(float(v))
    return {"shape": list(a.shape), "data": data}


CASES = []
KLS = []


def case(name, dist, params, value, log_prob, entropy=None, mean=None, variance=None):
    c = {"name": name, "dist": dist, "params": {k: enc(v) for k, v in params.items()},
         "value": enc(value), "log_prob": enc(log_prob)}
    if entropy is not None:
        c["entropy"] = enc(entropy)
    if mean is not None:
        c["mean"] = enc(mean)
    if variance is not None:
        c["variance"] = enc(variance)
    CASES.append(c)


def univariate(name, dist, params, frozen, value, entropy=True):
    """frozen: a scipy frozen distribution already broadcast over the batch."""
    value = np.asarray(value, dtype=float)
    lp = frozen.logpmf(value) if hasattr(frozen, "logpmf") else frozen.logpdf(value)
    case(name, dist, params, value, lp,
         entropy=frozen.entropy() if entropy else None,
         mean=frozen.mean(), variance=frozen.var())


# ---- continuous univariate ------------------------------------------------------
# Normal: scalar, batched, broadcast loc [3,1] x scale [4] with sample dims.
univariate("normal/scalar", "normal", {"loc": 0.5, "scale": 2.0},
           stats.norm(0.5, 2.0), [-3.0, 0.0, 0.5, 4.2, 10.0])
loc = np.array([[-1.0], [0.0], [2.5]])
scale = np.array([0.3, 1.0, 2.0, 7.5])
b = np.broadcast_arrays(loc, scale)
univariate("normal/broadcast", "normal", {"loc": loc, "scale": scale},
           stats.norm(b[0], b[1]), RNG.normal(0, 3, size=(2, 3, 4)))

univariate("log_normal/batched", "log_normal",
           {"loc": [0.0, -0.5, 1.2], "scale": [1.0, 0.4, 2.0]},
           stats.lognorm(s=np.array([1.0, 0.4, 2.0]), scale=np.exp([0.0, -0.5, 1.2])),
           [[0.5, 1.0, 3.0], [2.0, 0.1, 20.0], [-1.0, 0.0, 1e-3]])

univariate("half_normal/batched", "half_normal", {"scale": [0.5, 1.0, 3.0]},
           stats.halfnorm(scale=np.array([0.5, 1.0, 3.0])),
           [[0.1, 1.0, 2.0], [0.0, 3.0, 7.0], [-0.5, 0.2, 0.0]])

# The Cauchy mean and variance do not exist (scipy reports nan for both); we
# follow torch.distributions: mean NaN, variance +inf.
cauchy = stats.cauchy(np.array([0.0, 1.0]), np.array([1.0, 0.25]))
cauchy_values = np.array([[0.0, 1.0], [-5.0, 30.0], [2.0, 1.1]])
case("cauchy/batched", "cauchy", {"loc": [0.0, 1.0], "scale": [1.0, 0.25]}, cauchy_values,
     cauchy.logpdf(cauchy_values), entropy=cauchy.entropy(), mean=[np.nan, np.nan],
     variance=[np.inf, np.inf])

df = np.array([0.8, 1.5, 3.0, 12.0])
t_loc = np.array([0.0, 1.0, -2.0, 0.5])
t_scale = np.array([1.0, 2.0, 0.5, 3.0])
t_frozen = stats.t(df, t_loc, t_scale)
t_values = RNG.normal(0, 4, size=(3, 4))
# The mean does not exist for df <= 1: scipy reports inf there, we follow
# torch.distributions and return NaN.
t_mean = np.where(df > 1, t_frozen.mean(), np.nan)
case("student_t/batched", "student_t", {"df": df, "loc": t_loc, "scale": t_scale},
     t_values, t_frozen.logpdf(t_values), entropy=t_frozen.entropy(), mean=t_mean,
     variance=t_frozen.var())

conc = np.array([[0.5], [1.0], [3.7]])
rate = np.array([0.5, 2.0])
b = np.broadcast_arrays(conc, rate)
univariate("gamma/broadcast", "gamma", {"concentration": conc, "rate": rate},
           stats.gamma(b[0], scale=1.0 / b[1]),
           np.stack([np.full((3, 2), 0.7), np.full((3, 2), 4.0),
                     np.array([[-1.0, 0.01], [0.0, 2.5], [0.3, -0.2]])]))

univariate("inverse_gamma/batched", "inverse_gamma",
           {"concentration": [0.8, 1.5, 2.5, 6.0], "scale": [1.0, 2.0, 0.5, 3.0]},
           stats.invgamma(np.array([0.8, 1.5, 2.5, 6.0]), scale=np.array([1.0, 2.0, 0.5, 3.0])),
           [[0.5, 1.0, 0.2, 0.6], [3.0, 0.1, 1.5, -1.0], [0.0, 10.0, 0.05, 0.9]])

univariate("beta/batched", "beta",
           {"concentration1": [0.5, 2.0, 5.0], "concentration0": [0.5, 3.0, 1.2]},
           stats.beta(np.array([0.5, 2.0, 5.0]), np.array([0.5, 3.0, 1.2])),
           [[0.1, 0.5, 0.9], [0.999, 0.01, 0.3], [1.5, -0.1, 0.7]])

univariate("exponential/batched", "exponential", {"rate": [0.5, 1.0, 4.0]},
           stats.expon(scale=1.0 / np.array([0.5, 1.0, 4.0])),
           [[0.0, 1.0, 0.25], [3.0, -1.0, 2.0]])

# ---- discrete -------------------------------------------------------------------
logits = np.array([-2.0, 0.0, 0.7, 5.0])
univariate("bernoulli/logits", "bernoulli", {"logits": logits},
           stats.bernoulli(special.expit(logits)),
           [[0.0, 1.0, 1.0, 0.0], [1.0, 0.0, 0.5, 2.0]])
probs = np.array([0.0, 0.2, 0.9, 1.0])
univariate("bernoulli/probs", "bernoulli_probs", {"probs": probs},
           stats.bernoulli(probs), [[0.0, 1.0, 1.0, 1.0], [1.0, 0.0, 0.0, 0.0]])

n = np.array([[1.0], [10.0], [25.0]])
bl = np.array([-1.0, 0.3])
b = np.broadcast_arrays(n, bl)
bin_frozen = stats.binom(b[0], special.expit(b[1]))
bin_values = np.array([[[0.0, 1.0], [3.0, 7.0], [12.0, 25.0]],
                       [[2.0, -1.0], [10.0, 2.5], [0.0, 26.0]]])
case("binomial/broadcast", "binomial", {"total_count": n, "logits": bl}, bin_values,
     bin_frozen.logpmf(bin_values), mean=bin_frozen.mean(), variance=bin_frozen.var())
bp = np.array([0.0, 0.35, 1.0])
bin_frozen = stats.binom(np.array([4.0, 6.0, 3.0]), bp)
bin_values = np.array([[0.0, 2.0, 3.0], [1.0, 6.0, 2.0]])
case("binomial/probs", "binomial_probs", {"total_count": [4.0, 6.0, 3.0], "probs": bp},
     bin_values, bin_frozen.logpmf(bin_values), mean=bin_frozen.mean(),
     variance=bin_frozen.var())

rates = np.array([0.0, 0.5, 3.0, 40.0])
univariate("poisson/batched", "poisson", {"rate": rates}, stats.poisson(rates),
           [[0.0, 0.0, 2.0, 35.0], [1.0, 3.0, 1.5, -1.0]], entropy=False)

cat_logits = np.array([[0.1, -1.0, 2.0, 0.0], [3.0, 3.0, -2.0, 1.0]])
cat_p = special.softmax(cat_logits, axis=-1)
cat_values = np.array([[0.0, 3.0], [2.0, 1.0], [4.0, -1.0], [1.5, 0.0]])
cat_lp = np.full(cat_values.shape, -np.inf)
for i, j in np.ndindex(cat_values.shape):
    k = cat_values[i, j]
    if k == int(k) and 0 <= k < 4:
        cat_lp[i, j] = stats.multinomial(1, cat_p[j]).logpmf(np.eye(4)[int(k)])
# A class index has no meaningful mean/variance: NaN, as in torch.distributions.
case("categorical/logits", "categorical", {"logits": cat_logits}, cat_values, cat_lp,
     entropy=[stats.entropy(cat_p[0]), stats.entropy(cat_p[1])], mean=[np.nan, np.nan],
     variance=[np.nan, np.nan])
probs = np.array([0.5, 0.0, 0.25, 0.25])
case("categorical/probs", "categorical_probs", {"probs": probs}, [0.0, 1.0, 2.0, 3.0],
     [math.log(0.5), -np.inf, math.log(0.25), math.log(0.25)],
     entropy=stats.entropy(probs), mean=np.nan, variance=np.nan)

# ---- multivariate ---------------------------------------------------------------
alpha = np.array([[1.5, 2.0, 0.7], [4.0, 1.0, 1.0]])
dir_values = np.array([[[0.2, 0.3, 0.5], [0.1, 0.6, 0.3]],
                       [[0.7, 0.2, 0.1], [0.3, 0.3, 0.4]],
                       [[0.5, 0.6, -0.1], [0.5, 0.2, 0.2]]])  # last two: off the simplex
dir_lp = np.full(dir_values.shape[:-1], -np.inf)
for s, j in np.ndindex(dir_lp.shape):
    x = dir_values[s, j]
    if np.all(x >= 0) and abs(x.sum() - 1) < 1e-12:
        dir_lp[s, j] = stats.dirichlet(alpha[j]).logpdf(x)
case("dirichlet/batched", "dirichlet", {"concentration": alpha}, dir_values, dir_lp,
     entropy=[stats.dirichlet(a).entropy() for a in alpha],
     mean=[stats.dirichlet(a).mean() for a in alpha],
     variance=[stats.dirichlet(a).var() for a in alpha])


def random_tril(d, rng):
    a = rng.normal(size=(d, d))
    tril = np.tril(a, -1) * 0.5
    tril[np.diag_indices(d)] = np.exp(rng.normal(0, 0.3, size=d))
    return tril


D = 3
mvn_loc = RNG.normal(size=(2, D))          # batch [2]
mvn_tril = random_tril(D, RNG)             # shared across the batch (broadcast)
mvn_cov = mvn_tril @ mvn_tril.T
mvn_values = RNG.normal(size=(4, 2, D))    # sample [4]
mvn_lp = np.array([[stats.multivariate_normal(mvn_loc[j], mvn_cov).logpdf(mvn_values[s, j])
                    for j in range(2)] for s in range(4)])
case("multivariate_normal/broadcast", "multivariate_normal",
     {"loc": mvn_loc, "scale_tril": mvn_tril}, mvn_values, mvn_lp,
     entropy=[stats.multivariate_normal(mvn_loc[j], mvn_cov).entropy() for j in range(2)],
     mean=mvn_loc, variance=np.broadcast_to(np.diag(mvn_cov), (2, D)))

cov = np.array([[2.0, 0.3, -0.4], [0.3, 1.0, 0.2], [-0.4, 0.2, 0.5]])
cov_loc = np.array([1.0, -1.0, 0.0])
cov_values = RNG.normal(size=(5, D))
frozen = stats.multivariate_normal(cov_loc, cov)
case("multivariate_normal/covariance", "multivariate_normal_cov",
     {"loc": cov_loc, "covariance": cov}, cov_values, frozen.logpdf(cov_values),
     entropy=frozen.entropy(), mean=cov_loc, variance=np.diag(cov))

D, R = 5, 2
lr_loc = RNG.normal(size=(3, D))           # batch [3]
lr_w = RNG.normal(size=(3, D, R))
lr_d = np.exp(RNG.normal(0, 0.5, size=(D,)))  # broadcast over the batch
lr_values = RNG.normal(size=(2, 3, D))
lr_lp = np.zeros((2, 3))
lr_ent, lr_var = [], []
for j in range(3):
    c = lr_w[j] @ lr_w[j].T + np.diag(lr_d)
    f = stats.multivariate_normal(lr_loc[j], c)
    lr_ent.append(f.entropy())
    lr_var.append(np.diag(c))
    for s in range(2):
        lr_lp[s, j] = f.logpdf(lr_values[s, j])
case("low_rank_multivariate_normal/batched", "low_rank_multivariate_normal",
     {"loc": lr_loc, "cov_factor": lr_w, "cov_diag": lr_d}, lr_values, lr_lp,
     entropy=lr_ent, mean=lr_loc, variance=lr_var)

ind_loc = RNG.normal(size=(2, 4))
ind_scale = np.exp(RNG.normal(0, 0.5, size=(2, 4)))
ind_values = RNG.normal(size=(3, 2, 4))
f = stats.norm(ind_loc, ind_scale)
case("independent_normal/batched", "independent_normal",
     {"loc": ind_loc, "scale": ind_scale}, ind_values, f.logpdf(ind_values).sum(-1),
     entropy=f.entropy().sum(-1), mean=ind_loc, variance=ind_scale ** 2)

# ---- KL divergences -------------------------------------------------------------


def kl_case(name, p_dist, p_params, q_dist, q_params, kl):
    KLS.append({"name": name,
                "p": {"dist": p_dist, "params": {k: enc(v) for k, v in p_params.items()}},
                "q": {"dist": q_dist, "params": {k: enc(v) for k, v in q_params.items()}},
                "kl": enc(kl)})


def kl_quad(p, q, lo, hi):
    def f(x):
        lp = p.logpdf(x)
        return math.exp(lp) * (lp - q.logpdf(x)) if np.isfinite(lp) else 0.0
    return integrate.quad(f, lo, hi, epsabs=1e-13, epsrel=1e-12, limit=500)[0]


pairs = [((0.0, 1.0), (1.0, 2.0)), ((-2.0, 0.3), (0.5, 0.7)), ((3.0, 5.0), (3.0, 1.0))]
kl_case("normal", "normal", {"loc": [a[0] for a, _ in pairs], "scale": [a[1] for a, _ in pairs]},
        "normal", {"loc": [b[0] for _, b in pairs], "scale": [b[1] for _, b in pairs]},
        [kl_quad(stats.norm(*a), stats.norm(*b), -np.inf, np.inf) for a, b in pairs])

pairs = [((2.0, 1.0), (3.0, 0.5)), ((0.7, 2.0), (1.5, 1.0)), ((5.0, 3.0), (5.0, 3.5))]
kl_case("gamma", "gamma",
        {"concentration": [a[0] for a, _ in pairs], "rate": [a[1] for a, _ in pairs]},
        "gamma", {"concentration": [b[0] for _, b in pairs], "rate": [b[1] for _, b in pairs]},
        [kl_quad(stats.gamma(a[0], scale=1 / a[1]), stats.gamma(b[0], scale=1 / b[1]), 0, np.inf)
         for a, b in pairs])

pairs = [((2.0, 3.0), (1.0, 1.0)), ((0.8, 1.5), (2.0, 2.0)), ((5.0, 1.2), (4.0, 2.5))]
kl_case("beta", "beta",
        {"concentration1": [a[0] for a, _ in pairs], "concentration0": [a[1] for a, _ in pairs]},
        "beta",
        {"concentration1": [b[0] for _, b in pairs], "concentration0": [b[1] for _, b in pairs]},
        [kl_quad(stats.beta(*a), stats.beta(*b), 0, 1) for a, b in pairs])

pr, qr = [0.5, 2.0, 1.0], [1.5, 0.4, 1.0]
kl_case("exponential", "exponential", {"rate": pr}, "exponential", {"rate": qr},
        [kl_quad(stats.expon(scale=1 / a), stats.expon(scale=1 / b), 0, np.inf)
         for a, b in zip(pr, qr)])

pr, qr = [0.0, 1.5, 7.0], [2.0, 3.0, 6.5]
ks = np.arange(0, 400)


def kl_poisson(a, b):
    lp = stats.poisson(a).logpmf(ks)
    lq = stats.poisson(b).logpmf(ks)
    w = np.exp(lp)
    return float(np.sum(np.where(w > 0, w * (lp - lq), 0.0)))


kl_case("poisson", "poisson", {"rate": pr}, "poisson", {"rate": qr},
        [kl_poisson(a, b) for a, b in zip(pr, qr)])

pl, ql = np.array([-1.0, 0.0, 3.0]), np.array([0.5, -2.0, 3.0])


def kl_bern(a, b):
    pa, pb = special.expit(a), special.expit(b)
    return sum(stats.bernoulli(pa).pmf(k) * (stats.bernoulli(pa).logpmf(k) -
                                             stats.bernoulli(pb).logpmf(k)) for k in (0, 1))


kl_case("bernoulli", "bernoulli", {"logits": pl}, "bernoulli", {"logits": ql},
        [kl_bern(a, b) for a, b in zip(pl, ql)])

cp = np.array([[0.2, 0.3, 0.5], [0.0, 0.5, 0.5]])
cq = np.array([[0.4, 0.4, 0.2], [0.3, 0.3, 0.4]])
kl_case("categorical", "categorical_probs", {"probs": cp}, "categorical_probs", {"probs": cq},
        [stats.entropy(a, b) for a, b in zip(cp, cq)])


def kl_dirichlet3(a, b):
    p, q = stats.dirichlet(a), stats.dirichlet(b)

    def f(y, x):
        if x + y >= 1:
            return 0.0
        z = np.array([x, y, 1 - x - y])
        lp = p.logpdf(z)
        return math.exp(lp) * (lp - q.logpdf(z))
    return integrate.dblquad(f, 0, 1, 0, lambda x: 1 - x, epsabs=1e-11, epsrel=1e-10)[0]


da = np.array([[1.5, 2.0, 3.0], [2.0, 1.2, 1.0]])
db = np.array([[1.0, 1.0, 1.0], [3.0, 2.0, 1.5]])
kl_case("dirichlet", "dirichlet", {"concentration": da}, "dirichlet", {"concentration": db},
        [kl_dirichlet3(a, b) for a, b in zip(da, db)])


def kl_gauss_dense(mp, cp_, mq, cq_):
    d = len(mp)
    iq = np.linalg.inv(cq_)
    diff = mq - mp
    return 0.5 * (np.trace(iq @ cp_) + diff @ iq @ diff - d +
                  np.linalg.slogdet(cq_)[1] - np.linalg.slogdet(cp_)[1])


D = 4
p_loc, q_loc = RNG.normal(size=(2, D)), RNG.normal(size=(2, D))
p_tril = np.stack([random_tril(D, RNG) for _ in range(2)])
q_tril = np.stack([random_tril(D, RNG) for _ in range(2)])
p_w, q_w = RNG.normal(size=(2, D, 2)), RNG.normal(size=(2, D, 1))
p_d, q_d = np.exp(RNG.normal(0, 0.4, size=(2, D))), np.exp(RNG.normal(0, 0.4, size=(2, D)))
full_p = {"loc": p_loc, "scale_tril": p_tril}
full_q = {"loc": q_loc, "scale_tril": q_tril}
low_p = {"loc": p_loc, "cov_factor": p_w, "cov_diag": p_d}
low_q = {"loc": q_loc, "cov_factor": q_w, "cov_diag": q_d}
cov_full_p = [t @ t.T for t in p_tril]
cov_full_q = [t @ t.T for t in q_tril]
cov_low_p = [w @ w.T + np.diag(d) for w, d in zip(p_w, p_d)]
cov_low_q = [w @ w.T + np.diag(d) for w, d in zip(q_w, q_d)]
for name, pd, pp, pc, qd, qp, qc in [
        ("mvn_mvn", "multivariate_normal", full_p, cov_full_p,
         "multivariate_normal", full_q, cov_full_q),
        ("lowrank_mvn", "low_rank_multivariate_normal", low_p, cov_low_p,
         "multivariate_normal", full_q, cov_full_q),
        ("lowrank_lowrank", "low_rank_multivariate_normal", low_p, cov_low_p,
         "low_rank_multivariate_normal", low_q, cov_low_q),
        ("mvn_lowrank", "multivariate_normal", full_p, cov_full_p,
         "low_rank_multivariate_normal", low_q, cov_low_q)]:
    kl_case(name, pd, pp, qd, qp,
            [kl_gauss_dense(p_loc[j], pc[j], q_loc[j], qc[j]) for j in range(2)])

ip_loc, ip_scale = RNG.normal(size=(2, 3)), np.exp(RNG.normal(0, 0.5, size=(2, 3)))
iq_loc, iq_scale = RNG.normal(size=(3,)), np.exp(RNG.normal(0, 0.5, size=(3,)))
kl_case("independent_normal", "independent_normal", {"loc": ip_loc, "scale": ip_scale},
        "independent_normal", {"loc": iq_loc, "scale": iq_scale},
        [sum(kl_quad(stats.norm(ip_loc[j, i], ip_scale[j, i]), stats.norm(iq_loc[i], iq_scale[i]),
                     -np.inf, np.inf) for i in range(3)) for j in range(2)])

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "reference.json")
with open(out, "w") as fh:
    json.dump({"generator": "tests/reference/dist/generate.py", "cases": CASES, "kl": KLS}, fh,
              indent=1)
print(f"wrote {len(CASES)} cases and {len(KLS)} KL sets to {out}")
