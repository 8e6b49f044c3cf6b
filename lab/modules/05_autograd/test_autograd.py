"""Module 05 - Autograd: the gradient of every op, and the backward engine.

Each op's gradient is checked against central differences in float64: backward() is seeded with a
random upstream gradient u, and every input's `.grad` must equal u^T J, where J is the Jacobian
that `numerical_jacobian` below measures by nudging one input element at a time. A failing test
names the op; its message shows your gradient next to the measured one.
"""

import gc
import math
import weakref

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinytorch
import tinytorch.nn.functional as F
from tinytorch import autograd, nn

PROPERTY = settings(max_examples=40, deadline=None)  # the rest from the profile in lab/modules/conftest.py


# ---- helpers: inputs and the finite-difference check ---------------------------------------------
def leaf(shape, seed=0, positive=False):
    """A float64 leaf that requires grad, its values at least 0.2 away from 0 (away from every kink
    the tests use: relu, abs, clamp bounds) and below 2 in size; positive=True for log, sqrt, pow."""
    rng = np.random.default_rng(seed)
    values = rng.uniform(0.2, 2.0, shape)
    if not positive:
        values = values * rng.choice([-1.0, 1.0], shape)
    return tinytorch.tensor(np.asarray(values), requires_grad=True)


def numerical_jacobian(fn, inputs, wrt, eps=1e-6):
    """J[i, j] = d out_i / d x_j for x = inputs[wrt], by central differences:
    (fn(x + eps e_j) - fn(x - eps e_j)) / (2 eps), one column per element of x."""
    flat = inputs[wrt].data.reshape(-1)
    assert np.shares_memory(flat, inputs[wrt].data), "test inputs must be contiguous"
    columns = []
    with tinytorch.no_grad():
        for j in range(flat.size):
            original = flat[j]
            flat[j] = original + eps
            plus = np.array(fn(*inputs).data, dtype=np.float64).ravel()
            flat[j] = original - eps
            minus = np.array(fn(*inputs).data, dtype=np.float64).ravel()
            flat[j] = original
            columns.append((plus - minus) / (2 * eps))
    return np.stack(columns, axis=1)


def check_gradients(fn, *inputs, seed=99, rtol=1e-5, atol=1e-7):
    """Every input that requires grad must receive u^T J from out.backward(u), u random."""
    out = fn(*inputs)
    assert out.requires_grad, "the output of an op on a tensor that requires grad must require grad"
    upstream = np.random.default_rng(seed).standard_normal(out.shape)
    out.backward(tinytorch.tensor(upstream))
    for i, x in enumerate(inputs):
        if not (isinstance(x, tinytorch.Tensor) and x.requires_grad):
            continue
        expected = (upstream.reshape(-1) @ numerical_jacobian(fn, inputs, i)).reshape(x.shape)
        assert x.grad is not None, f"input {i} received no gradient"
        assert isinstance(x.grad, tinytorch.Tensor), f"input {i}: .grad must be a Tensor"
        assert x.grad.shape == x.shape, f"input {i}: .grad has shape {x.grad.shape}, the input {x.shape}"
        np.testing.assert_allclose(x.grad.data, expected, rtol=rtol, atol=atol,
                                   err_msg=f"gradient of input {i} (actual: backward, desired: finite differences)")


def constant(values, dtype=np.float64):
    return tinytorch.tensor(np.asarray(values, dtype=dtype))


# ---- 01 Tensor: elementwise arithmetic, with broadcasting ------------------------------------------
BROADCAST = [((3, 1, 4), (2, 1)), ((2, 3), (2, 3)), ((4,), ()), ((), (2, 3)), ((2, 1), (1, 3))]

BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow_tensor_exponent": lambda a, b: a ** b,
    "maximum": lambda a, b: tinytorch.maximum(a, b),
    "minimum": lambda a, b: tinytorch.minimum(a, b),
    "maximum_method": lambda a, b: a.maximum(b),
    "minimum_method": lambda a, b: a.minimum(b),
}


@pytest.mark.parametrize("shapes", BROADCAST, ids=str)
@pytest.mark.parametrize("op", BINARY)
def test_binary_op_gradient_with_broadcasting(op, shapes):
    a = leaf(shapes[0], seed=1, positive=op.startswith("pow"))
    b = leaf(shapes[1], seed=2)
    check_gradients(BINARY[op], a, b)


WITH_A_NUMBER = {
    "tensor + number": lambda a: a + 2.5,
    "number + tensor": lambda a: 2.5 + a,
    "tensor - number": lambda a: a - 2.5,
    "number - tensor": lambda a: 2.5 - a,
    "tensor * number": lambda a: a * 3.0,
    "number * tensor": lambda a: -3.0 * a,
    "tensor / number": lambda a: a / 4.0,
    "number / tensor": lambda a: 3.0 / a,
    "tensor ** 3": lambda a: a ** 3,
    "tensor ** 2.5": lambda a: a ** 2.5,
    "tensor ** -1.5": lambda a: a ** -1.5,
    "tensor ** 0.5": lambda a: a ** 0.5,
    "tensor ** 1": lambda a: a ** 1,
    "number ** tensor (rpow)": lambda a: 2.0 ** a,
    "negation": lambda a: -a,
}


@pytest.mark.parametrize("op", WITH_A_NUMBER)
def test_op_with_a_python_number_has_the_right_gradient(op):
    check_gradients(WITH_A_NUMBER[op], leaf((2, 3), seed=3, positive="**" in op))


