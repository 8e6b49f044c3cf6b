"""Parity with PyTorch: the same program, run with tinytorch and with torch in float64, gives the same
values, dtypes, shapes and gradients, op by op, and the same weights step by step for the optimizers.

Skipped when torch is absent (it is the `parity` extra, torch==2.13.0). Each case runs one function
`fn(lib, *leaves)` twice, once with `lib = tinytorch` and once with `lib = torch`, on float64 leaves
made from the same NumPy arrays.

Tolerances: RTOL = 1e-10 wherever both libraries do the same arithmetic; they may still sum in a
different order (BLAS, pairwise sums), which moves a float64 result by a few ulps, hence also an
ATOL of 1e-12 for results that cancel to nearly zero. Looser bounds are named and explained where
they are used.
"""

import math
from collections import OrderedDict

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import tinytorch  # noqa: E402

pytestmark = pytest.mark.parity

LIBS = {"tinytorch": tinytorch, "torch": torch}
RTOL, ATOL = 1e-10, 1e-12
R = np.random.default_rng(2024)


def normal(*shape, scale=1.0):
    return scale * R.standard_normal(shape)


def positive(*shape):
    return R.uniform(0.5, 2.0, shape)


def probabilities(*shape):
    return R.uniform(0.02, 0.98, shape)


def with_ties(a):
    """A copy of `a` that equals it in every other element (ties for max/min/comparisons)."""
    b = normal(*a.shape)
    b.flat[::2] = a.flat[::2]
    return b


def leaves(lib, arrays):
    return [lib.tensor(a, dtype=lib.float64, requires_grad=True) for a in arrays]


def assert_same(ours, theirs, rtol=RTOL, atol=ATOL, what=""):
    """Same dtype, shape and values (within tolerance) for a tinytorch and a torch tensor."""
    a, b = ours.detach().numpy(), theirs.detach().numpy()
    assert a.dtype == b.dtype, f"{what}: dtype {a.dtype} (tinytorch) != {b.dtype} (torch)"
    assert a.shape == b.shape, f"{what}: shape {a.shape} (tinytorch) != {b.shape} (torch)"
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=what)


def check(fn, arrays, rtol=RTOL, atol=ATOL):
    """Run fn in both libraries; compare every output and whether it requires grad, then backward()
    from the first float output with the same random gradient= and compare every leaf's .grad."""
    runs = {}
    for name, lib in LIBS.items():
        xs = leaves(lib, arrays)
        out = fn(lib, *xs)
        runs[name] = xs, list(out) if isinstance(out, tuple) else [out]
    (xs, outs), (txs, touts) = runs["tinytorch"], runs["torch"]
    assert len(outs) == len(touts)
    for i, (o, t) in enumerate(zip(outs, touts, strict=True)):
        assert_same(o, t, rtol, atol, what=f"output {i}")
        assert o.requires_grad == t.requires_grad, f"output {i}: requires_grad differs"
    wanted = [i for i, t in enumerate(touts) if t.requires_grad]
    if not wanted:
        return
    i = wanted[0]
    upstream = np.random.default_rng(0).standard_normal(touts[i].shape).astype(touts[i].detach().numpy().dtype)
    outs[i].backward(gradient=tinytorch.tensor(upstream))
    touts[i].backward(gradient=torch.tensor(upstream))
    for k, (x, t) in enumerate(zip(xs, txs, strict=True)):
        assert (x.grad is None) == (t.grad is None), f"input {k}: only one library has a gradient"
        if t.grad is not None:
            assert_same(x.grad, t.grad, rtol, atol, what=f"gradient of input {k}")


def cases(table):
    """pytest params from {id: (fn, arrays)} or {id: (fn, arrays, {"rtol": ..., ...})}."""
    return [pytest.param(*entry[:2], entry[2] if len(entry) > 2 else {}, id=name) for name, entry in table.items()]


# ==== tensor ops ===================================================================================
A34, B34, A234 = normal(3, 4), normal(3, 4), normal(2, 3, 4)
IDX = np.array([0, 2, 0, 1, 2])  # repeated indices: their gradients must add up
MASK = R.standard_normal((3, 4)) > 0
ROWS = np.array([True, False, True])
EXTREME = np.array([-1e4, -1e3, -50.0, -3.0, -1.0, -1e-3, 0.0, 1e-3, 1.0, 3.0, 50.0, 1e3, 1e4])

