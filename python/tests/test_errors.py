"""Bad models, data and options from Python: one clear exception, named as the user wrote it."""
import numpy as np
import pytest
import torch
from torch.distributions import Normal

import elbo

# elbo works in double; torch.distributions makes float32 tensors of Python floats
# (Normal(0.0, 5.0)) unless the default dtype is double.
torch.set_default_dtype(torch.float64)


def model(log_joint, latents=None):
    return elbo.Model(latents=latents or [elbo.Latent("x", shape=(2,))], log_joint=log_joint)


def good(z, data):
    return Normal(0.0, 1.0).log_prob(z["x"]).sum(-1)


def test_wrong_shape_names_both_shapes():
    with pytest.raises(ValueError, match=r"log_joint.*\[K\]|shape"):
        elbo.fit(model(lambda z, d: Normal(0.0, 1.0).log_prob(z["x"])), progress=False)


def test_not_a_tensor_is_a_type_error():
    with pytest.raises(TypeError, match="must return a torch.Tensor"):
        elbo.fit(model(lambda z, d: 1.0), progress=False)


class Boom(Exception):
    pass


def test_the_users_exception_propagates_as_itself():
    def log_joint(z, data):
        raise Boom("inside my model")

    with pytest.raises(Boom, match="inside my model") as info:
        elbo.fit(model(log_joint), progress=False)
    # The traceback reaches the user's own frame.
    assert any(entry.name == "log_joint" for entry in info.traceback)


def test_a_later_exception_is_not_swallowed_by_the_line_search():
    calls = {"n": 0}

    def log_joint(z, data):
        calls["n"] += 1
        if calls["n"] > 5:
            raise Boom("call 6")
        return good(z, data)

    with pytest.raises(Boom):
        elbo.fit(model(log_joint), progress=False)


def test_nan_everywhere_is_a_clear_error():
    with pytest.raises((elbo.NumericalError, ValueError), match=r"(?i)finite|nan"):
        elbo.fit(model(lambda z, d: z["x"].sum(-1) * float("nan")), progress=False)


@pytest.mark.parametrize("constraint,message", [
    ("positiv", "unknown constraint 'positiv'"),
    ("interval(0)", "needs 2 bound"),
    ("lower(a)", "not numbers"),
])
def test_wrong_constraint_names(constraint, message):
    with pytest.raises(ValueError, match=message):
        elbo.fit(model(good, [elbo.Latent("x", constraint=constraint)]), progress=False)


def test_nan_in_data_names_the_array():
    with pytest.raises(ValueError, match=r"data\['y'\] contains NaN at index 2"):
        elbo.fit(model(good), {"y": np.array([1.0, 2.0, np.nan])}, progress=False)


@pytest.mark.parametrize("options,message", [
    (dict(draws=0), "draws"),
    (dict(method="nuts"), "method"),
    (dict(family="fullrnk"), "fullrnk"),
    (dict(objective="renyi:x"), "renyi"),
    (dict(resample="sometimes"), "resample"),
    (dict(grad_draws=-1), "grad_draws"),
    (dict(eta=float("nan")), "eta"),
    (dict(resume=True), "resume needs checkpoint"),
])
def test_invalid_options_name_the_keyword(options, message):
    with pytest.raises(ValueError, match=message) as info:
        elbo.fit(model(good), progress=False, **options)
    assert "--" not in str(info.value)  # the keyword, not the CLI's flag
    assert "\n" not in str(info.value)


def test_unknown_keyword_is_a_type_error():
    with pytest.raises(TypeError, match="unexpected keyword argument 'famly'"):
        elbo.fit(model(good), famly="meanfield", progress=False)


def test_builtin_model_rejects_bad_data_with_its_message():
    with pytest.raises(ValueError, match=r"y\[1\] is 2"):
        elbo.models.LogisticRegression(np.ones((3, 2)), np.array([0.0, 2.0, 1.0]))