def test_pow_with_exponent_zero_has_zero_gradient_even_at_zero():
    x = constant([0.0, 1.5, -2.0]).requires_grad_()
    (x ** 0).sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.zeros(3))


def test_pow_tensor_exponent_gradients_at_a_zero_base_are_zero_as_in_pytorch():
    """d(x^e)/dx = e x^(e-1) is 0 where e == 0, and d(x^e)/de = x^e log x is taken as 0 where x == 0."""
    x = constant([0.0, 0.0, 2.0]).requires_grad_()
    e = constant([0.0, 2.0, 3.0]).requires_grad_()
    (x ** e).sum().backward()
    np.testing.assert_allclose(x.grad.data, [0.0, 0.0, 12.0])
    np.testing.assert_allclose(e.grad.data, [0.0, 0.0, 8 * math.log(2)])


def test_pow_gradient_of_a_tensor_exponent_alone():
    e = leaf((2, 2), seed=5)
    check_gradients(lambda e: constant([[1.5, 2.0], [0.5, 3.0]]) ** e, e)


UNARY = {
    "abs": (lambda x: x.abs(), False),
    "exp": (lambda x: x.exp(), False),
    "log": (lambda x: x.log(), True),
    "sqrt": (lambda x: x.sqrt(), True),
    "clamp(min, max)": (lambda x: x.clamp(-0.5, 0.5), False),
    "clamp(min=)": (lambda x: x.clamp(min=-0.5), False),
    "clamp(max=)": (lambda x: x.clamp(max=0.5), False),
    "clip": (lambda x: x.clip(-1.0, 1.0), False),
}


@pytest.mark.parametrize("op", UNARY)
def test_unary_op_gradient(op):
    fn, positive = UNARY[op]
    check_gradients(fn, leaf((3, 4), seed=6, positive=positive))


def test_abs_gradient_is_zero_at_zero():
    x = constant([-2.0, 0.0, 3.0]).requires_grad_()
    x.abs().sum().backward()
    np.testing.assert_array_equal(x.grad.data, [-1.0, 0.0, 1.0])


def test_clamp_passes_the_gradient_on_its_bounds_and_blocks_it_outside():
    x = constant([-2.0, -1.0, 0.0, 1.0, 2.0]).requires_grad_()
    x.clamp(-1.0, 1.0).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 1.0, 1.0, 1.0, 0.0])


@pytest.mark.parametrize("fn", [tinytorch.maximum, tinytorch.minimum], ids=["maximum", "minimum"])
def test_maximum_and_minimum_split_the_gradient_evenly_on_ties(fn):
    a = constant([1.0, 2.0, 5.0]).requires_grad_()
    b = constant([1.0, 3.0, 4.0]).requires_grad_()
    fn(a, b).sum().backward()
    bigger = fn is tinytorch.maximum
    np.testing.assert_array_equal(a.grad.data, [0.5, 0.0, 1.0] if bigger else [0.5, 1.0, 0.0])
    np.testing.assert_array_equal(b.grad.data, [0.5, 1.0, 0.0] if bigger else [0.5, 0.0, 1.0])


def test_where_sends_the_gradient_to_the_chosen_side():
    condition = tinytorch.tensor(np.array([[True, False, True, False], [False, False, True, True]]))
    a, b = leaf((3, 1, 4), seed=7), leaf((2, 1), seed=8)
    check_gradients(lambda a, b: tinytorch.where(condition, a, b), a, b)


def test_where_with_a_number_for_one_side():
    x = leaf((2, 3), seed=9)
    condition = tinytorch.tensor(np.array([[True, False, True], [False, True, False]]))
    check_gradients(lambda x: tinytorch.where(condition, x, 0.0), x)
    y = leaf((2, 3), seed=10)
    check_gradients(lambda y: tinytorch.where(condition, 1.5, y), y)


def test_float_cast_gives_the_gradient_back_in_the_inputs_dtype():
    x = tinytorch.tensor([1.0, 2.0], requires_grad=True)  # float32
    y = x.to(tinytorch.float64) * constant([3.0, 4.0])
    y.sum().backward()
    assert x.grad.dtype == tinytorch.float32
    np.testing.assert_array_equal(x.grad.data, [3.0, 4.0])
    z = leaf((2,), seed=11)
    (z.float() * 2.0).sum().backward()
    assert z.grad.dtype == tinytorch.float64
    np.testing.assert_array_equal(z.grad.data, [2.0, 2.0])


# ---- 01 Tensor: matmul of vectors, matrices and batches --------------------------------------------
MATMUL = [
    ((3,), (3,)),            # vector . vector -> scalar
    ((3,), (3, 4)),          # vector @ matrix
    ((2, 3), (3,)),          # matrix @ vector
    ((2, 3), (3, 4)),        # matrix @ matrix
    ((3,), (5, 3, 4)),       # vector @ batch
    ((5, 2, 3), (3,)),       # batch @ vector
    ((5, 2, 3), (3, 4)),     # batch @ matrix
    ((2, 3), (5, 3, 4)),     # matrix @ batch
    ((5, 2, 3), (5, 3, 4)),  # batch @ batch
    ((2, 1, 2, 3), (4, 3, 5)),  # broadcast batches
]