ARITHMETIC = {
    "add": (lambda m, a, b: a + b, [A34, B34]),
    "add-broadcast": (lambda m, a, b: a + b, [normal(3, 1, 4), normal(2, 4)]),
    "add-scalar": (lambda m, a: 2.5 + a, [A34]),
    "sub": (lambda m, a, b: a - b, [A34, normal(4)]),
    "rsub-scalar": (lambda m, a: 1 - a, [A34]),
    "mul": (lambda m, a, b: a * b, [A34, B34]),
    "mul-broadcast": (lambda m, a, b: a * b, [normal(2, 1, 4), normal(3, 1)]),
    "mul-self": (lambda m, a: a * a, [A34]),
    "div": (lambda m, a, b: a / b, [A34, positive(3, 4)]),
    "div-broadcast": (lambda m, a, b: a / b, [A34, positive(3, 1)]),
    "rdiv-scalar": (lambda m, a: 2 / a, [positive(3, 4)]),
    "pow-2": (lambda m, a: a**2, [A34]),
    "pow-3": (lambda m, a: a**3, [A34]),
    "pow-half": (lambda m, a: a**0.5, [positive(3, 4)]),
    "pow-negative": (lambda m, a: a**-1.5, [positive(3, 4)]),
    "pow-0": (lambda m, a: a**0, [A34]),
    "pow-tensor": (lambda m, a, b: a**b, [positive(3, 4), normal(3, 4)]),
    "rpow-scalar": (lambda m, a: 2**a, [A34]),
    "neg": (lambda m, a: -a, [A34]),
    "abs": (lambda m, a: a.abs(), [np.array([-2.0, -0.5, 0.0, 0.5, 3.0])]),  # d|x|/dx = 0 at 0 in both
    "exp": (lambda m, a: a.exp(), [A34]),
    "log": (lambda m, a: a.log(), [positive(3, 4)]),
    "sqrt": (lambda m, a: a.sqrt(), [positive(3, 4)]),
    "clamp": (lambda m, a: a.clamp(min=-0.5, max=0.5), [A34]),
    "clamp-min": (lambda m, a: a.clamp(min=0), [A34]),
    "clamp-max": (lambda m, a: a.clamp(max=0.25), [A34]),
    "clamp-at-bounds": (lambda m, a: a.clamp(-1.0, 1.0), [np.array([-2.0, -1.0, 0.0, 1.0, 2.0])]),
    "maximum": (lambda m, a, b: m.maximum(a, b), [A34, B34]),
    "maximum-ties": (lambda m, a, b: m.maximum(a, b), [A34, with_ties(A34)]),  # ties share the gradient
    "maximum-broadcast": (lambda m, a, b: m.maximum(a, b), [A34, normal(4)]),
    "minimum": (lambda m, a, b: m.minimum(a, b), [A34, B34]),
    "minimum-ties": (lambda m, a, b: m.minimum(a, b), [A34, with_ties(A34)]),
    "where": (lambda m, a, b: m.where(a > 0, a, b), [A34, B34]),
    "where-mask-broadcast": (lambda m, a, b: m.where(m.tensor(MASK), a, b), [A34, normal(4)]),
    "where-scalar": (lambda m, a: m.where(a > 0, a, 0.0), [A34]),
}

MATMUL = {
    "matmul-1d-1d": (lambda m, a, b: a @ b, [normal(4), normal(4)]),
    "matmul-1d-2d": (lambda m, a, b: a @ b, [normal(4), normal(4, 3)]),
    "matmul-2d-1d": (lambda m, a, b: a @ b, [normal(3, 4), normal(4)]),
    "matmul-2d-2d": (lambda m, a, b: a @ b, [normal(3, 4), normal(4, 5)]),
    "matmul-batched": (lambda m, a, b: a @ b, [normal(2, 3, 4), normal(2, 4, 5)]),
    "matmul-batched-2d": (lambda m, a, b: a @ b, [normal(2, 3, 4), normal(4, 5)]),
    "matmul-2d-batched": (lambda m, a, b: a @ b, [normal(3, 4), normal(2, 4, 5)]),
    "matmul-batch-broadcast": (lambda m, a, b: a @ b, [normal(2, 1, 3, 4), normal(5, 4, 2)]),
    "matmul-1d-batched": (lambda m, a, b: a @ b, [normal(4), normal(2, 4, 3)]),
    "matmul-batched-1d": (lambda m, a, b: a @ b, [normal(2, 3, 4), normal(4)]),
    "matmul-method": (lambda m, a, b: a.matmul(b), [normal(3, 4), normal(4, 2)]),
}

COMPARISONS = {
    "gt": (lambda m, a, b: a > b, [A34, with_ties(A34)]),
    "ge": (lambda m, a, b: a >= b, [A34, with_ties(A34)]),
    "lt-scalar": (lambda m, a: a < 0.5, [A34]),
    "le-broadcast": (lambda m, a, b: a <= b, [A34, normal(4)]),
    "eq": (lambda m, a, b: a == b, [A34, with_ties(A34)]),
    "ne": (lambda m, a, b: a != b, [A34, with_ties(A34)]),
}

