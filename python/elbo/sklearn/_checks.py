"""Small helpers shared by the drop-ins: thread counts and CSR arrays for C++."""
import numpy as np
import scipy.sparse as sp
from joblib import effective_n_jobs


def threads_from_n_jobs(n_jobs, default):
    """C++ worker threads for scikit-learn's n_jobs (None: `default`; negative as joblib)."""
    if n_jobs is None:
        return default
    return max(1, int(effective_n_jobs(n_jobs)))


def csr_arrays(X):
    """(indptr int64, indices int32, data float64) of X as CSR, without densifying.

    A dense array is converted to CSR (its zeros dropped); a CSR matrix's arrays
    are passed on as they are (copied only if their dtypes differ from C++'s).
    """
    if not sp.issparse(X):
        X = sp.csr_matrix(X)
    elif X.format != "csr":
        X = X.tocsr()
    return (np.asarray(X.indptr, dtype=np.int64), np.asarray(X.indices, dtype=np.int32),
            np.asarray(X.data, dtype=np.float64))