@pytest.mark.parametrize("shapes", MATMUL, ids=lambda s: f"{s[0]}@{s[1]}")
def test_matmul_gradient(shapes):
    a, b = leaf(shapes[0], seed=12), leaf(shapes[1], seed=13)
    check_gradients(lambda a, b: a @ b, a, b)


@pytest.mark.parametrize("shapes", [((2, 3), (3, 4)), ((3,), (5, 3, 4)), ((5, 2, 3), (3,))], ids=str)
def test_matmul_gradient_when_only_one_operand_requires_grad(shapes):
    a, b = leaf(shapes[0], seed=14), leaf(shapes[1], seed=15)
    fixed_b = tinytorch.tensor(b.data.copy())
    check_gradients(lambda a: a @ fixed_b, a)
    fixed_a = tinytorch.tensor(a.data.copy())
    check_gradients(lambda b: fixed_a.matmul(b), b)
    assert fixed_a.grad is None and fixed_b.grad is None


# ---- 01 Tensor: reductions ---------------------------------------------------------------------------
DIMS = [None, 0, 1, 2, -1, (0, 2), (1, -1), (0, 1, 2)]
REDUCTIONS = {
    "sum": lambda x, dim, keepdim: x.sum(dim=dim, keepdim=keepdim),
    "mean": lambda x, dim, keepdim: x.mean(dim=dim, keepdim=keepdim),
    "var": lambda x, dim, keepdim: x.var(dim=dim, keepdim=keepdim),
    "var(unbiased=False)": lambda x, dim, keepdim: x.var(dim, unbiased=False, keepdim=keepdim),
    "var(correction=0)": lambda x, dim, keepdim: x.var(dim=dim, keepdim=keepdim, correction=0),
}


@pytest.mark.parametrize("keepdim", [False, True], ids=["", "keepdim"])
@pytest.mark.parametrize("dim", DIMS, ids=str)
@pytest.mark.parametrize("op", REDUCTIONS)
def test_reduction_gradient(op, dim, keepdim):
    check_gradients(lambda x: REDUCTIONS[op](x, dim, keepdim), leaf((2, 3, 4), seed=16))


def test_reductions_accept_numpys_axis_keyword():
    x = leaf((2, 3), seed=17)
    check_gradients(lambda x: x.sum(axis=1) + x.mean(axis=1) + x.var(axis=1), x)


def test_var_gradient_with_correction_2():
    check_gradients(lambda x: x.var(dim=1, correction=2), leaf((2, 5), seed=18))


@pytest.mark.parametrize("op", ["max", "min"])
def test_full_max_and_min_gradient(op):
    check_gradients(lambda x: getattr(x, op)(), leaf((3, 4), seed=19))


@pytest.mark.parametrize("keepdim", [False, True], ids=["", "keepdim"])
@pytest.mark.parametrize("dim", [0, 1, 2, -1])
@pytest.mark.parametrize("op", ["max", "min"])
def test_max_and_min_along_a_dim_gradient(op, dim, keepdim):
    check_gradients(lambda x: getattr(x, op)(dim=dim, keepdim=keepdim).values, leaf((2, 3, 4), seed=20))
    check_gradients(lambda x: getattr(x, op)(dim, keepdim)[0], leaf((2, 3, 4), seed=21))


@pytest.mark.parametrize("op", ["max", "min"])
def test_full_max_and_min_share_the_gradient_among_ties(op):
    x = constant([1.0, 3.0, 3.0, 2.0] if op == "max" else [2.0, 0.0, 5.0, 0.0]).requires_grad_()
    getattr(x, op)().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.5, 0.5, 0.0] if op == "max" else [0.0, 0.5, 0.0, 0.5])


def test_max_along_a_dim_sends_the_gradient_to_the_returned_index():
    x = constant([[1.0, 3.0, 3.0], [4.0, 4.0, 0.0]]).requires_grad_()
    values, indices = x.max(dim=1)
    values.sum().backward()
    expected = np.zeros((2, 3))
    expected[[0, 1], indices.data] = 1.0
    np.testing.assert_array_equal(x.grad.data, expected)


# ---- 01 Tensor: shape operations ---------------------------------------------------------------------
SHAPE_OPS = {
    "reshape(4, 6)": lambda x: x.reshape(4, 6),
    "reshape((-1,))": lambda x: x.reshape((-1,)),
    "view(3, -1)": lambda x: x.view(3, -1),
    "flatten()": lambda x: x.flatten(),
    "flatten(1)": lambda x: x.flatten(1),
    "flatten(0, 1)": lambda x: x.flatten(0, 1),
    "unsqueeze(0)": lambda x: x.unsqueeze(0),
    "unsqueeze(-1)": lambda x: x.unsqueeze(-1),
    "unsqueeze(1).squeeze(1)": lambda x: x.unsqueeze(1).squeeze(1),
    "transpose(0, 2)": lambda x: x.transpose(0, 2),
    "transpose(-1, -2)": lambda x: x.transpose(-1, -2),
    "permute(2, 0, 1)": lambda x: x.permute(2, 0, 1),
    "permute((1, 2, 0))": lambda x: x.permute((1, 2, 0)),
    "T of a matrix": lambda x: x[0].T,
    "t()": lambda x: x[1].t(),
    "expand(3, 2, 3, 4)": lambda x: x.expand(3, 2, 3, 4),
}