REDUCTIONS = {
    "sum": (lambda m, a: a.sum(), [A234]),
    "sum-dim": (lambda m, a: a.sum(dim=1), [A234]),
    "sum-dim-negative-keepdim": (lambda m, a: a.sum(dim=-1, keepdim=True), [A234]),
    "sum-dims-tuple": (lambda m, a: a.sum(dim=(0, 2)), [A234]),
    "sum-dims-tuple-keepdim": (lambda m, a: a.sum(dim=(0, 2), keepdim=True), [A234]),
    "mean": (lambda m, a: a.mean(), [A234]),
    "mean-dim": (lambda m, a: a.mean(dim=0), [A234]),
    "mean-dims-tuple-keepdim": (lambda m, a: a.mean(dim=(1, 2), keepdim=True), [A234]),
    "var": (lambda m, a: a.var(), [A234]),
    "var-dim-keepdim": (lambda m, a: a.var(dim=1, keepdim=True), [A234]),
    "var-dims-tuple": (lambda m, a: a.var(dim=(0, 2)), [A234]),
    "var-correction-0": (lambda m, a: a.var(dim=2, correction=0), [A234]),
    "var-unbiased-false": (lambda m, a: a.var(1, False), [A234]),
    "max": (lambda m, a: a.max(), [A234]),
    "max-ties": (lambda m, a: a.max(), [np.array([[1.0, 3.0], [3.0, -2.0]])]),  # ties share the gradient
    "min": (lambda m, a: a.min(), [A234]),
    "max-dim": (lambda m, a: a.max(dim=1), [A234]),
    "max-dim-keepdim": (lambda m, a: a.max(dim=-1, keepdim=True), [A234]),
    "max-dim-values": (lambda m, a: a.max(dim=0).values, [A34]),
    "max-dim-indices": (lambda m, a: a.max(dim=0).indices, [A34]),
    "min-dim": (lambda m, a: a.min(dim=2), [A234]),
    "min-dim-keepdim": (lambda m, a: a.min(dim=0, keepdim=True), [A234]),
    "argmax": (lambda m, a: a.argmax(), [A234]),
    "argmax-dim": (lambda m, a: a.argmax(dim=1), [A234]),
    "argmax-ties": (lambda m, a: a.argmax(dim=1), [np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]])]),  # first wins
    "argmin": (lambda m, a: a.argmin(), [A234]),
    "argmin-dim-keepdim": (lambda m, a: a.argmin(dim=0, keepdim=True), [A234]),
}

SHAPES = {
    "reshape": (lambda m, a: a.reshape(4, -1), [A234]),
    "reshape-tuple": (lambda m, a: a.reshape((6, 4)), [A234]),
    "view": (lambda m, a: a.view(-1), [A234]),
    "view-then-op": (lambda m, a: a.view(2, 12) * m.tensor(np.arange(12.0)), [A234]),
    "transpose": (lambda m, a: a.transpose(0, 2), [A234]),
    "transpose-negative": (lambda m, a: a.transpose(-1, -2), [A234]),
    "T": (lambda m, a: a.T, [A34]),
    "t": (lambda m, a: a.t(), [A34]),
    "permute": (lambda m, a: a.permute(2, 0, 1), [A234]),
    "permute-tuple": (lambda m, a: a.permute((1, 2, 0)), [A234]),
    "squeeze": (lambda m, a: a.squeeze(), [normal(2, 1, 3, 1)]),
    "squeeze-dim": (lambda m, a: a.squeeze(1), [normal(2, 1, 3, 1)]),
    "squeeze-dim-not-one": (lambda m, a: a.squeeze(0), [normal(2, 1, 3, 1)]),
    "squeeze-dims-tuple": (lambda m, a: a.squeeze((1, 3)), [normal(2, 1, 3, 1)]),
    "unsqueeze": (lambda m, a: a.unsqueeze(0), [A34]),
    "unsqueeze-negative": (lambda m, a: a.unsqueeze(-1), [A34]),
    "unsqueeze-middle": (lambda m, a: a.unsqueeze(1), [A34]),
    "flatten": (lambda m, a: a.flatten(), [A234]),
    "flatten-start": (lambda m, a: a.flatten(1), [A234]),
    "flatten-range": (lambda m, a: a.flatten(0, 1), [A234]),
    "expand": (lambda m, a: a.expand(3, 4), [normal(1, 4)]),
    "expand-keep-and-new-dims": (lambda m, a: a.expand(5, -1, 4), [normal(3, 1)]),
    "cat": (lambda m, a, b, c: m.cat([a, b, c]), [normal(2, 4), normal(3, 4), normal(1, 4)]),
    "cat-dim1": (lambda m, a, b: m.cat([a, b], dim=1), [normal(3, 2), normal(3, 5)]),
    "cat-dim-negative": (lambda m, a, b: m.cat((a, b), dim=-1), [normal(2, 3, 1), normal(2, 3, 2)]),
    "stack": (lambda m, a, b, c: m.stack([a, b, c]), [A34, B34, normal(3, 4)]),
    "stack-dim-negative": (lambda m, a, b: m.stack([a, b], dim=-1), [A34, B34]),
    "stack-dim1": (lambda m, a, b: m.stack((a, b), dim=1), [A34, B34]),
}

INDEXING = {
    "int": (lambda m, a: a[1], [A234]),
    "ints-to-scalar": (lambda m, a: a[1, 2], [A34]),
    "negative-int-slice": (lambda m, a: a[-1, 1:3], [A234]),
    "slice-step-none": (lambda m, a: a[:, None, ::2], [A34]),
    "ellipsis": (lambda m, a: a[..., 0], [A234]),
    "repeated-list": (lambda m, a: a[[0, 2, 0]], [A34]),
    "repeated-tensor": (lambda m, a: a[m.tensor(IDX)], [A34]),
    "repeated-tensor-dim1": (lambda m, a: a[:, m.tensor(IDX % 4)], [A34]),
    "pairs": (lambda m, a: a[[0, 1, 0], [2, 2, 2]], [A34]),
    "pairs-tensors": (lambda m, a: a[m.tensor(IDX), m.tensor(IDX[::-1] % 4)], [A34]),
    "bool-mask": (lambda m, a: a[m.tensor(MASK)], [A34]),
    "bool-mask-from-comparison": (lambda m, a: a[a > 0], [A34]),
    "bool-rows": (lambda m, a: a[m.tensor(ROWS)], [A34]),
    "bool-rows-then-slice": (lambda m, a: a[m.tensor(ROWS), 1:], [A34]),
}

