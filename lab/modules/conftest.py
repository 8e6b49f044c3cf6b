"""Shared by every module's tests: quick, repeatable property tests and one error-message check.

Hypothesis runs the "lab" profile: the same examples on every run (derandomize), few enough that
a module's tests finish in seconds, no deadline (a busy machine is not a failure), no example
database on disk, and a failure reported by its smallest example without the long explanation.
TINYTORCH_HYPOTHESIS_PROFILE=default explores new random examples instead.
"""

import contextlib
import os

import pytest
from hypothesis import HealthCheck, Phase, settings

settings.register_profile(
    "lab",
    derandomize=True,
    max_examples=15,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
    phases=[Phase.explicit, Phase.generate, Phase.shrink],  # a failure shows its smallest example, briefly
)
settings.load_profile(os.environ.get("TINYTORCH_HYPOTHESIS_PROFILE", "lab"))


def pytest_configure(config):
    # To report a failing example, hypothesis imports libcst where it is installed; with an old
    # mypy_extensions that import warns, and filterwarnings = error would turn the report into an
    # INTERNALERROR that hides which test failed.
    config.addinivalue_line("filterwarnings", "ignore:mypy_extensions.TypedDict is deprecated:DeprecationWarning")


@pytest.fixture
def raises_naming():
    """`with raises_naming(RuntimeError, "matmul", (2, 3), (4, 5)): ...` expects that error with a
    message naming each string given and each shape, written as a tuple (2, 3) or a list [2, 3]."""

    @contextlib.contextmanager
    def check(error, *names):
        with pytest.raises(error) as info:
            yield info
        message = str(info.value)
        for name in names:
            if isinstance(name, str):
                assert name in message, f"the error message should name {name!r}: {message!r}"
            else:
                shape = tuple(name)
                assert str(shape) in message or str(list(shape)) in message, (
                    f"the error message should name the shape {shape}: {message!r}")

    return check