@pytest.mark.parametrize("op", SHAPE_OPS)
def test_shape_op_gradient(op):
    check_gradients(SHAPE_OPS[op], leaf((2, 3, 4), seed=22))


@pytest.mark.parametrize("op", ["squeeze()", "squeeze(1)", "squeeze(-1)", "squeeze(0)"])
def test_squeeze_gradient(op):
    dim = {"squeeze()": None, "squeeze(1)": 1, "squeeze(-1)": -1, "squeeze(0)": 0}[op]
    check_gradients(lambda x: x.squeeze() if dim is None else x.squeeze(dim), leaf((2, 1, 3, 1), seed=23))


@pytest.mark.parametrize("sizes", [(2, 3, 4), (4, -1, 4), (2, 1, 3, 4)], ids=str)
def test_expand_gradient_sums_over_the_copies(sizes):
    check_gradients(lambda x: x.expand(*sizes), leaf((3, 1), seed=24))


# ---- 01 Tensor: indexing -----------------------------------------------------------------------------
INDEXES = {
    "x[1]": lambda x: x[1],
    "x[-1]": lambda x: x[-1],
    "x[1, 2] (one element)": lambda x: x[1, 2],
    "x[1:3]": lambda x: x[1:3],
    "x[::2]": lambda x: x[::2],
    "x[:, 1]": lambda x: x[:, 1],
    "x[..., 2]": lambda x: x[..., 2],
    "x[None]": lambda x: x[None],
    "x[:, None, 1:4]": lambda x: x[:, None, 1:4],
    "x[[0, 2, 0]] (repeated rows)": lambda x: x[[0, 2, 0]],
    "x[tensor([3, 3, 1])] (repeated rows)": lambda x: x[tinytorch.tensor([3, 3, 1])],
    "x[[0, 0, 1], [1, 1, 2]] (repeated pairs)": lambda x: x[[0, 0, 1], [1, 1, 2]],
    "x[1:, [0, 0, 4]]": lambda x: x[1:, [0, 0, 4]],
    "x[row mask]": lambda x: x[tinytorch.tensor(np.array([True, False, True, True]))],
    "x[element mask]": lambda x: x[tinytorch.tensor(np.arange(20).reshape(4, 5) % 3 == 0)],
    "x[x > 0] (mask from a comparison)": lambda x: x[x > 0],
}


@pytest.mark.parametrize("index", INDEXES)
def test_indexing_gradient(index):
    check_gradients(INDEXES[index], leaf((4, 5), seed=25))


def test_repeated_indices_accumulate_their_gradients():
    x = leaf((3,), seed=26)
    x[[0, 0, 0, 2]].sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3.0, 0.0, 1.0])


# ---- 01 Tensor: cat and stack ---------------------------------------------------------------------
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cat_gradient_splits_back_to_each_input(dim):
    shapes = {0: [(1, 3), (2, 3), (3, 3)], 1: [(2, 1), (2, 3), (2, 2)], -1: [(2, 2), (2, 1), (2, 4)]}[dim]
    inputs = [leaf(shape, seed=27 + i) for i, shape in enumerate(shapes)]
    check_gradients(lambda *ts: tinytorch.cat(list(ts), dim=dim), *inputs)


@pytest.mark.parametrize("dim", [0, 1, 2, -1])
def test_stack_gradient(dim):
    inputs = [leaf((2, 3), seed=30 + i) for i in range(3)]
    check_gradients(lambda *ts: tinytorch.stack(ts, dim=dim), *inputs)


def test_cat_with_an_input_that_needs_no_gradient():
    x, fixed = leaf((2, 2), seed=33), constant(np.ones((1, 2)))
    check_gradients(lambda x: tinytorch.cat([fixed, x, fixed]), x)
    assert fixed.grad is None


# ---- 02 Activations ----------------------------------------------------------------------------------
ACTIVATIONS = {
    "relu": F.relu,
    "relu method": lambda x: x.relu(),
    "tinytorch.relu": tinytorch.relu,
    "leaky_relu": F.leaky_relu,
    "leaky_relu(0.2)": lambda x: F.leaky_relu(x, 0.2),
    "sigmoid": F.sigmoid,
    "sigmoid method": lambda x: x.sigmoid(),
    "tanh": F.tanh,
    "tanh method": lambda x: x.tanh(),
    "gelu": F.gelu,
    "gelu(approximate='tanh')": lambda x: F.gelu(x, approximate="tanh"),
    "softmax(dim=0)": lambda x: F.softmax(x, dim=0),
    "softmax(dim=1)": lambda x: F.softmax(x, dim=1),
    "softmax(dim=-1)": lambda x: x.softmax(-1),
    "log_softmax(dim=0)": lambda x: F.log_softmax(x, dim=0),
    "log_softmax(dim=-1)": lambda x: x.log_softmax(-1),
    "nn.ReLU": lambda x: nn.ReLU()(x),
    "nn.LeakyReLU(0.1)": lambda x: nn.LeakyReLU(0.1)(x),
    "nn.Sigmoid": lambda x: nn.Sigmoid()(x),
    "nn.Tanh": lambda x: nn.Tanh()(x),
    "nn.GELU('tanh')": lambda x: nn.GELU("tanh")(x),
    "nn.Softmax(dim=1)": lambda x: nn.Softmax(dim=1)(x),
    "nn.LogSoftmax(dim=1)": lambda x: nn.LogSoftmax(dim=1)(x),
}


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_activation_gradient(activation):
    check_gradients(ACTIVATIONS[activation], leaf((3, 4), seed=34))