CASTS = {
    "tensor-of-numpy-float64-scalar": (lambda m: m.tensor(np.float64(1.25)), []),
    "tensor-of-numpy-float32-scalar": (lambda m: m.tensor(np.float32(1.25)), []),
    "float": (lambda m, a: a.float(), [A34]),
    "float-then-op": (lambda m, a: a.float() * 3, [A34]),
    "float-double": (lambda m, a: a.float().double(), [A34]),
    "double-is-noop": (lambda m, a: a.double() * 2, [A34]),
    "to-float32": (lambda m, a: a.to(m.float32), [A34]),
    "to-float64": (lambda m, a: a.to(m.float64), [A34]),
    "long": (lambda m, a: (a * 3).long(), [A34]),
    "to-int64": (lambda m, a: (a * 3).to(m.int64), [A34]),
    "bool": (lambda m, a: a.bool(), [np.array([0.0, 1.5, -2.0])]),
}


def _ops(*tables):
    return cases({name: entry for table in tables for name, entry in table.items()})


@pytest.mark.parametrize("fn, arrays, tol", _ops(ARITHMETIC, MATMUL, COMPARISONS, REDUCTIONS, SHAPES))
def test_tensor_op(fn, arrays, tol):
    check(fn, arrays, **tol)


@pytest.mark.parametrize("fn, arrays, tol", cases(INDEXING))
def test_indexing(fn, arrays, tol):
    check(fn, arrays, **tol)


@pytest.mark.parametrize("fn, arrays, tol", cases(CASTS))
def test_dtype_conversion(fn, arrays, tol):
    check(fn, arrays, **tol)


# ==== activations ==================================================================================
def F(m):
    return m.nn.functional


ACTIVATIONS = {
    "relu": lambda m, x: F(m).relu(x),
    "relu-method": lambda m, x: x.relu(),
    "ReLU": lambda m, x: m.nn.ReLU()(x),
    "leaky_relu": lambda m, x: F(m).leaky_relu(x),
    "leaky_relu-0.2": lambda m, x: F(m).leaky_relu(x, 0.2),
    "LeakyReLU": lambda m, x: m.nn.LeakyReLU(negative_slope=0.1)(x),
    "sigmoid": lambda m, x: F(m).sigmoid(x),
    "sigmoid-top-level": lambda m, x: m.sigmoid(x),
    "Sigmoid": lambda m, x: m.nn.Sigmoid()(x),
    "tanh": lambda m, x: F(m).tanh(x),
    "Tanh": lambda m, x: m.nn.Tanh()(x),
    "gelu": lambda m, x: F(m).gelu(x),
    "gelu-tanh": lambda m, x: F(m).gelu(x, approximate="tanh"),
    "GELU-tanh": lambda m, x: m.nn.GELU(approximate="tanh")(x),
    "softmax-last": lambda m, x: F(m).softmax(x, dim=-1),
    "softmax-first": lambda m, x: F(m).softmax(x, dim=0),
    "Softmax": lambda m, x: m.nn.Softmax(dim=-1)(x),
    "log_softmax-last": lambda m, x: F(m).log_softmax(x, dim=-1),
    "log_softmax-first": lambda m, x: x.log_softmax(0),
    "LogSoftmax": lambda m, x: m.nn.LogSoftmax(dim=-1)(x),
}
ACTIVATION_INPUTS = {
    "normal": normal(4, 5, scale=2.0),
    "extreme": EXTREME,  # up to |x| = 1e4: no overflow, no NaN, no warning (warnings are errors here)
    "large": normal(3, 5, scale=1e4),
}


@pytest.mark.parametrize("inputs", ACTIVATION_INPUTS.values(), ids=ACTIVATION_INPUTS.keys())
@pytest.mark.parametrize("fn", ACTIVATIONS.values(), ids=ACTIVATIONS.keys())
def test_activation(fn, inputs):
    check(fn, [inputs])


# ==== layers =========================================================================================
@pytest.mark.parametrize("fn, arrays, tol", cases({
    "linear": (lambda m, x, w, b: F(m).linear(x, w, b), [normal(5, 4), normal(3, 4), normal(3)]),
    "linear-no-bias": (lambda m, x, w: F(m).linear(x, w), [normal(5, 4), normal(3, 4)]),
    "linear-batched": (lambda m, x, w, b: F(m).linear(x, w, b), [normal(2, 5, 4), normal(3, 4), normal(3)]),
    "linear-batched-no-bias": (lambda m, x, w: F(m).linear(x, w), [normal(2, 2, 5, 4), normal(3, 4)]),
    "linear-1d": (lambda m, x, w, b: F(m).linear(x, w, b), [normal(4), normal(3, 4), normal(3)]),
    "one_hot": (lambda m: F(m).one_hot(m.tensor(IDX)), []),
    "one_hot-num_classes": (lambda m: F(m).one_hot(m.tensor(IDX), num_classes=6), []),
    "one_hot-2d": (lambda m: F(m).one_hot(m.tensor(IDX[:4].reshape(2, 2)), 3), []),
}))
def test_layer_function(fn, arrays, tol):
    check(fn, arrays, **tol)


