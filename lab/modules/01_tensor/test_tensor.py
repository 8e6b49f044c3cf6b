"""Module 01 - Tensor: creation, dtypes, arithmetic with broadcasting, reductions, shape ops, indexing.

Every result is compared with NumPy computed here in float64; PyTorch's rules decide names,
defaults and dtypes. Property tests draw random shapes, broadcasts and axes with hypothesis.
"""

import operator

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinytorch

TOL = {"rtol": 1e-5, "atol": 1e-5}


def floats(low, high):
    """float32 numbers in [low, high] (bounds rounded to float32)."""
    return st.floats(float(np.float32(low)), float(np.float32(high)), width=32)


def float_arrays(shape, low=-10, high=10):
    return hnp.arrays(np.float32, shape, elements=floats(low, high))


SHAPES = hnp.array_shapes(min_dims=0, max_dims=4, max_side=4)
MODERATE = floats(-10, 10)
AWAY_FROM_ZERO = floats(0.5, 8) | floats(-8, -0.5)


@st.composite
def broadcast_pairs(draw, b_elements=MODERATE):
    """Two float32 arrays whose shapes broadcast together."""
    shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=4, max_side=4)).input_shapes
    a = draw(float_arrays(shapes[0]))
    b = draw(hnp.arrays(np.float32, shapes[1], elements=b_elements))
    return a, b


@st.composite
def arrays_and_dims(draw, min_side=1):
    """A float32 array of at least one dimension and a non-empty tuple of distinct dims (some negative)."""
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=4, min_side=min_side, max_side=4))
    ndim = len(shape)
    dims = draw(st.lists(st.integers(-ndim, ndim - 1), min_size=1, max_size=ndim, unique_by=lambda d: d % ndim))
    return draw(float_arrays(shape)), tuple(dims)


def f64(t):
    return np.asarray(t.data, dtype=np.float64)


# ---- making tensors ---------------------------------------------------------------------------
def test_tensor_from_python_floats_is_float32():
    t = tinytorch.tensor([[1.5, 2.0], [3.0, -4.25]])
    assert t.dtype == tinytorch.float32
    assert isinstance(t.data, np.ndarray)
    np.testing.assert_array_equal(t.data, [[1.5, 2.0], [3.0, -4.25]])


def test_tensor_from_python_ints_is_int64_and_mixed_list_is_float32():
    assert tinytorch.tensor([1, 2, 3]).dtype == tinytorch.int64
    assert tinytorch.tensor([1, 2.5]).dtype == tinytorch.float32
    assert tinytorch.tensor([True, False]).dtype == tinytorch.bool
    assert tinytorch.tensor(3.0).shape == ()


def test_tensor_from_numpy_array_keeps_its_dtype_and_copies():
    array = np.arange(4, dtype=np.float64)
    t = tinytorch.tensor(array)
    assert t.dtype == tinytorch.float64
    assert tinytorch.tensor(np.arange(3, dtype=np.int32)).dtype == np.int32
    array[0] = 99.0
    assert t.data[0] == 0.0, "tensor() must copy its data"


def test_tensor_with_explicit_dtype():
    t = tinytorch.tensor([1, 2], dtype=tinytorch.float64)
    assert t.dtype == tinytorch.float64
    np.testing.assert_array_equal(t.data, [1.0, 2.0])


def test_from_numpy_shares_memory():
    array = np.zeros(3)
    t = tinytorch.from_numpy(array)
    array[1] = 7.0
    assert t.dtype == tinytorch.float64
    assert t.tolist() == [0.0, 7.0, 0.0]


@pytest.mark.parametrize("make, fill", [(tinytorch.zeros, 0.0), (tinytorch.ones, 1.0)])
def test_zeros_and_ones_take_sizes_or_a_tuple(make, fill):
    for t in (make(2, 3), make((2, 3))):
        assert t.shape == (2, 3) and t.dtype == tinytorch.float32
        assert np.all(t.data == fill)
    assert make(4, dtype=tinytorch.int64).dtype == tinytorch.int64