@pytest.mark.parametrize("dim", [0, 1, 2])
@pytest.mark.parametrize("activation", ["softmax", "log_softmax"])
def test_softmax_gradient_on_a_3d_input(activation, dim):
    check_gradients(lambda x: getattr(F, activation)(x, dim=dim), leaf((2, 3, 2), seed=35 + dim))


def test_relu_gradient_is_zero_at_zero_and_below():
    x = constant([-1.0, 0.0, 2.0]).requires_grad_()
    F.relu(x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.0, 1.0])


def test_gradients_of_saturated_activations_are_finite():
    x = constant([-1000.0, -50.0, 0.0, 50.0, 1000.0]).requires_grad_()
    (F.sigmoid(x).sum() + F.tanh(x).sum() + F.softmax(x, dim=0)[4]).backward()
    assert np.all(np.isfinite(x.grad.data))
    np.testing.assert_allclose(x.grad.data[[0, 1, 3]], 0.0, atol=1e-20)


# ---- 03 Layers ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("input_shape", [(5, 3), (2, 5, 3), (3,)], ids=str)
def test_linear_gradient_for_input_weight_and_bias(input_shape):
    x, w, b = leaf(input_shape, seed=38), leaf((4, 3), seed=39), leaf((4,), seed=40)
    check_gradients(F.linear, x, w, b)


def test_linear_gradient_without_bias():
    check_gradients(F.linear, leaf((5, 3), seed=41), leaf((2, 3), seed=42))


def test_linear_gradient_for_the_weights_only():
    x = constant(np.random.default_rng(43).standard_normal((5, 3)))
    w, b = leaf((2, 3), seed=44), leaf((2,), seed=45)
    check_gradients(lambda w, b: F.linear(x, w, b), w, b)
    assert x.grad is None


def test_linear_layer_fills_the_grads_of_its_parameters():
    layer = nn.Linear(3, 2, dtype=tinytorch.float64)
    x = constant(np.random.default_rng(46).standard_normal((4, 3)))
    check_gradients(lambda w, b: layer(x), layer.weight, layer.bias)  # the layer computes with w and b


def test_sequential_model_gradient_for_every_parameter():
    model = nn.Sequential(nn.Linear(3, 4, dtype=tinytorch.float64), nn.Tanh(),
                          nn.Linear(4, 2, dtype=tinytorch.float64))
    x = constant(np.random.default_rng(47).standard_normal((5, 3)))
    check_gradients(lambda *params: model(x), *model.parameters())


def test_dropout_gradient_is_the_kept_mask_scaled_by_1_over_1_minus_p():
    def dropped(x):
        tinytorch.manual_seed(0)  # the same mask on every call
        return F.dropout(x, p=0.4)

    x = leaf((4, 5), seed=48)
    check_gradients(dropped, x)
    kept = dropped(x).data != 0
    assert 0 < kept.sum() < kept.size
    x.grad = None
    dropped(x).sum().backward()
    np.testing.assert_allclose(x.grad.data, kept / 0.6)


def test_dropout_in_eval_mode_passes_the_gradient_unchanged():
    layer = nn.Dropout(0.5).eval()
    x = leaf((3, 3), seed=49)
    layer(x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.ones((3, 3)))


# ---- 04 Losses ----------------------------------------------------------------------------------------
REDUCTION = ["mean", "sum", "none"]


@pytest.mark.parametrize("reduction", REDUCTION)
def test_mse_loss_gradient_for_input_and_target(reduction):
    check_gradients(lambda a, b: F.mse_loss(a, b, reduction=reduction), leaf((3, 2), seed=50), leaf((3, 2), seed=51))


LABELS = tinytorch.tensor([2, 0, 2, 1])


@pytest.mark.parametrize("smoothing", [0.0, 0.2])
@pytest.mark.parametrize("reduction", REDUCTION)
def test_cross_entropy_gradient_with_class_indices(reduction, smoothing):
    check_gradients(lambda x: F.cross_entropy(x, LABELS, reduction=reduction, label_smoothing=smoothing),
                    leaf((4, 3), seed=52))


@pytest.mark.parametrize("smoothing", [0.0, 0.3])
@pytest.mark.parametrize("reduction", REDUCTION)
def test_cross_entropy_gradient_with_class_probabilities(reduction, smoothing):
    probs = constant(np.random.default_rng(53).dirichlet(np.ones(3), size=4))
    check_gradients(lambda x: F.cross_entropy(x, probs, reduction=reduction, label_smoothing=smoothing),
                    leaf((4, 3), seed=54))


@pytest.mark.parametrize("reduction", REDUCTION)
def test_cross_entropy_gradient_for_one_unbatched_sample(reduction):
    check_gradients(lambda x: F.cross_entropy(x, tinytorch.tensor(1), reduction=reduction), leaf((4,), seed=55))


def test_cross_entropy_loss_module_gradient():
    loss = nn.CrossEntropyLoss(label_smoothing=0.1)
    check_gradients(lambda x: loss(x, LABELS), leaf((4, 3), seed=56))


def test_cross_entropy_gradient_is_softmax_minus_one_hot_over_n():
    x = leaf((4, 3), seed=57)
    F.cross_entropy(x, LABELS).backward()
    e = np.exp(x.data - x.data.max(axis=1, keepdims=True))
    expected = (e / e.sum(axis=1, keepdims=True) - np.eye(3)[LABELS.data]) / 4
    np.testing.assert_allclose(x.grad.data, expected, rtol=1e-12)