def test_linear_default_init_is_uniform_within_one_over_sqrt_fan_in():
    """Both draw W and b from U(-1/sqrt(in), 1/sqrt(in)) in float32 (torch: kaiming_uniform with a=sqrt(5))."""
    fan_in, fan_out = 50, 400
    bound = 1 / math.sqrt(fan_in)
    deciles = np.linspace(0.1, 0.9, 9)
    for name, lib in LIBS.items():
        lib.manual_seed(0)
        layer = lib.nn.Linear(fan_in, fan_out)
        w, b = layer.weight.detach().numpy(), layer.bias.detach().numpy()
        assert (w.dtype, b.dtype, w.shape, b.shape) == (np.float32, np.float32, (fan_out, fan_in), (fan_out,)), name
        for values in (w, b):
            assert 0.9 * bound < np.abs(values).max() <= bound, name
        # 20,000 uniform draws: each decile's standard error is about 0.006 bound
        np.testing.assert_allclose(np.quantile(w, deciles), bound * (2 * deciles - 1), atol=0.03 * bound,
                                   err_msg=name)


def _architecture(lib):
    nn = lib.nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Dropout(0.1), nn.Linear(8, 8))
            self.blocks = nn.Sequential(OrderedDict(hidden=nn.Linear(8, 4), act=nn.Tanh(),
                                                    inner=nn.Sequential(nn.Flatten(), nn.Linear(4, 4))))
            self.head = nn.Linear(4, 3, bias=False)

        def forward(self, x):
            return self.head(self.blocks(self.encoder(x)))

    return Net()


def test_named_parameters_and_state_dict_keys_match_torch():
    names = {}
    for name, lib in LIBS.items():
        model = _architecture(lib)
        names[name] = ([(k, tuple(p.shape)) for k, p in model.named_parameters()],
                       [(k, tuple(v.shape)) for k, v in model.state_dict().items()],
                       [k for k, _ in model.named_modules()])
    assert names["tinytorch"] == names["torch"]


def test_model_forward_and_backward_with_copied_weights():
    """A whole model: load torch's state_dict (as NumPy arrays) into tinytorch, compare outputs and all .grad."""
    x = normal(5, 6)
    models = {}
    for name, lib in LIBS.items():
        lib.manual_seed(0)
        models[name] = _architecture(lib).eval()  # eval: dropout is the identity in both
    torch_model, model = models["torch"], models["tinytorch"]
    model.load_state_dict({k: v.numpy() for k, v in torch_model.state_dict().items()})
    upstream = normal(5, 3)
    out = model(tinytorch.tensor(x, dtype=tinytorch.float32))
    tout = torch_model(torch.tensor(x, dtype=torch.float32))
    out.backward(tinytorch.tensor(upstream, dtype=tinytorch.float32))
    tout.backward(torch.tensor(upstream, dtype=torch.float32))
    # float32 here (the default dtype): sums in a different order differ by a few float32 ulps
    assert_same(out, tout, rtol=1e-5, atol=1e-6)
    for (k, p), (tk, tp) in zip(model.named_parameters(), torch_model.named_parameters(), strict=True):
        assert k == tk
        assert_same(p.grad, tp.grad, rtol=1e-5, atol=1e-6, what=k)


# ==== losses ==========================================================================================
N, C = 6, 5
LABELS = R.integers(0, C, N)
TARGET = normal(N, C)
SOFT = R.dirichlet(np.ones(C), N)  # class-probability targets
UNNORMALISED = R.uniform(0, 1, (N, C))  # torch accepts any non-negative weights as targets
BINARY = (R.uniform(size=(N, C)) > 0.5).astype(np.float64)
SOFT_BINARY = R.uniform(size=(N, C))
POS_WEIGHT = R.uniform(0.5, 3.0, C)
EDGE_P = np.array([0.0, 1.0, 0.0, 1.0, 0.5, 1e-20])  # log clamped at -100, gradient denominator at 1e-12
EDGE_Y = np.array([0.0, 1.0, 1.0, 0.0, 0.3, 1.0])


