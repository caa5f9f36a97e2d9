#!/usr/bin/python3
"""This machine's float32 matrix-multiply rate: best of several 2048^3 torch.mm calls
(LibTorch 1.13 from Debian, the library elbo links too), per thread count."""
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from blas_threads import set_blas_threads  # noqa: E402


n = 2048
a, b = torch.randn(n, n), torch.randn(n, n)
out = {}
for threads in (1, 2):
    torch.set_num_threads(threads)
    set_blas_threads(threads)
    torch.mm(a, b)
    best = float("inf")
    for _ in range(8):
        t0 = time.perf_counter()
        torch.mm(a, b)
        best = min(best, time.perf_counter() - t0)
    out[str(threads)] = 2 * n ** 3 / best / 1e9
print(json.dumps({"matmul_size": n, "gflops_by_threads": out}))