def test_cross_entropy_gradient_is_finite_for_huge_logits():
    x = constant([[1e4, -1e4, 0.0], [0.0, 0.0, 1e4]]).requires_grad_()
    F.cross_entropy(x, tinytorch.tensor([1, 2])).backward()
    np.testing.assert_allclose(x.grad.data, [[0.5, -0.5, 0.0], [0.0, 0.0, 0.0]], atol=1e-12)


@pytest.mark.parametrize("reduction", REDUCTION)
def test_nll_loss_gradient(reduction):
    check_gradients(lambda x: F.nll_loss(x, LABELS, reduction=reduction), leaf((4, 3), seed=58))


def test_nll_loss_of_log_softmax_matches_cross_entropy_gradient():
    x1, x2 = leaf((4, 3), seed=59), leaf((4, 3), seed=59)
    F.nll_loss(F.log_softmax(x1, dim=1), LABELS).backward()
    F.cross_entropy(x2, LABELS).backward()
    np.testing.assert_allclose(x1.grad.data, x2.grad.data, rtol=1e-10)


@pytest.mark.parametrize("reduction", REDUCTION)
def test_binary_cross_entropy_gradient(reduction):
    rng = np.random.default_rng(60)
    p = tinytorch.tensor(rng.uniform(0.05, 0.95, (3, 2)), requires_grad=True)
    y = constant(rng.uniform(0, 1, (3, 2)))
    check_gradients(lambda p: F.binary_cross_entropy(p, y, reduction=reduction), p)


@pytest.mark.parametrize("pos_weight", [None, [0.5, 3.0]], ids=["", "pos_weight"])
@pytest.mark.parametrize("reduction", REDUCTION)
def test_binary_cross_entropy_with_logits_gradient(reduction, pos_weight):
    y = constant(np.random.default_rng(61).uniform(0, 1, (3, 2)))
    weight = None if pos_weight is None else constant(pos_weight)
    check_gradients(lambda x: F.binary_cross_entropy_with_logits(x, y, reduction=reduction, pos_weight=weight),
                    leaf((3, 2), seed=62))


def test_loss_modules_for_binary_targets_have_the_same_gradients_as_the_functions():
    y = constant([[1.0, 0.0], [0.0, 1.0]])
    check_gradients(lambda x: nn.BCEWithLogitsLoss(pos_weight=constant([2.0, 1.0]))(x, y), leaf((2, 2), seed=63))
    check_gradients(lambda x: nn.BCELoss()(F.sigmoid(x), y), leaf((2, 2), seed=64))
    check_gradients(lambda x: nn.MSELoss(reduction="sum")(x, y), leaf((2, 2), seed=65))
    check_gradients(lambda x: nn.NLLLoss()(x, tinytorch.tensor([1, 0])), leaf((2, 2), seed=66))


def test_binary_cross_entropy_with_logits_gradient_is_finite_for_huge_logits():
    x = constant([1e4, -1e4, 1e4, -1e4]).requires_grad_()
    F.binary_cross_entropy_with_logits(x, constant([0.0, 1.0, 1.0, 0.0]), reduction="sum").backward()
    np.testing.assert_allclose(x.grad.data, [1.0, -1.0, 0.0, 0.0], atol=1e-12)


def test_a_small_classifier_gradient_end_to_end():
    x = constant(np.random.default_rng(67).standard_normal((4, 3)))
    w1, b1, w2, b2 = leaf((5, 3), seed=68), leaf((5,), seed=69), leaf((3, 5), seed=70), leaf((3,), seed=71)
    check_gradients(lambda w1, b1, w2, b2: F.cross_entropy(F.linear(F.gelu(F.linear(x, w1, b1)), w2, b2), LABELS),
                    w1, b1, w2, b2)


# ---- the backward engine ---------------------------------------------------------------------------
def test_backward_of_a_scalar_starts_from_gradient_one():
    x = leaf((3,), seed=72)
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.data, 2 * x.data)