def _loss_cases():
    table = {}
    for r in ("mean", "sum", "none"):
        t = {
            "mse": (lambda m, x, y, r=r: m.nn.MSELoss(reduction=r)(x, y), [normal(N, C), normal(N, C)]),
            "mse-functional": (lambda m, x, r=r: F(m).mse_loss(x, m.tensor(TARGET), reduction=r), [normal(N, C)]),
            "ce": (lambda m, x, r=r: m.nn.CrossEntropyLoss(reduction=r)(x, m.tensor(LABELS)), [normal(N, C)]),
            "ce-smoothing": (lambda m, x, r=r: m.nn.CrossEntropyLoss(reduction=r, label_smoothing=0.2)(
                x, m.tensor(LABELS)), [normal(N, C)]),
            "ce-probabilities": (lambda m, x, r=r: F(m).cross_entropy(x, m.tensor(SOFT), reduction=r),
                                 [normal(N, C)]),
            "ce-unnormalised-probabilities": (lambda m, x, r=r: F(m).cross_entropy(
                x, m.tensor(UNNORMALISED), reduction=r), [normal(N, C)]),
            "ce-probabilities-smoothing": (lambda m, x, r=r: m.nn.CrossEntropyLoss(
                reduction=r, label_smoothing=0.1)(x, m.tensor(SOFT)), [normal(N, C)]),
            "ce-1d": (lambda m, x, r=r: F(m).cross_entropy(x, m.tensor(np.int64(3)), reduction=r), [normal(C)]),
            "ce-logits-1e4": (lambda m, x, r=r: m.nn.CrossEntropyLoss(reduction=r, label_smoothing=0.1)(
                x, m.tensor(LABELS)), [normal(N, C, scale=1e4)]),
            "nll": (lambda m, x, r=r: m.nn.NLLLoss(reduction=r)(x, m.tensor(LABELS)), [normal(N, C)]),
            "nll-of-log_softmax": (lambda m, x, r=r: F(m).nll_loss(F(m).log_softmax(x, dim=1), m.tensor(LABELS),
                                                                   reduction=r), [normal(N, C)]),
            "bce": (lambda m, p, r=r: m.nn.BCELoss(reduction=r)(p, m.tensor(BINARY)), [probabilities(N, C)]),
            "bce-soft-targets": (lambda m, p, r=r: F(m).binary_cross_entropy(p, m.tensor(SOFT_BINARY), reduction=r),
                                 [probabilities(N, C)]),
            # torch clamps the gradient's denominator at float32(1e-12) = 1e-12 (1 - 4e-9), tinytorch at 1e-12
            "bce-at-0-and-1": (lambda m, p, r=r: m.nn.BCELoss(reduction=r)(p, m.tensor(EDGE_Y)), [EDGE_P],
                               {"rtol": 1e-8}),
            "bce-logits": (lambda m, x, r=r: m.nn.BCEWithLogitsLoss(reduction=r)(x, m.tensor(BINARY)),
                           [normal(N, C)]),
            "bce-logits-pos_weight": (lambda m, x, r=r: m.nn.BCEWithLogitsLoss(
                reduction=r, pos_weight=m.tensor(POS_WEIGHT))(x, m.tensor(SOFT_BINARY)), [normal(N, C)]),
            "bce-logits-1e4": (lambda m, x, r=r: F(m).binary_cross_entropy_with_logits(
                x, m.tensor(BINARY), reduction=r, pos_weight=m.tensor(POS_WEIGHT)), [normal(N, C, scale=1e4)]),
        }
        table.update({f"{name}-{r}": entry for name, entry in t.items()})
    return cases(table)


@pytest.mark.parametrize("fn, arrays, tol", _loss_cases())
def test_loss(fn, arrays, tol):
    check(fn, arrays, **tol)


# ==== optimizers =======================================================================================
X, Y = normal(16, 4), normal(16, 2)
Q_DIAG, Q_SHIFT = R.uniform(0.5, 5.0, 6), normal(6)


def _mlp(lib):
    return lib.nn.Sequential(lib.nn.Linear(4, 8, dtype=lib.float64), lib.nn.Tanh(),
                             lib.nn.Linear(8, 2, dtype=lib.float64))


def _quadratic(lib):
    model = lib.nn.Module()
    model.x = lib.nn.Parameter(lib.tensor(np.ones(6), dtype=lib.float64))
    return model


def _mlp_loss(lib, model):
    return F(lib).mse_loss(model(lib.tensor(X)), lib.tensor(Y))


def _quadratic_loss(lib, model):
    """0.5 (x - s)^T diag(q) (x - s): an ill-conditioned bowl."""
    d = model.x - lib.tensor(Q_SHIFT)
    return 0.5 * (lib.tensor(Q_DIAG) * d * d).sum()


PROBLEMS = {"mlp": (_mlp, _mlp_loss), "quadratic": (_quadratic, _quadratic_loss)}
OPTIMIZERS = {
    "sgd": lambda o, p: o.SGD(p, lr=0.1),
    "sgd-momentum": lambda o, p: o.SGD(p, lr=0.05, momentum=0.9),
    "sgd-dampening": lambda o, p: o.SGD(p, lr=0.05, momentum=0.9, dampening=0.5),
    "sgd-nesterov": lambda o, p: o.SGD(p, lr=0.05, momentum=0.9, nesterov=True),
    "sgd-weight_decay": lambda o, p: o.SGD(p, lr=0.05, momentum=0.8, weight_decay=0.1),
    "sgd-nesterov-weight_decay": lambda o, p: o.SGD(p, lr=0.05, momentum=0.5, nesterov=True, weight_decay=0.3),
    "adam": lambda o, p: o.Adam(p, lr=0.05),
    "adam-betas-eps": lambda o, p: o.Adam(p, lr=0.02, betas=(0.8, 0.99), eps=1e-6),
    "adam-weight_decay": lambda o, p: o.Adam(p, lr=0.05, weight_decay=0.1),
    "adam-amsgrad": lambda o, p: o.Adam(p, lr=0.05, amsgrad=True),
    "adam-amsgrad-weight_decay": lambda o, p: o.Adam(p, lr=0.05, weight_decay=0.05, amsgrad=True),
    "adamw": lambda o, p: o.AdamW(p, lr=0.05),
    "adamw-weight_decay": lambda o, p: o.AdamW(p, lr=0.05, weight_decay=0.3),
    "adamw-amsgrad": lambda o, p: o.AdamW(p, lr=0.05, weight_decay=0.1, amsgrad=True),
}