def test_full_and_like_functions():
    t = tinytorch.full((2, 3), 1.5)
    assert t.shape == (2, 3) and t.dtype == tinytorch.float32 and np.all(t.data == 1.5)
    assert tinytorch.full((2,), 7).dtype == tinytorch.int64
    ints = tinytorch.tensor([[1, 2, 3]])
    for made, fill in ((tinytorch.zeros_like(ints), 0), (tinytorch.ones_like(ints), 1)):
        assert made.shape == (1, 3) and made.dtype == tinytorch.int64 and np.all(made.data == fill)


def test_arange_and_eye():
    assert tinytorch.arange(5).tolist() == [0, 1, 2, 3, 4]
    assert tinytorch.arange(5).dtype == tinytorch.int64
    assert tinytorch.arange(2, 8, 3).tolist() == [2, 5]
    steps = tinytorch.arange(0, 1, 0.25)
    assert steps.dtype == tinytorch.float32 and steps.tolist() == [0.0, 0.25, 0.5, 0.75]
    assert tinytorch.eye(3).tolist() == [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
    assert tinytorch.eye(2, 3).tolist() == [[1, 0, 0], [0, 1, 0]]
    assert tinytorch.eye(2).dtype == tinytorch.float32


def test_manual_seed_makes_rand_and_randn_repeatable():
    tinytorch.manual_seed(123)
    first = (tinytorch.rand(3, 4).data.copy(), tinytorch.randn(5).data.copy())
    tinytorch.manual_seed(123)
    np.testing.assert_array_equal(tinytorch.rand(3, 4).data, first[0])
    np.testing.assert_array_equal(tinytorch.randn(5).data, first[1])
    assert not np.array_equal(tinytorch.rand(3, 4).data, first[0])


def test_rand_is_uniform_on_0_1_and_randn_standard_normal():
    tinytorch.manual_seed(0)
    u, n = tinytorch.rand(20000), tinytorch.randn((100, 200))
    assert u.dtype == n.dtype == tinytorch.float32 and n.shape == (100, 200)
    assert u.data.min() >= 0 and u.data.max() < 1
    assert abs(u.data.mean() - 0.5) < 0.01 and abs(u.data.var() - 1 / 12) < 0.01
    assert abs(n.data.mean()) < 0.03 and abs(n.data.std() - 1) < 0.03


# ---- attributes and conversions ----------------------------------------------------------------
def test_shape_ndim_size_numel_len():
    t = tinytorch.zeros(2, 3, 4)
    assert t.shape == (2, 3, 4) and t.ndim == 3
    assert t.size() == (2, 3, 4) and t.size(1) == 3 and t.size(-1) == 4
    assert t.numel() == 24 and len(t) == 2


def test_len_of_a_0d_tensor_is_a_type_error():
    with pytest.raises(TypeError):
        len(tinytorch.tensor(1.0))


def test_item_numpy_tolist():
    assert tinytorch.tensor([[2.5]]).item() == 2.5
    assert isinstance(tinytorch.tensor(3).item(), int)
    t = tinytorch.tensor([[1.0, 2.0]])
    assert isinstance(t.numpy(), np.ndarray) and np.shares_memory(t.numpy(), t.data)
    assert t.tolist() == [[1.0, 2.0]]
    with pytest.raises(RuntimeError):
        tinytorch.tensor([1.0, 2.0]).item()


def test_T_transposes_a_matrix():
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    np.testing.assert_array_equal(tinytorch.tensor(a).T.data, a.transpose())


def test_to_float_double_long():
    t = tinytorch.tensor([1.7, -2.7])
    assert t.to(tinytorch.float64).dtype == tinytorch.float64
    assert t.double().dtype == tinytorch.float64
    assert t.long().tolist() == [1, -2] and t.long().dtype == tinytorch.int64
    assert tinytorch.tensor([1, 2]).float().dtype == tinytorch.float32


def test_detach_shares_data_without_grad_and_requires_grad_returns_self():
    t = tinytorch.tensor([1.0, 2.0])
    assert not t.requires_grad
    assert t.requires_grad_() is t and t.requires_grad
    d = t.detach()
    assert not d.requires_grad and np.shares_memory(d.data, t.data)
    assert tinytorch.tensor([1.0], requires_grad=True).requires_grad


def test_requires_grad_on_an_int_tensor_is_an_error():
    with pytest.raises(RuntimeError, match="floating point"):
        tinytorch.tensor([1, 2], requires_grad=True)
    with pytest.raises(RuntimeError, match="floating point"):
        tinytorch.tensor([1, 2]).requires_grad_()


def test_numpy_of_a_tensor_that_requires_grad_is_an_error():
    with pytest.raises(RuntimeError, match="detach"):
        tinytorch.tensor([1.0], requires_grad=True).numpy()


def test_repr_shows_values_dtype_and_requires_grad():
    assert repr(tinytorch.tensor([1.5, 2.0])).startswith("tensor([1.5")
    assert "float64" in repr(tinytorch.tensor([1.0], dtype=tinytorch.float64))
    assert "float32" not in repr(tinytorch.tensor([1.0]))
    assert "requires_grad=True" in repr(tinytorch.tensor([1.0], requires_grad=True))


# ---- elementwise arithmetic ----------------------------------------------------------------------
BINARY = {"add": operator.add, "sub": operator.sub, "mul": operator.mul, "div": operator.truediv}


@pytest.mark.parametrize("name", BINARY)
@given(pair=broadcast_pairs(b_elements=AWAY_FROM_ZERO))
def test_arithmetic_broadcasts_like_numpy(name, pair):
    a, b = pair
    op = BINARY[name]
    out = op(tinytorch.tensor(a), tinytorch.tensor(b))
    expected = op(a.astype(np.float64), b.astype(np.float64))
    assert out.shape == expected.shape and out.dtype == tinytorch.float32
    np.testing.assert_allclose(out.data, expected, **TOL)


@given(pair=broadcast_pairs(b_elements=floats(-2, 2)))
def test_pow_of_two_tensors_broadcasts_like_numpy(pair):
    base, exponent = np.abs(pair[0]) + np.float32(0.5), pair[1]
    out = tinytorch.tensor(base) ** tinytorch.tensor(exponent)
    np.testing.assert_allclose(out.data, base.astype(np.float64) ** exponent, rtol=1e-4)
    assert out.dtype == tinytorch.float32


@pytest.mark.parametrize("exponent", [2, 3, 0.5, -1, 0])
def test_pow_by_a_number(exponent):
    a = np.array([[0.5, 1.0, 2.0], [3.0, 4.0, 9.0]], dtype=np.float32)
    out = tinytorch.tensor(a) ** exponent
    assert out.dtype == tinytorch.float32
    np.testing.assert_allclose(out.data, a.astype(np.float64) ** exponent, rtol=1e-6)


SCALAR_SIDES = {
    "t+2": lambda x: x + 2, "2+t": lambda x: 2 + x, "t-0.5": lambda x: x - 0.5, "0.5-t": lambda x: 0.5 - x,
    "t*3": lambda x: x * 3, "3*t": lambda x: 3 * x, "t/4": lambda x: x / 4, "4/t": lambda x: 4 / x,
    "t**2": lambda x: x**2, "2**t": lambda x: 2**x, "-t": lambda x: -x,
}  # fmt: skip


@pytest.mark.parametrize("expression", SCALAR_SIDES)
def test_python_numbers_on_either_side_keep_float32(expression):
    a = np.array([[0.5, 1.25, 3.0], [-2.0, 4.0, -0.75]], dtype=np.float32)
    out = SCALAR_SIDES[expression](tinytorch.tensor(a))
    assert out.dtype == tinytorch.float32
    np.testing.assert_allclose(out.data, SCALAR_SIDES[expression](a.astype(np.float64)), rtol=1e-6)


def test_integer_arithmetic_stays_int64_and_true_division_gives_float32():
    i, j = tinytorch.tensor([1, 2, 3]), tinytorch.tensor([2, 2, 2])
    for out in (i + j, i - 1, 2 * i, i * j, i**2):
        assert out.dtype == tinytorch.int64
    assert (i + j).tolist() == [3, 4, 5]
    for out, expected in ((i / j, [0.5, 1.0, 1.5]), (i / 2, [0.5, 1.0, 1.5]), (3 / i, [3.0, 1.5, 1.0])):
        assert out.dtype == tinytorch.float32
        np.testing.assert_allclose(out.data, expected)


def test_mixed_dtypes_promote_like_pytorch():
    ints, floats32, floats64 = tinytorch.tensor([1, 4]), tinytorch.tensor([0.5, 1.5]), tinytorch.ones(2).double()
    for out in (ints + 0.5, 0.5 * ints, ints * floats32, ints**0.5, ints.exp(), ints.sqrt(), ints.log(),
                floats32 * tinytorch.tensor(2.0, dtype=tinytorch.float64), tinytorch.tensor([True, False]) * 1.5):
        assert out.dtype == tinytorch.float32
    assert (floats32 + floats64).dtype == tinytorch.float64
    assert (ints * tinytorch.tensor(2.0, dtype=tinytorch.float64)).dtype == tinytorch.float64
    assert (tinytorch.tensor([True]) + ints).dtype == tinytorch.int64
    np.testing.assert_allclose((ints + 0.5).data, [1.5, 4.5])
    np.testing.assert_allclose(ints.sqrt().data, [1.0, 2.0])


@given(a=float_arrays(SHAPES))
def test_neg_and_abs_match_numpy(a):
    t = tinytorch.tensor(a)
    np.testing.assert_array_equal((-t).data, -a)
    np.testing.assert_array_equal(t.abs().data, np.where(a < 0, -a, a))
    assert (-t).dtype == t.abs().dtype == tinytorch.float32


@given(a=float_arrays(SHAPES, -20, 20))
def test_exp_matches_numpy(a):
    out = tinytorch.tensor(a).exp()
    assert out.shape == a.shape and out.dtype == tinytorch.float32
    np.testing.assert_allclose(out.data, np.e ** a.astype(np.float64), rtol=1e-6)


@given(a=float_arrays(SHAPES, 1e-3, 1e3))
def test_log_matches_numpy(a):
    out = tinytorch.tensor(a).log()
    assert out.shape == a.shape and out.dtype == tinytorch.float32
    np.testing.assert_allclose(out.data, np.log(a.astype(np.float64)), rtol=1e-6, atol=1e-6)


@given(a=float_arrays(SHAPES, 0, 1e3))
def test_sqrt_matches_numpy(a):
    out = tinytorch.tensor(a).sqrt()
    assert out.shape == a.shape and out.dtype == tinytorch.float32
    np.testing.assert_allclose(out.data, a.astype(np.float64) ** 0.5, rtol=1e-6)


@given(a=float_arrays(SHAPES), bounds=st.lists(floats(-10, 10), min_size=2, max_size=2).map(sorted))
def test_clamp_limits_to_min_and_max(a, bounds):
    low, high = bounds
    t = tinytorch.tensor(a)
    np.testing.assert_array_equal(t.clamp(low, high).data, np.minimum(np.maximum(a, low), high))
    np.testing.assert_array_equal(t.clamp(min=low).data, np.maximum(a, low))
    np.testing.assert_array_equal(t.clamp(max=high).data, np.minimum(a, high))
    assert t.clamp(low, high).dtype == tinytorch.float32


def test_clamp_without_min_or_max_is_an_error():
    with pytest.raises(RuntimeError, match="min"):
        tinytorch.ones(2).clamp()


@given(shapes=hnp.mutually_broadcastable_shapes(signature=np.matmul.signature, max_dims=3, max_side=4),
       data=st.data())
def test_matmul_matches_numpy_for_vectors_matrices_and_batches(shapes, data):
    a = data.draw(float_arrays(shapes.input_shapes[0]))
    b = data.draw(float_arrays(shapes.input_shapes[1]))
    out = tinytorch.tensor(a) @ tinytorch.tensor(b)
    expected = np.matmul(a.astype(np.float64), b.astype(np.float64))
    assert out.shape == expected.shape and out.dtype == tinytorch.float32
    np.testing.assert_allclose(out.data, expected, rtol=1e-4, atol=1e-3)


def test_matmul_of_two_matrices_by_hand():
    a = tinytorch.tensor([[1.0, 2.0], [3.0, 4.0]])
    b = tinytorch.tensor([[5.0, 6.0], [7.0, 8.0]])
    assert (a @ b).tolist() == [[19.0, 22.0], [43.0, 50.0]]
    assert a.matmul(b).tolist() == [[19.0, 22.0], [43.0, 50.0]]


@pytest.mark.parametrize("name", BINARY)
def test_arithmetic_shape_mismatch_names_op_and_shapes(name, raises_naming):
    with raises_naming(RuntimeError, name, (2, 3), (4, 3)):
        BINARY[name](tinytorch.ones(2, 3), tinytorch.ones(4, 3))


def test_matmul_shape_mismatch_names_op_and_shapes(raises_naming):
    with raises_naming(RuntimeError, "matmul", (2, 3), (4, 3)):
        tinytorch.ones(2, 3) @ tinytorch.ones(4, 3)


# ---- comparisons, maximum, minimum, where -----------------------------------------------------------
COMPARISONS = {"eq": operator.eq, "ne": operator.ne, "lt": operator.lt,
               "le": operator.le, "gt": operator.gt, "ge": operator.ge}


@given(pair=broadcast_pairs(b_elements=st.sampled_from([-1.0, 0.0, 2.5])))
def test_comparisons_give_bool_tensors(pair):
    a, b = np.round(pair[0]), pair[1]
    for name, op in COMPARISONS.items():
        out = op(tinytorch.tensor(a), tinytorch.tensor(b))
        assert out.dtype == tinytorch.bool, name
        np.testing.assert_array_equal(out.data, op(a, b), err_msg=name)
        np.testing.assert_array_equal(op(tinytorch.tensor(a), 0.0).data, op(a, 0.0), err_msg=name)


@given(pair=broadcast_pairs())
def test_maximum_minimum_and_where_broadcast(pair):
    a, b = pair
    ta, tb = tinytorch.tensor(a), tinytorch.tensor(b)
    larger = np.where(a > b, a, b)
    np.testing.assert_array_equal(tinytorch.maximum(ta, tb).data, larger)
    np.testing.assert_array_equal(tinytorch.minimum(ta, tb).data, np.where(a > b, b, a))
    np.testing.assert_array_equal(tinytorch.where(ta > tb, ta, tb).data, larger)
    np.testing.assert_array_equal(tinytorch.where(ta > 0, ta, 0.0).data, np.where(a > 0, a, 0))


def test_where_needs_a_bool_condition():
    with pytest.raises(RuntimeError, match="bool"):
        tinytorch.where(tinytorch.tensor([1, 0]), tinytorch.ones(2), tinytorch.zeros(2))


# ---- reductions -------------------------------------------------------------------------------------
def reduced_shape(shape, dims, keepdim):
    axes = {d % len(shape) for d in dims}
    return tuple(1 if i in axes else s for i, s in enumerate(shape) if keepdim or i not in axes)


def by_definition(a, dims, keepdim, reduce):
    """Reduce the float64 copy of `a` over `dims` by moving them last and flattening them."""
    axes = sorted(d % a.ndim for d in dims)
    rest = [i for i in range(a.ndim) if i not in axes]
    flat = np.transpose(a.astype(np.float64), rest + axes).reshape([a.shape[i] for i in rest] + [-1])
    return np.reshape([reduce(row) for row in flat.reshape(-1, flat.shape[-1])],
                      reduced_shape(a.shape, dims, keepdim))


def fsum_mean(row):
    return sum(row) / len(row)


def unbiased_var(row):
    mean = fsum_mean(row)
    return sum((x - mean) ** 2 for x in row) / (len(row) - 1)


REDUCTIONS = {"sum": sum, "mean": fsum_mean, "var": unbiased_var}


@pytest.mark.parametrize("name", REDUCTIONS)
@given(case=arrays_and_dims(min_side=2), keepdim=st.booleans())
def test_reduction_over_each_dim_matches_numpy(name, case, keepdim):
    a, dims = case
    out = getattr(tinytorch.tensor(a), name)(dim=dims[0], keepdim=keepdim)
    expected = by_definition(a, dims[:1], keepdim, REDUCTIONS[name])
    assert out.shape == expected.shape and out.dtype == tinytorch.float32
    np.testing.assert_allclose(out.data, expected, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("name", REDUCTIONS)
@given(case=arrays_and_dims(min_side=2), keepdim=st.booleans())
def test_reduction_over_tuple_of_dims_matches_numpy(name, case, keepdim):
    a, dims = case
    out = getattr(tinytorch.tensor(a), name)(dim=dims, keepdim=keepdim)
    expected = by_definition(a, dims, keepdim, REDUCTIONS[name])
    assert out.shape == expected.shape and out.dtype == tinytorch.float32
    np.testing.assert_allclose(out.data, expected, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("name", REDUCTIONS)
@given(a=float_arrays(hnp.array_shapes(min_dims=1, max_dims=3, min_side=2, max_side=4)))
def test_reduction_over_all_elements_gives_a_0d_tensor(name, a):
    out = getattr(tinytorch.tensor(a), name)()
    assert out.shape == ()
    np.testing.assert_allclose(out.item(), REDUCTIONS[name](a.astype(np.float64).ravel()), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("name", REDUCTIONS)
def test_reductions_accept_numpy_axis_keyword(name):
    a = tinytorch.tensor([[1.0, 2.0, 6.0], [3.0, 5.0, 7.0]])
    np.testing.assert_allclose(getattr(a, name)(axis=1).data, getattr(a, name)(dim=1).data)
    np.testing.assert_allclose(getattr(a, name)(axis=(0, 1)).data, getattr(a, name)().data)


def test_var_is_unbiased_by_default_and_correction_is_optional():
    a = tinytorch.tensor([1.0, 2.0, 4.0])
    np.testing.assert_allclose(a.var().item(), 7 / 3, rtol=1e-6)
    np.testing.assert_allclose(a.var(unbiased=False).item(), 14 / 9, rtol=1e-6)
    np.testing.assert_allclose(a.var(correction=0).item(), 14 / 9, rtol=1e-6)


def test_sum_of_ints_stays_int64_and_mean_of_ints_is_an_error():
    ints = tinytorch.tensor([[1, 2], [3, 4]])
    assert ints.sum().item() == 10 and ints.sum().dtype == tinytorch.int64
    assert ints.sum(dim=0).tolist() == [4, 6]
    with pytest.raises(RuntimeError, match="int64"):
        ints.mean()


@pytest.mark.parametrize("name, pick, find", [("max", np.max, np.argmax), ("min", np.min, np.argmin)])
@given(data=st.data())
def test_max_and_min_along_a_dim_give_values_and_indices(name, pick, find, data):
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, max_side=4))
    a = data.draw(hnp.arrays(np.float32, shape, elements=floats(-100, 100), unique=True))
    dim = data.draw(st.integers(-a.ndim, a.ndim - 1))
    keepdim = data.draw(st.booleans())
    t = tinytorch.tensor(a)
    values, indices = getattr(t, name)(dim=dim, keepdim=keepdim)
    out = getattr(t, name)(dim, keepdim)
    np.testing.assert_array_equal(out.values.data, pick(a, axis=dim, keepdims=keepdim))
    np.testing.assert_array_equal(out.indices.data, find(a, axis=dim, keepdims=keepdim))
    np.testing.assert_array_equal(values.data, out.values.data)
    assert indices.dtype == tinytorch.int64
    assert getattr(t, name)().item() == pick(a)
    np.testing.assert_array_equal(getattr(t, "arg" + name)(dim=dim).data, find(a, axis=dim))
    assert getattr(t, "arg" + name)().item() == find(a)


def test_max_with_a_tuple_of_dims_is_a_type_error():
    with pytest.raises(TypeError):
        tinytorch.ones(2, 3).max(dim=(0, 1))


@pytest.mark.parametrize("call", [
    lambda t: t.sum(dim=2), lambda t: t.mean(dim=-3), lambda t: t.var(dim=(0, 2)), lambda t: t.max(dim=2),
    lambda t: t.argmax(dim=2), lambda t: t.squeeze(2), lambda t: t.unsqueeze(3), lambda t: t.transpose(0, 2),
], ids=["sum", "mean", "var", "max", "argmax", "squeeze", "unsqueeze", "transpose"])
def test_dim_out_of_range_is_an_index_error(call):
    with pytest.raises(IndexError):
        call(tinytorch.ones(2, 3))


# ---- shape operations ----------------------------------------------------------------------------------
@given(data=st.data())
def test_reshape_and_view_match_numpy(data):
    a = data.draw(float_arrays(SHAPES))
    target = list(data.draw(st.permutations(a.shape)))
    t = tinytorch.tensor(a)
    np.testing.assert_array_equal(t.reshape(*target).data, a.reshape(target))
    np.testing.assert_array_equal(t.view(tuple(target)).data, a.reshape(target))
    if target:
        target[data.draw(st.integers(0, len(target) - 1))] = -1
        np.testing.assert_array_equal(t.reshape(target).data, a.reshape(target))


def test_reshape_to_a_wrong_size_names_both_shapes(raises_naming):
    with raises_naming(RuntimeError, (4, 2), (2, 3)):
        tinytorch.ones(2, 3).reshape(4, 2)


@given(data=st.data())
def test_permute_and_transpose_match_numpy(data):
    a = data.draw(float_arrays(hnp.array_shapes(min_dims=1, max_dims=4, max_side=4)))
    order = data.draw(st.permutations(range(a.ndim)))
    d0, d1 = data.draw(st.integers(-a.ndim, a.ndim - 1)), data.draw(st.integers(-a.ndim, a.ndim - 1))
    t = tinytorch.tensor(a)
    np.testing.assert_array_equal(t.permute(*order).data, np.transpose(a, order))
    np.testing.assert_array_equal(t.permute(order).data, np.transpose(a, order))
    np.testing.assert_array_equal(t.transpose(d0, d1).data, np.swapaxes(a, d0, d1))
    np.testing.assert_array_equal(t.T.data, np.transpose(a))


def test_permute_needs_a_reordering_of_all_dims():
    with pytest.raises(RuntimeError, match="permute"):
        tinytorch.ones(2, 3, 4).permute(2, 0, 0)


@given(data=st.data())
def test_squeeze_unsqueeze_and_flatten_match_numpy(data):
    a = data.draw(float_arrays(hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=3)))
    t = tinytorch.tensor(a)
    np.testing.assert_array_equal(t.squeeze().data, np.squeeze(a))
    dim = data.draw(st.integers(-a.ndim, a.ndim - 1))
    squeezed = np.squeeze(a, dim) if a.shape[dim] == 1 else a
    np.testing.assert_array_equal(t.squeeze(dim).data, squeezed)
    new = data.draw(st.integers(-a.ndim - 1, a.ndim))
    np.testing.assert_array_equal(t.unsqueeze(new).data, np.expand_dims(a, new))
    start = data.draw(st.integers(0, a.ndim - 1))
    end = data.draw(st.integers(start, a.ndim - 1))
    flat_shape = a.shape[:start] + (int(np.prod(a.shape[start:end + 1])),) + a.shape[end + 1:]
    np.testing.assert_array_equal(t.flatten(start, end).data, a.reshape(flat_shape))
    np.testing.assert_array_equal(t.flatten().data, a.ravel())


@st.composite
def expandable(draw):
    """A target shape and a smaller array that broadcasts to it (some of its sizes set to 1)."""
    target = draw(hnp.array_shapes(min_dims=1, max_dims=4, max_side=4))
    kept = target[draw(st.integers(0, len(target))):]
    shape = tuple(s if draw(st.booleans()) else 1 for s in kept)
    return draw(float_arrays(shape)), target


@given(case=expandable())
def test_expand_matches_numpy_broadcast_to(case):
    a, target = case
    out = tinytorch.tensor(a).expand(*target)
    assert out.shape == target
    np.testing.assert_array_equal(out.data, np.broadcast_to(a, target))


def test_expand_keeps_minus_one_dims_and_rejects_incompatible_sizes(raises_naming):
    assert tinytorch.ones(3, 1).expand(2, -1, 4).shape == (2, 3, 4)
    with raises_naming(RuntimeError, "expand", (3, 2), (3, 4)):
        tinytorch.ones(3, 2).expand(3, 4)


# ---- indexing ---------------------------------------------------------------------------------------------
@given(data=st.data())
def test_basic_indexing_with_ints_slices_none_and_ellipsis(data):
    a = data.draw(float_arrays(hnp.array_shapes(min_dims=1, max_dims=4, max_side=5)))
    index = data.draw(hnp.basic_indices(a.shape, allow_newaxis=True, allow_ellipsis=True))
    out = tinytorch.tensor(a)[index]
    assert out.shape == a[index].shape
    np.testing.assert_array_equal(out.data, a[index])


@given(data=st.data())
def test_integer_array_indexing(data):
    a = data.draw(float_arrays(hnp.array_shapes(min_dims=1, max_dims=3, max_side=5)))
    index = data.draw(hnp.integer_array_indices(a.shape))
    np.testing.assert_array_equal(tinytorch.tensor(a)[index].data, a[index])
    as_tensors = tuple(tinytorch.tensor(i.astype(np.int64)) for i in index)
    np.testing.assert_array_equal(tinytorch.tensor(a)[as_tensors].data, a[index])


def test_indexing_with_int_tensor_and_boolean_mask():
    a = np.arange(12, dtype=np.float32).reshape(3, 4)
    t = tinytorch.tensor(a)
    np.testing.assert_array_equal(t[tinytorch.tensor([2, 0, 2])].data, a[[2, 0, 2]])
    np.testing.assert_array_equal(t[t > 5].data, a[a > 5])
    np.testing.assert_array_equal(t[:, tinytorch.tensor([True, False, True, False])].data, a[:, [0, 2]])
    np.testing.assert_array_equal(t[-1, 1:3].data, a[-1, 1:3])


@pytest.mark.parametrize("index", [3, (0, 4), (0, 0, 0), -4], ids=["row", "column", "too-many", "negative"])
def test_index_out_of_range_is_an_index_error(index):
    with pytest.raises(IndexError):
        tinytorch.ones(3, 4)[index]


# ---- joining tensors --------------------------------------------------------------------------------
@given(data=st.data())
def test_cat_and_stack_match_numpy(data):
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, max_side=3))
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    arrays = []
    for _ in range(data.draw(st.integers(1, 3))):
        varied = list(shape)
        varied[dim] = data.draw(st.integers(1, 3))
        arrays.append(data.draw(float_arrays(tuple(varied))))
    out = tinytorch.cat([tinytorch.tensor(a) for a in arrays], dim=dim)
    np.testing.assert_array_equal(out.data, np.concatenate(arrays, axis=dim))
    same = [data.draw(float_arrays(shape)) for _ in range(2)]
    new = data.draw(st.integers(-len(shape) - 1, len(shape)))
    np.testing.assert_array_equal(tinytorch.stack([tinytorch.tensor(a) for a in same], dim=new).data,
                                  np.stack(same, axis=new))