def test_backward_with_a_gradient_argument_computes_a_vector_jacobian_product():
    x = leaf((3,), seed=73)
    (x * 2.0).backward(gradient=tinytorch.tensor([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(x.grad.data, [2.0, 4.0, 6.0])


def test_grad_is_a_tensor_with_the_shape_and_dtype_of_its_leaf():
    x = tinytorch.ones(2, 3, requires_grad=True)
    (x * 3.0).sum().backward()
    assert isinstance(x.grad, tinytorch.Tensor)
    assert x.grad.shape == (2, 3) and x.grad.dtype == tinytorch.float32
    assert not x.grad.requires_grad


def test_gradients_accumulate_in_grad_across_backward_calls():
    x = leaf((2,), seed=74)
    (x * 3.0).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.data, 3.0 + 2 * x.data)


def test_only_leaves_that_require_grad_get_a_grad():
    x, c = leaf((2,), seed=75), constant([1.0, 2.0])
    hidden = x * c
    hidden.sum().backward()
    assert hidden.grad is None and c.grad is None
    assert x.grad is not None


def test_a_diamond_adds_the_gradients_of_both_paths():
    a = leaf((3,), seed=76)
    b = a + a
    b.sum().backward()
    np.testing.assert_array_equal(a.grad.data, np.full(3, 2.0))
    a.grad = None
    c = a * 2.0
    d = c * c + c.exp() * a  # c reached by two paths, a by three
    d.sum().backward()
    np.testing.assert_allclose(a.grad.data, 8 * a.data + np.exp(2 * a.data) * (2 * a.data + 1))


def test_a_graph_with_shared_subexpressions_has_the_right_gradient():
    def fn(x, y):
        h = F.tanh(x @ y)
        return (h * h.sum(dim=0) + h.T @ h @ (y.T @ y)).sum(dim=1)

    check_gradients(fn, leaf((2, 3), seed=77), leaf((3, 2), seed=78))


def test_a_chain_of_10000_ops_does_not_hit_the_recursion_limit():
    x = leaf((), seed=79)
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    y.backward()
    np.testing.assert_allclose(x.grad.data, 1.0001**10_000, rtol=1e-9)


def test_backward_of_a_non_scalar_without_gradient_raises():
    x = leaf((3,), seed=80)
    with pytest.raises(RuntimeError, match=r"(?s)scalar.*gradient"):
        (x * 2.0).backward()


def test_backward_with_a_gradient_of_the_wrong_shape_raises():
    x = leaf((3,), seed=81)
    with pytest.raises(RuntimeError, match="shape"):
        (x * 2.0).backward(gradient=tinytorch.ones(2))


def test_a_second_backward_through_a_freed_graph_raises():
    x = leaf((3,), seed=82)
    y = (x.exp() * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph"):
        y.backward()


def test_retain_graph_allows_a_second_backward_that_accumulates():
    x = leaf((3,), seed=83)
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    first = x.grad.data.copy()
    y.backward()
    np.testing.assert_allclose(x.grad.data, 2 * first)


def test_backward_of_a_tensor_that_does_not_require_grad_raises():
    with pytest.raises(RuntimeError, match="requires?_grad"):
        (constant([1.0, 2.0]) * 2.0).sum().backward()


def test_no_graph_is_recorded_under_no_grad():
    x = leaf((3,), seed=84)
    with tinytorch.no_grad():
        assert not tinytorch.is_grad_enabled()
        y = (x * 2.0).sum()
    assert tinytorch.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None and y.is_leaf
    with pytest.raises(RuntimeError):
        y.backward()


def test_enable_grad_records_again_inside_no_grad():
    x = leaf((3,), seed=85)
    with tinytorch.no_grad():
        with tinytorch.enable_grad():
            assert tinytorch.is_grad_enabled()
            y = (x * 2.0).sum()
        assert not tinytorch.is_grad_enabled()
    y.backward()
    np.testing.assert_array_equal(x.grad.data, np.full(3, 2.0))


def test_set_grad_enabled_as_a_call_and_as_a_context_manager():
    x = leaf((2,), seed=86)
    try:
        tinytorch.set_grad_enabled(False)
        assert not tinytorch.is_grad_enabled() and not (x * 2.0).requires_grad
    finally:
        tinytorch.set_grad_enabled(True)
    with tinytorch.set_grad_enabled(False):
        assert not (x * 2.0).requires_grad
    assert tinytorch.is_grad_enabled() and (x * 2.0).requires_grad


def test_no_grad_as_a_decorator_and_mode_is_restored_after_an_exception():
    @tinytorch.no_grad()
    def double(t):
        return t * 2.0

    assert not double(leaf((2,), seed=87)).requires_grad
    assert tinytorch.is_grad_enabled()
    with pytest.raises(ValueError), tinytorch.no_grad():
        raise ValueError("an error inside no_grad")
    assert tinytorch.is_grad_enabled()


def test_detach_cuts_the_graph():
    x = leaf((3,), seed=88)
    (x * x.detach()).sum().backward()
    np.testing.assert_allclose(x.grad.data, x.data)


def test_autograd_grad_returns_gradients_without_touching_dot_grad():
    x, y = leaf((3,), seed=89), leaf((3,), seed=90)
    hidden = x * y
    out = (hidden * hidden).sum()
    gx, gh = autograd.grad(out, [x, hidden])
    np.testing.assert_allclose(gx.data, 2 * hidden.data * y.data)
    np.testing.assert_allclose(gh.data, 2 * hidden.data)
    assert x.grad is None and y.grad is None
    (gy,) = autograd.grad((x * y).sum(), y)
    np.testing.assert_allclose(gy.data, x.data)


def test_autograd_grad_raises_for_an_unused_input_unless_allowed():
    x, unused = leaf((2,), seed=91), leaf((2,), seed=92)
    with pytest.raises(RuntimeError, match="allow_unused"):
        autograd.grad((x * 2.0).sum(), [x, unused])
    gx, gu = autograd.grad((x * 2.0).sum(), [x, unused], allow_unused=True)
    assert gu is None
    np.testing.assert_array_equal(gx.data, [2.0, 2.0])


def _training_step_graph():
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3))
    x = tinytorch.randn(5, 4)
    hidden = model[1](model[0](x))
    logits = model[2](hidden)
    loss = F.cross_entropy(logits, tinytorch.tensor([0, 2, 1, 1, 0]))
    return model, [hidden, logits, loss]


def _unreachable_tinytorch_objects():
    """What the cycle collector would find of tinytorch's objects (it collects nothing else here)."""
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        gc.collect()
        found = [type(o).__name__ for o in gc.garbage if type(o).__module__.startswith("tinytorch")]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    return found


@pytest.mark.parametrize("run_backward", [True, False], ids=["after backward", "without backward"])
def test_a_dropped_graph_is_freed_at_once_without_the_cycle_collector(run_backward):
    """The graph must hold no reference cycles (a node never refers to the tensor it made)."""
    gc.collect()
    gc.disable()
    try:
        model, tensors = _training_step_graph()
        if run_backward:
            tensors[-1].backward()
        refs = [weakref.ref(t) for t in tensors]
        del tensors
        alive = [r() for r in refs if r() is not None]
        assert not alive, f"{len(alive)} tensors of the dropped graph are still alive: the graph has a reference cycle"
        assert not _unreachable_tinytorch_objects()
    finally:
        gc.enable()


def test_backward_frees_the_graph_while_the_loss_lives_on():
    gc.disable()
    try:
        model, (hidden, logits, loss) = _training_step_graph()
        refs = [weakref.ref(hidden), weakref.ref(logits)]
        del hidden, logits
        loss.backward()
        assert all(r() is None for r in refs), "after backward() the loss's graph must release its tensors"
        assert all(p.grad is not None for p in model.parameters())
    finally:
        gc.enable()


# ---- gradcheck ---------------------------------------------------------------------------------------
def test_gradcheck_passes_on_correct_gradients():
    x, w = leaf((2, 3), seed=93), leaf((3, 2), seed=94)
    assert autograd.gradcheck(lambda x, w: F.tanh(x @ w).sum(dim=1), (x, w)) is True
    assert autograd.gradcheck(lambda x: F.softmax(x, dim=1), (leaf((2, 3), seed=95),), eps=1e-6, atol=1e-5, rtol=1e-3)


def test_gradcheck_raises_on_a_function_whose_gradient_is_wrong():
    def wrong_square(x):  # the value is x^2, but autograd only sees one of the two factors
        return x * x.detach()

    with pytest.raises(RuntimeError, match="gradcheck"):
        autograd.gradcheck(wrong_square, (leaf((3,), seed=96),))


def test_gradcheck_refuses_float32_inputs():
    with pytest.raises(RuntimeError, match="float64"):
        autograd.gradcheck(lambda x: x * 2.0, (tinytorch.ones(2, requires_grad=True),))


# ---- properties over random shapes ---------------------------------------------------------------
PROPERTY_BINARY = ["add", "sub", "mul", "div", "pow_tensor_exponent", "maximum", "minimum"]


@PROPERTY
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3),
       op=st.sampled_from(PROPERTY_BINARY), seed=st.integers(0, 2**16))