def _twins(make_model):
    """The same model in both libraries: torch initialises it, tinytorch loads its state_dict via NumPy."""
    torch.manual_seed(0)
    theirs = make_model(torch)
    ours = make_model(tinytorch)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    return {"tinytorch": ours, "torch": theirs}


def _train_in_step(models, optimizers, loss_fn, steps=20):
    """Run both for `steps` steps; after each, losses and every weight must agree."""
    for step in range(steps):
        losses = {}
        for name, lib in LIBS.items():
            optimizers[name].zero_grad()
            loss = loss_fn(lib, models[name])
            loss.backward()
            optimizers[name].step()
            losses[name] = loss.item()
        # Same update math in float64; summation order (BLAS) differs by ulps, which 20 steps barely
        # amplify (observed: below 2e-12 relative), so the default tolerances hold.
        np.testing.assert_allclose(losses["tinytorch"], losses["torch"], rtol=RTOL, err_msg=f"loss at step {step}")
        for (k, p), (_, tp) in zip(models["tinytorch"].named_parameters(), models["torch"].named_parameters(),
                                       strict=True):
            assert_same(p, tp, what=f"{k} after step {step + 1}")


@pytest.mark.parametrize("problem", PROBLEMS.values(), ids=PROBLEMS.keys())
@pytest.mark.parametrize("make_optimizer", OPTIMIZERS.values(), ids=OPTIMIZERS.keys())
def test_optimizer_steps(make_optimizer, problem):
    make_model, loss_fn = problem
    models = _twins(make_model)
    optimizers = {name: make_optimizer(LIBS[name].optim, models[name].parameters()) for name in LIBS}
    _train_in_step(models, optimizers, loss_fn)


@pytest.mark.parametrize("optimizer", ["SGD", "Adam", "AdamW"])
def test_optimizer_param_groups(optimizer):
    """Per-group options override the defaults, as in torch."""
    models = _twins(_mlp)
    optimizers = {}
    for name, lib in LIBS.items():
        first, _, last = models[name]
        groups = [{"params": first.parameters(), "lr": 0.01},
                  {"params": last.parameters(), "weight_decay": 0.2}]
        optimizers[name] = getattr(lib.optim, optimizer)(groups, lr=0.05)
    _train_in_step(models, optimizers, _mlp_loss)


# ==== learning-rate schedulers ===========================================================================
SCHEDULERS = {
    "StepLR": lambda s, o: s.StepLR(o, step_size=4, gamma=0.5),
    "StepLR-1": lambda s, o: s.StepLR(o, 1),
    "MultiStepLR": lambda s, o: s.MultiStepLR(o, milestones=[3, 7, 7, 20], gamma=0.3),  # 7 twice: gamma^2
    "ExponentialLR": lambda s, o: s.ExponentialLR(o, gamma=0.9),
    "CosineAnnealingLR": lambda s, o: s.CosineAnnealingLR(o, T_max=10),  # 30 steps: 1.5 periods past T_max
    "CosineAnnealingLR-eta_min": lambda s, o: s.CosineAnnealingLR(o, T_max=7, eta_min=0.01),
    "LinearLR": lambda s, o: s.LinearLR(o),
    "LinearLR-factors": lambda s, o: s.LinearLR(o, start_factor=0.25, end_factor=0.5, total_iters=8),
    "LinearLR-decay": lambda s, o: s.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=12),
}


@pytest.mark.parametrize("make_scheduler", SCHEDULERS.values(), ids=SCHEDULERS.keys())
def test_scheduler(make_scheduler):
    """get_last_lr() and each group's lr over 30 epochs, for two groups with different lrs."""
    history = {}
    for name, lib in LIBS.items():
        a, b = lib.zeros(2, requires_grad=True), lib.zeros(3, requires_grad=True)
        optimizer = lib.optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.3}], lr=0.1, momentum=0.9)
        scheduler = make_scheduler(lib.optim.lr_scheduler, optimizer)
        lrs = [scheduler.get_last_lr()]
        for _ in range(30):
            optimizer.step()  # no gradients: nothing moves, but torch wants step() before scheduler.step()
            scheduler.step()
            lrs.append(scheduler.get_last_lr())
            assert lrs[-1] == [group["lr"] for group in optimizer.param_groups]
        history[name] = lrs
    # Both apply the same recursive (chainable) formulas: only the last bit could differ.
    np.testing.assert_allclose(history["tinytorch"], history["torch"], rtol=1e-13, atol=0)


# ==== gradient clipping, autograd.grad, backward(gradient=) ==================================================
GRADS = [normal(3, 4), normal(5), normal(2, 2)]


@pytest.mark.parametrize("norm_type", [2, 2.0, float("inf"), "inf"], ids=["2", "2.0", "inf", "'inf'"])
@pytest.mark.parametrize("max_norm", [0.5, 1e3], ids=["clips", "no-clip"])
def test_clip_grad_norm(max_norm, norm_type):
    results = {}
    for name, lib in LIBS.items():
        params = [lib.zeros(*g.shape, dtype=lib.float64, requires_grad=True) for g in GRADS]
        unused = lib.zeros(2, dtype=lib.float64, requires_grad=True)  # no .grad: skipped by both
        for p, g in zip(params, GRADS, strict=True):
            p.grad = lib.tensor(g)
        total = lib.nn.utils.clip_grad_norm_(params + [unused], max_norm, norm_type=norm_type)
        results[name] = total, params, unused
    (total, params, unused), (ttotal, tparams, tunused) = results["tinytorch"], results["torch"]
    assert_same(total, ttotal, what="total norm")
    assert unused.grad is None and tunused.grad is None
    for k, (p, tp) in enumerate(zip(params, tparams, strict=True)):
        assert_same(p.grad, tp.grad, what=f"clipped gradient {k}")


