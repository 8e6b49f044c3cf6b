"""Module 02 - Activations: relu, leaky_relu, sigmoid, tanh, gelu, softmax, log_softmax.

Each function is compared, element by element, with a float64 reference written here from the
math module (for example sigmoid(x) = (1 + tanh(x/2)) / 2, GELU(x) = x erfc(-x/sqrt 2) / 2), and
must stay finite, without a single overflow warning, for inputs as large as 1e4.
"""

import math
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinytorch
import tinytorch.nn.functional as F

SQRT_2_OVER_PI = math.sqrt(2 / math.pi)

REFERENCES = {
    "relu": lambda v: v if v > 0 else 0.0,
    "leaky_relu": lambda v: v if v > 0 else 0.01 * v,
    "sigmoid": lambda v: 0.5 * (1 + math.tanh(v / 2)),
    "tanh": math.tanh,
    "gelu": lambda v: 0.5 * v * math.erfc(-v / math.sqrt(2)),
    "gelu_tanh": lambda v: 0.5 * v * (1 + math.tanh(SQRT_2_OVER_PI * (v + 0.044715 * v**3))),
}
FUNCTIONS = {
    "relu": F.relu, "leaky_relu": F.leaky_relu, "sigmoid": F.sigmoid, "tanh": F.tanh, "gelu": F.gelu,
    "gelu_tanh": lambda x: F.gelu(x, approximate="tanh"),
}  # fmt: skip
EXTREMES = [-1e4, -1e3, -100.0, -88.5, -20.0, -1.0, -1e-3, 0.0, 1e-3, 1.0, 20.0, 88.5, 100.0, 1e3, 1e4]


def elementwise(reference, array):
    """Apply a scalar float64 reference to every element."""
    values = [reference(v) for v in np.asarray(array, dtype=np.float64).ravel().tolist()]
    return np.array(values, dtype=np.float64).reshape(np.shape(array))


def float32_arrays(shapes, low=-20, high=20):
    return hnp.arrays(np.float32, shapes, elements=st.floats(low, high, width=32))


def softmax_reference(a, dim):
    """e^x / sum e^x along `dim`, in float64 (fine without a shift for |x| <= 20)."""
    e = np.exp(a.astype(np.float64))
    return e / e.sum(axis=dim, keepdims=True)


def log_softmax_reference(a, dim):
    """x - log(sum e^x) along `dim`, each sum an exact math.fsum."""
    moved = np.moveaxis(a.astype(np.float64), dim, -1)
    totals = [math.log(math.fsum(math.exp(v) for v in row)) for row in moved.reshape(-1, moved.shape[-1])]
    log_total = np.reshape(totals, moved.shape[:-1] + (1,))
    return np.moveaxis(moved - log_total, -1, dim)


@st.composite
def arrays_and_dim(draw):
    a = draw(float32_arrays(hnp.array_shapes(min_dims=1, max_dims=4, max_side=5)))
    return a, draw(st.integers(-a.ndim, a.ndim - 1))