def test_cat_and_stack_shape_mismatch_name_the_shapes(raises_naming):
    with raises_naming(RuntimeError, "cat", (2, 3), (1, 2)):
        tinytorch.cat([tinytorch.ones(2, 3), tinytorch.ones(1, 2)])
    with raises_naming(RuntimeError, "stack", (2, 3), (1, 3)):
        tinytorch.stack([tinytorch.ones(2, 3), tinytorch.ones(1, 3)])


# ---- the graph each op records for module 05 ---------------------------------------------------------
OPS = {
    "add": lambda x: x + 1.0, "radd": lambda x: 1.0 + x, "sub": lambda x: x - 1.0, "rsub": lambda x: 1.0 - x,
    "mul": lambda x: x * x, "div": lambda x: x / 2.0, "rdiv": lambda x: 2.0 / x, "pow": lambda x: x**2,
    "neg": lambda x: -x, "matmul": lambda x: x @ x.T, "abs": lambda x: x.abs(), "exp": lambda x: x.exp(),
    "log": lambda x: x.log(), "sqrt": lambda x: x.sqrt(), "clamp": lambda x: x.clamp(0.5, 1.5),
    "sum": lambda x: x.sum(), "mean": lambda x: x.mean(dim=0), "var": lambda x: x.var(dim=1),
    "max": lambda x: x.max(dim=1).values, "reshape": lambda x: x.reshape(3, 2), "permute": lambda x: x.permute(1, 0),
    "expand": lambda x: x.expand(4, 2, 3), "index": lambda x: x[0, 1:], "cat": lambda x: tinytorch.cat([x, x]),
}  # fmt: skip


@pytest.mark.parametrize("op", OPS)
def test_op_records_a_graph_node_only_when_an_input_requires_grad(op):
    values = np.array([[1.0, 2.0, 3.0], [0.5, 1.5, 2.5]], dtype=np.float32)
    tracked = OPS[op](tinytorch.tensor(values, requires_grad=True))
    assert tracked.requires_grad and tracked.grad_fn is not None and not tracked.is_leaf
    plain = OPS[op](tinytorch.tensor(values))
    assert not plain.requires_grad and plain.grad_fn is None
    np.testing.assert_array_equal(tracked.data, plain.data)