def test_clip_grad_norm_single_tensor():
    results = {}
    for name, lib in LIBS.items():
        p = lib.zeros(3, 4, dtype=lib.float64, requires_grad=True)
        p.grad = lib.tensor(GRADS[0])
        results[name] = lib.nn.utils.clip_grad_norm_(p, 1.0), p.grad
    (total, grad), (ttotal, tgrad) = results["tinytorch"], results["torch"]
    assert_same(total, ttotal, what="total norm")
    assert_same(grad, tgrad, what="clipped gradient")


def test_autograd_grad():
    """autograd.grad returns a tuple of gradients and leaves .grad untouched."""
    arrays, upstream = [normal(3, 4), normal(4, 2), normal(5)], normal(3, 2)
    results = {}
    for name, lib in LIBS.items():
        x, w, unused = leaves(lib, arrays)
        y = (x @ w).tanh() * x.sum()
        full = lib.autograd.grad(y, [x, w], grad_outputs=lib.tensor(upstream), retain_graph=True)
        single = lib.autograd.grad(y.sum(), x, retain_graph=True)
        partial = lib.autograd.grad(y.sum(), [w, unused], allow_unused=True)
        assert x.grad is None and w.grad is None
        results[name] = full, single, partial
    ours, theirs = results["tinytorch"], results["torch"]
    for part, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        assert isinstance(a, tuple) and len(a) == len(b), f"part {part}"
        for ga, gb in zip(a, b, strict=True):
            assert (ga is None) == (gb is None)
            if gb is not None:
                assert_same(ga, gb, what=f"part {part}")


def test_backward_with_gradient_accumulates():
    """backward(gradient=G) twice (retain_graph=True) adds both gradients into .grad, in both."""
    arrays, upstream = [normal(3, 4), normal(4)], normal(3)
    results = {}
    for name, lib in LIBS.items():
        x, v = leaves(lib, arrays)
        y = (x * x) @ v
        y.backward(gradient=lib.tensor(upstream), retain_graph=True)
        y.backward(gradient=lib.tensor(2 * upstream))
        results[name] = x.grad, v.grad
    for a, b in zip(results["tinytorch"], results["torch"], strict=True):
        assert_same(a, b)


# ---- type promotion ---------------------------------------------------------------------------------------
PROMOTION = {
    "int + python float": lambda m: m.tensor([1, 2]) + 0.5,
    "python float - int": lambda m: 2.5 - m.tensor([1, 2]),
    "int + float32": lambda m: m.tensor([1, 2]) + m.tensor([1.0, 2.0]),
    "int * float64": lambda m: m.tensor([1, 2]) * m.tensor([1.0, 2.0], dtype=m.float64),
    "float32 + 0-d float64": lambda m: m.tensor([1.0, 2.0]) + m.tensor(1.0, dtype=m.float64),
    "int + 0-d float64": lambda m: m.tensor([1, 2]) + m.tensor(1.0, dtype=m.float64),
    "0-d int * float32": lambda m: m.tensor(2) * m.tensor([1.0, 2.0]),
    "bool + python int": lambda m: m.tensor([True, False]) + 1,
    "int ** python float": lambda m: m.tensor([1, 4]) ** 0.5,
    "int ** python int": lambda m: m.tensor([1, 4]) ** 2,
    "int / int": lambda m: m.tensor([1, 4]) / m.tensor([2, 8]),
    "int.exp()": lambda m: m.tensor([1, 2]).exp(),
    "int.sqrt()": lambda m: m.tensor([1, 4]).sqrt(),
    "int.log()": lambda m: m.tensor([1, 4]).log(),
    "int.clamp(max=float)": lambda m: m.tensor([1, 5]).clamp(max=2.5),
    "int.clamp(max=int)": lambda m: m.tensor([1, 5]).clamp(max=2),
    "maximum(int, float32)": lambda m: m.maximum(m.tensor([1, 2]), m.tensor([1.5, 1.0])),
    "where(int, python float)": lambda m: m.where(m.tensor([True, False]), m.tensor([1, 2]), 2.5),
    "cat(int, float32)": lambda m: m.cat([m.tensor([1]), m.tensor([1.5])]),
    "stack(float32, float64)": lambda m: m.stack([m.tensor([1.0]), m.tensor([1.5], dtype=m.float64)]),
    "int < python float": lambda m: m.tensor([1, 2]) < 1.5,
}


@pytest.mark.parametrize("name", PROMOTION)
def test_type_promotion_matches_torch(name):
    ours, theirs = PROMOTION[name](tinytorch), PROMOTION[name](torch)
    rtol = 1e-6 if ours.dtype == tinytorch.float32 else RTOL  # float32 exp/log/sqrt may differ by an ulp
    assert_same(ours, theirs, rtol=rtol, what=name)