# ---- elementwise activations ----------------------------------------------------------------------
@pytest.mark.parametrize("name", FUNCTIONS)
@given(a=float32_arrays(hnp.array_shapes(min_dims=0, max_dims=4, max_side=5)))
def test_activation_matches_its_definition(name, a):
    out = FUNCTIONS[name](tinytorch.tensor(a))
    assert out.shape == a.shape and out.dtype == tinytorch.float32
    np.testing.assert_allclose(out.data, elementwise(REFERENCES[name], a), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", FUNCTIONS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_activation_is_finite_and_exact_for_huge_inputs(name, dtype):
    a = np.array(EXTREMES, dtype=dtype)
    with warnings.catch_warnings(action="error"):  # an overflow warning fails the test
        out = FUNCTIONS[name](tinytorch.tensor(a))
    assert out.dtype == dtype, f"{name} must keep the input's dtype {np.dtype(dtype)}"
    assert np.all(np.isfinite(out.data)), f"{name} gave {out.data} for {a}"
    np.testing.assert_allclose(out.data, elementwise(REFERENCES[name], a), rtol=1e-5, atol=1e-6)


def test_relu_and_leaky_relu_by_hand():
    x = tinytorch.tensor([-2.0, -0.5, 0.0, 3.0])
    assert F.relu(x).tolist() == [0.0, 0.0, 0.0, 3.0]
    np.testing.assert_allclose(F.leaky_relu(x).data, [-0.02, -0.005, 0.0, 3.0], rtol=1e-6)
    np.testing.assert_allclose(F.leaky_relu(x, 0.2).data, [-0.4, -0.1, 0.0, 3.0], rtol=1e-6)
    np.testing.assert_allclose(F.leaky_relu(x, negative_slope=0.5).data, [-1.0, -0.25, 0.0, 3.0])


def test_sigmoid_and_tanh_known_values():
    x = tinytorch.tensor([0.0, math.log(3.0)])
    np.testing.assert_allclose(F.sigmoid(x).data, [0.5, 0.75], rtol=1e-6)
    np.testing.assert_allclose(F.tanh(x).data, [0.0, 0.8], rtol=1e-6)


def test_sigmoid_and_tanh_of_integers_give_float32():
    x = tinytorch.tensor([-1, 0, 2])
    for name in ("sigmoid", "tanh"):
        out = FUNCTIONS[name](x)
        assert out.dtype == tinytorch.float32, f"{name} of int64 gave {out.dtype}"
        np.testing.assert_allclose(out.data, elementwise(REFERENCES[name], [-1, 0, 2]), rtol=1e-6)


def test_gelu_known_values():
    x = tinytorch.tensor([-1.0, 0.0, 1.0, 2.0], dtype=tinytorch.float64)
    np.testing.assert_allclose(F.gelu(x).data, [-0.15865525393145707, 0.0, 0.8413447460685429, 1.9544997361036416])
    np.testing.assert_allclose(F.gelu(x, approximate="tanh").data,
                               [-0.15880800939172324, 0.0, 0.8411919906082768, 1.954597694087775])


def test_gelu_rejects_an_unknown_approximation():
    with pytest.raises(ValueError, match="tanh"):
        F.gelu(tinytorch.ones(2), approximate="fast")


@given(a=float32_arrays(hnp.array_shapes(min_dims=0, max_dims=3, max_side=4)))
def test_activation_methods_and_top_level_functions_agree(a):
    t = tinytorch.tensor(a)
    for method, function in ((t.relu, F.relu), (t.sigmoid, tinytorch.sigmoid), (t.tanh, tinytorch.tanh)):
        np.testing.assert_array_equal(method().data, function(t).data)
    np.testing.assert_allclose(tinytorch.sigmoid(t).data, elementwise(REFERENCES["sigmoid"], a), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(t.tanh().data, np.tanh(a.astype(np.float64)), rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(tinytorch.relu(t).data, np.where(a > 0, a, 0))


# ---- softmax and log_softmax ------------------------------------------------------------------------
@given(case=arrays_and_dim())
def test_softmax_matches_numpy_along_any_dim(case):
    a, dim = case
    out = F.softmax(tinytorch.tensor(a), dim=dim)
    assert out.shape == a.shape and out.dtype == tinytorch.float32
    np.testing.assert_allclose(out.data, softmax_reference(a, dim), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(out.data.sum(axis=dim), 1.0, rtol=1e-5)


@given(case=arrays_and_dim())
def test_log_softmax_matches_numpy_along_any_dim(case):
    a, dim = case
    out = F.log_softmax(tinytorch.tensor(a), dim=dim)
    assert out.shape == a.shape and out.dtype == tinytorch.float32
    np.testing.assert_allclose(out.data, log_softmax_reference(a, dim), rtol=1e-5, atol=1e-5)


@given(case=arrays_and_dim())
def test_softmax_methods_agree_with_the_functions(case):
    a, dim = case
    t = tinytorch.tensor(a)
    np.testing.assert_array_equal(t.softmax(dim).data, F.softmax(t, dim).data)
    np.testing.assert_array_equal(t.log_softmax(dim=dim).data, F.log_softmax(t, dim=dim).data)
    np.testing.assert_array_equal(tinytorch.softmax(t, dim).data, F.softmax(t, dim).data)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_and_log_softmax_are_stable_for_huge_logits(dtype):
    logits = tinytorch.tensor(np.array([[1e4, 0.0, -1e4], [1e4, 1e4, 1e4], [-1e4, -1e4, 1e3]], dtype=dtype))
    with warnings.catch_warnings(action="error"):
        probs, log_probs = F.softmax(logits, dim=1), F.log_softmax(logits, dim=-1)
    assert probs.dtype == log_probs.dtype == dtype
    np.testing.assert_allclose(probs.data, [[1, 0, 0], [1 / 3, 1 / 3, 1 / 3], [0, 0, 1]], atol=1e-7)
    np.testing.assert_allclose(log_probs.data, [[0, -1e4, -2e4], [-math.log(3)] * 3, [-11e3, -11e3, 0]], rtol=1e-6)


@given(a=float32_arrays(hnp.array_shapes(min_dims=1, max_dims=3, max_side=4), -10, 10),
       shift=st.sampled_from([-5000.0, 3000.0]))
def test_softmax_ignores_a_constant_shift(a, shift):
    shifted = a.astype(np.float64) + shift
    with warnings.catch_warnings(action="error"):
        out = F.softmax(tinytorch.tensor(shifted), dim=-1)
    np.testing.assert_allclose(out.data, softmax_reference(a, -1), rtol=1e-6, atol=1e-12)


def test_softmax_dim_out_of_range_is_an_index_error():
    with pytest.raises(IndexError):
        F.softmax(tinytorch.ones(2, 3), dim=2)
    with pytest.raises(IndexError):
        F.log_softmax(tinytorch.ones(2, 3), dim=-3)


# ---- the graph each activation records for module 05 ------------------------------------------------
ACTIVATIONS = {**FUNCTIONS, "softmax": lambda x: F.softmax(x, dim=1), "log_softmax": lambda x: F.log_softmax(x, dim=0)}


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_records_a_graph_node_only_when_its_input_requires_grad(name):
    values = np.array([[-1.0, 0.5, 2.0], [3.0, -0.25, 0.0]], dtype=np.float32)
    tracked = ACTIVATIONS[name](tinytorch.tensor(values, requires_grad=True))
    assert tracked.requires_grad and tracked.grad_fn is not None
    plain = ACTIVATIONS[name](tinytorch.tensor(values))
    assert not plain.requires_grad and plain.grad_fn is None
    np.testing.assert_array_equal(tracked.data, plain.data)
