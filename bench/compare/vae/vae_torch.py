#!/usr/bin/python3
"""Plain PyTorch reference for `elbo train vae`: the same architecture (tanh MLP encoder
x -> hidden -> (mu, log sigma), mirrored decoder, Bernoulli likelihood, N(0, I) prior),
the same objective (ELBO with analytic KL, or IWAE_K), the same optimizer (Adam, eps 1e-4),
minibatches, dynamic binarisation and held-out split, float32.

Prints one JSON object: seconds per epoch, final training bound, test log-likelihood
(importance sampled, K draws, chunked) and its standard error.
"""
import argparse
import gzip
import json
import math
import os
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from blas_threads import set_blas_threads  # noqa: E402


def read_idx_images(path):
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    zero, dtype, ndim = struct.unpack(">HBB", raw[:4])
    assert zero == 0 and dtype == 0x08 and ndim == 3, "not an IDX images file"
    n, r, c = struct.unpack(">III", raw[4:16])
    x = np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(n, r * c)
    return torch.from_numpy(x.astype(np.float32) / 255.0)


def mlp(sizes):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i + 2 < len(sizes):
            layers.append(nn.Tanh())
    return nn.Sequential(*layers)


class Vae(nn.Module):
    def __init__(self, p, hidden, d):
        super().__init__()
        self.d = d
        self.enc = mlp([p] + hidden + [2 * d])
        self.dec = mlp([d] + hidden[::-1] + [p])

    def log_weights(self, x, k):
        h = self.enc(x)
        mu, log_std = h[:, : self.d], h[:, self.d :]
        eps = torch.randn((k,) + mu.shape)
        z = mu + log_std.exp() * eps
        logits = self.dec(z)
        log_px_z = (x * logits - F.softplus(logits)).sum(-1)
        log_pz = -0.5 * z.pow(2).sum(-1) - self.d * 0.5 * math.log(2 * math.pi)
        log_qz = -0.5 * eps.pow(2).sum(-1) - log_std.sum(-1) - self.d * 0.5 * math.log(2 * math.pi)
        kl = (0.5 * (mu.pow(2) + (2 * log_std).exp() - 1) - log_std).sum(-1)
        return log_px_z, log_pz, log_qz, kl


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--test", default="")
    ap.add_argument("--holdout", type=int, default=0)
    ap.add_argument("--latent", type=int, default=50)
    ap.add_argument("--hidden", default="200,200")
    ap.add_argument("--objective", default="elbo")
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--batch-size", type=int, default=100)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--test-k", type=int, default=5000)
    ap.add_argument("--chunk", type=int, default=500)
    ap.add_argument("--test-limit", type=int, default=0)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    set_blas_threads(a.threads)
    torch.manual_seed(a.seed)
    x = read_idx_images(a.data)
    if a.holdout:
        x, xt = x[: -a.holdout], x[-a.holdout :]
    elif a.test:
        xt = read_idx_images(a.test)
    else:
        xt = None
    if xt is not None:
        xt = torch.bernoulli(xt)  # fixed binarisation of the test set
        if a.test_limit:
            xt = xt[: a.test_limit]
    k = 1 if a.objective == "elbo" else int(a.objective.split(":")[1])
    iwae = a.objective.startswith("iwae")
    model = Vae(x.shape[1], [int(h) for h in a.hidden.split(",")], a.latent)
    opt = torch.optim.Adam(model.parameters(), lr=a.lr, eps=1e-4)
    n, b = x.shape[0], min(a.batch_size, x.shape[0])
    steps = n // b
    times, bounds = [], []
    for epoch in range(a.epochs):
        t0 = time.perf_counter()
        order = torch.randperm(n)
        total = 0.0
        for s in range(steps):
            xb = torch.bernoulli(x[order[s * b : (s + 1) * b]])
            opt.zero_grad(set_to_none=True)
            log_px_z, log_pz, log_qz, kl = model.log_weights(xb, k)
            if iwae:
                bound = torch.logsumexp(log_px_z + log_pz - log_qz, 0) - math.log(k)
            else:
                bound = log_px_z.mean(0) - kl
            loss = -bound.mean()
            loss.backward()
            opt.step()
            total += -loss.item()
        times.append(time.perf_counter() - t0)
        bounds.append(total / steps)
    out = {"implementation": "pytorch " + torch.__version__, "threads": a.threads,
           "objective": a.objective, "epochs": a.epochs, "seconds_per_epoch": times,
           "mean_seconds_per_epoch": sum(times) / len(times), "train_bound": bounds}
    if xt is not None:
        t0 = time.perf_counter()
        with torch.no_grad():
            lls = []
            for i in range(0, xt.shape[0], 100):
                xb = xt[i : i + 100]
                acc = None
                for done in range(0, a.test_k, a.chunk):
                    kk = min(a.chunk, a.test_k - done)
                    lp, pz, qz, _ = model.log_weights(xb, kk)
                    lse = torch.logsumexp(lp + pz - qz, 0).double()
                    acc = lse if acc is None else torch.logaddexp(acc, lse)
                lls.append(acc - math.log(a.test_k))
            ll = torch.cat(lls)
        out["test_log_likelihood"] = {"k": a.test_k, "images": xt.shape[0], "mean": ll.mean().item(),
                                      "standard_error": (ll.std() / math.sqrt(ll.numel())).item(),
                                      "seconds": time.perf_counter() - t0}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
