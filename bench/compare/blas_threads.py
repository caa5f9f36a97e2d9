"""Sizes OpenBLAS's thread pool from Python.

torch.set_num_threads sizes only LibTorch's OpenMP pool; Debian's torch multiplies
matrices in OpenBLAS, whose pthread pool is sized separately (default: all cores).
The peer scripts call both, so "1 thread" means one thread."""
import ctypes


def set_blas_threads(threads):
    try:
        ctypes.CDLL("libopenblas.so.0").openblas_set_num_threads(threads)
    except (OSError, AttributeError):
        pass  # another BLAS: nothing to size
