import os
import pathlib

import numpy as np
import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
SHARED = pathlib.Path(os.environ.get("ELBO_SHARED_DIR", REPO.parent / "shared"))


def breast_cancer():
    """The CLI's default data (data/breast_cancer.csv): standardised X [569, 30], y in {0, 1}."""
    table = np.loadtxt(REPO / "data" / "breast_cancer.csv", delimiter=",", skiprows=1)
    X, y = table[:, :-1], table[:, -1]
    X = (X - X.mean(0)) / X.std(0, ddof=1)
    return X, y


@pytest.fixture(scope="session")
def shared():
    if not SHARED.is_dir():
        pytest.skip(f"../shared is not beside the repository ({SHARED})")
    return SHARED