def test_property_binary_op_gradients_for_random_broadcast_shapes(shapes, op, seed):
    a = leaf(shapes.input_shapes[0], seed=seed, positive=op.startswith("pow"))
    b = leaf(shapes.input_shapes[1], seed=seed + 1)
    check_gradients(BINARY[op], a, b)


@PROPERTY
@given(data=st.data(), shape=hnp.array_shapes(min_dims=1, max_dims=4, max_side=3),
       op=st.sampled_from(["sum", "mean", "var", "max", "min"]), keepdim=st.booleans(), seed=st.integers(0, 2**16))
def test_property_reduction_gradients_for_random_axes(data, shape, op, keepdim, seed):
    ndim = len(shape)
    if op in ("max", "min"):
        dim = data.draw(st.integers(-ndim, ndim - 1), label="dim")
        check_gradients(lambda x: getattr(x, op)(dim, keepdim=keepdim).values, leaf(shape, seed=seed))
        return
    axes = data.draw(st.lists(st.integers(0, ndim - 1), min_size=1, unique=True), label="axes")
    dim = tuple(a - ndim if data.draw(st.booleans(), label="negative") else a for a in axes)
    if op == "var":
        count = math.prod(shape[a] for a in axes)
        correction = 1 if count > 1 else 0
        check_gradients(lambda x: x.var(dim, keepdim=keepdim, correction=correction), leaf(shape, seed=seed))
    else:
        check_gradients(lambda x: getattr(x, op)(dim, keepdim=keepdim), leaf(shape, seed=seed))


@PROPERTY
@given(batches=hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=2, max_side=3),
       sizes=st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3)),
       vectors=st.tuples(st.booleans(), st.booleans()), seed=st.integers(0, 2**16))
def test_property_matmul_gradients_for_random_batches(batches, sizes, vectors, seed):
    n, k, m = sizes
    a_shape = (k,) if vectors[0] else batches.input_shapes[0] + (n, k)
    b_shape = (k,) if vectors[1] else batches.input_shapes[1] + (k, m)
    check_gradients(lambda a, b: a @ b, leaf(a_shape, seed=seed), leaf(b_shape, seed=seed + 1))


@PROPERTY
@given(data=st.data(), shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=3), seed=st.integers(0, 2**16))
def test_property_shape_ops_and_indexing_route_every_gradient_back(data, shape, seed):
    order = data.draw(st.permutations(range(len(shape))), label="permutation")
    picks = data.draw(st.lists(st.integers(0, math.prod(shape) - 1), min_size=1, max_size=8), label="picks")

    def fn(x):
        return x.permute(*order).reshape(-1)[picks].unsqueeze(0).expand(2, len(picks))

    check_gradients(fn, leaf(shape, seed=seed))
