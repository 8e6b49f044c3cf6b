"""Module 01 - Tensor: an N-d array that remembers how it was made.

A Tensor wraps a NumPy array (`.data`). Every operation computes its value with NumPy and, when a
gradient will be wanted, records a small graph `Node`: the op's name, its input tensors and what
backward needs. Module 05 (autograd) turns those nodes into gradients; nothing here needs it to run
forward.

The rules you follow are PyTorch's: the same names, arguments, defaults, shapes and dtypes
(Python floats become float32, Python ints int64; mixed operands promote as PyTorch's
`result_type` does, which is not always NumPy's way).
"""

import functools
import importlib
import math
from collections import namedtuple

import numpy as np

float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
int64 = np.dtype(np.int64)
bool_ = np.dtype(np.bool_)

MinMax = namedtuple("MinMax", ["values", "indices"])


class GradMode:
    """Whether new operations record a graph (switched by autograd.no_grad and friends)."""

    enabled = True


class Node:
    """How a tensor was made: `op` applied to `inputs`; `saved` holds what its gradient rule needs.

    A node never refers to the tensor it made, so a graph holds no reference cycles and is freed as
    soon as the last tensor of a training step goes out of scope.
    """

    __slots__ = ("op", "inputs", "saved")

    def __init__(self, op, inputs, saved):
        self.op, self.inputs, self.saved = op, inputs, saved

    def __repr__(self):
        return f"<{self.op}>"


_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2}


def result_type(*arrays):
    """PyTorch's type promotion: the highest category (bool < integer < float) wins; among tensors
    with dimensions the widest dtype wins, and a 0-d tensor counts only when it raises the category.
    (NumPy differs: int64 with float32 gives float64 there, float32 in PyTorch.)"""
    def widest(group):
        top = max(_CATEGORY[a.dtype.kind] for a in group)
        return top, np.result_type(*[a.dtype for a in group if _CATEGORY[a.dtype.kind] == top])

    shaped = [a for a in arrays if a.ndim] or arrays
    category, dtype = widest(shaped)
    scalars = [a for a in arrays if not a.ndim and _CATEGORY[a.dtype.kind] > category]
    if scalars:
        category, dtype = widest(scalars)
    return dtype


def _default_dtype(array):
    """PyTorch's defaults: floats become float32; ints stay int64; bools stay bool."""
    kind = array.dtype.kind
    if kind == "f":
        return float32
    if kind in "iu":
        return int64
    if kind == "b":
        return bool_
    raise TypeError(f"tensor(): cannot make a tensor from data of dtype {array.dtype}; "
                    "use numbers, nested lists of numbers, or a numeric NumPy array")


def as_array(data, dtype=None):
    """The NumPy array for `data`: a Tensor's array, a NumPy array as it is, Python data by PyTorch's defaults."""
    if isinstance(data, Tensor):
        array = data.data
    elif isinstance(data, (np.ndarray, np.generic)):  # NumPy data keeps its dtype, scalars too
        array = np.asarray(data)
    else:
        try:
            array = np.asarray(data)
        except ValueError:
            raise ValueError("tensor(): nested lists must be rectangular (every row the same length), "
                             f"got {str(data)[:60]}") from None
        if dtype is None:
            dtype = _default_dtype(array)
    if dtype is not None and array.dtype != dtype:
        array = array.astype(dtype)
    return array


class Tensor:
    """An N-d array with an optional gradient. `.data` is the NumPy array itself."""

    __slots__ = ("data", "requires_grad", "grad", "_node", "__weakref__")

    def __init__(self, data, dtype=None, requires_grad=False):
        self.data = as_array(data, dtype)
        self.grad = None
        self._node = None
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_()

    # ---- making results: the one place where the graph is recorded ----------------------------
    @staticmethod
    def _result(data, op, inputs, saved=()):
        """Wrap `data`; if any input needs a gradient (and grad mode is on), remember how it was made."""
        out = Tensor.__new__(Tensor)
        out.data = np.asarray(data)  # NumPy gives scalars for a 1-D @ 1-D or a full integer index
        out.grad = None
        out._node = None
        out.requires_grad = False
        if GradMode.enabled:
            for t in inputs:
                if t.requires_grad:
                    out.requires_grad = True
                    out._node = Node(op, inputs, saved)
                    break
        return out

    def _operand(self, other):
        """`other` as a Tensor; a Python number takes this tensor's dtype where PyTorch would."""
        if isinstance(other, Tensor):
            return other
        if isinstance(other, (bool, int, float)) and not isinstance(other, np.generic):
            if self.data.dtype.kind == "f" or (self.data.dtype.kind in "iu" and isinstance(other, int)):
                return Tensor(np.asarray(other, dtype=self.data.dtype))
        return Tensor(other)

    def _floats(self):
        """The data as floats: integer and bool tensors become float32, as PyTorch's float ops make them."""
        return self.data if self.data.dtype.kind == "f" else self.data.astype(float32)

    # ---- attributes ----------------------------------------------------------------------------
    @property
    def shape(self):
        return self.data.shape

    @property
    def ndim(self):
        return self.data.ndim

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def is_leaf(self):
        return self._node is None

    @property
    def grad_fn(self):
        return self._node

    def dim(self):
        return self.data.ndim

    def size(self, dim=None):
        return self.data.shape if dim is None else self.data.shape[self._dims(dim, None)[0]]

    def numel(self):
        return self.data.size

    def __len__(self):
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self.data)

    def item(self):
        if self.data.size != 1:
            raise RuntimeError(f"item(): a Tensor with {self.data.size} elements cannot be converted to a "
                               "Python number; only one-element tensors can")
        return self.data.item()

    def numpy(self):
        if self.requires_grad:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        return self.data

    def tolist(self):
        return self.data.tolist()

    def detach(self):
        """The same data, cut from the graph."""
        return Tensor(self.data)

    def requires_grad_(self, requires_grad=True):
        if requires_grad and self.data.dtype.kind != "f":
            raise RuntimeError(f"only Tensors of floating point dtype can require gradients, not {self.data.dtype}")
        self.requires_grad = requires_grad
        return self

    def backward(self, gradient=None, retain_graph=False):
        """Fill `.grad` of every leaf this tensor depends on (module 05 supplies the engine)."""
        _later("autograd").backward(self, gradient, retain_graph)

    def __repr__(self):
        body = np.array2string(self.data, separator=", ", prefix="tensor(", precision=4)
        extras = []
        if self.data.dtype not in (float32, int64, bool_):
            extras.append(f"dtype={self.data.dtype}")
        if self._node is not None:
            extras.append(f"grad_fn={self._node!r}")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + ", ".join([body] + extras) + ")"

    def __bool__(self):
        if self.data.size != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self.data)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __array__(self, dtype=None, copy=None):
        return self.data if dtype is None else self.data.astype(dtype)

    __hash__ = object.__hash__

    # ---- dtype conversion ----------------------------------------------------------------------
    def to(self, dtype):
        """The tensor as `dtype`; float-to-float casts carry gradients."""
        dtype = np.dtype(dtype)
        if dtype == self.data.dtype:
            return self
        out = self.data.astype(dtype)
        if dtype.kind != "f":
            return Tensor(out)
        return Tensor._result(out, "cast", (self,), (self.data.dtype,))

    def float(self):
        return self.to(float32)

    def double(self):
        return self.to(float64)

    def long(self):
        return self.to(int64)

    def bool(self):
        return self.to(bool_)

    # ---- elementwise arithmetic ---------------------------------------------------------------
    def _binary(self, other, op, fn, reverse=False):
        """(a, b, out): the operands as Tensors (swapped when `reverse`, for `2 - t`) and out = fn(a, b)
        on their arrays, promoted to one dtype; a shape mismatch becomes an error naming both shapes."""
        a, b = self, self._operand(other)
        if reverse:
            a, b = b, a
        x, y = a.data, b.data
        if x.dtype != y.dtype:
            dtype = result_type(x, y)
            x, y = x.astype(dtype, copy=False), y.astype(dtype, copy=False)
        try:
            out = fn(x, y)
        except ValueError:
            raise RuntimeError(f"{op}: shapes {a.shape} and {b.shape} cannot be broadcast together; "
                               "each dimension, aligned from the right, must be equal or 1") from None
        return a, b, out

    def __add__(self, other):
        """z = a + b;  dz/da = 1, dz/db = 1."""
        # BEGIN SOLUTION
        a, b, out = self._binary(other, "add", np.add)
        return Tensor._result(out, "add", (a, b))
        # END SOLUTION

    def __radd__(self, other):
        return self.__add__(other)

    def __sub__(self, other):
        """z = a - b;  dz/da = 1, dz/db = -1."""
        # BEGIN SOLUTION
        a, b, out = self._binary(other, "sub", np.subtract)
        return Tensor._result(out, "sub", (a, b))
        # END SOLUTION

    def __rsub__(self, other):
        a, b, out = self._binary(other, "sub", np.subtract, reverse=True)
        return Tensor._result(out, "sub", (a, b))

    def __mul__(self, other):
        """z = a * b, elementwise;  dz/da = b, dz/db = a, so backward keeps both operands."""
        # BEGIN SOLUTION
        a, b, out = self._binary(other, "mul", np.multiply)
        return Tensor._result(out, "mul", (a, b), (a.data, b.data))
        # END SOLUTION

    def __rmul__(self, other):
        return self.__mul__(other)

    def __truediv__(self, other):
        """z = a / b, elementwise (true division: integers give floats);  dz/da = 1/b, dz/db = -a/b^2."""
        # BEGIN SOLUTION
        a, b, out = self._binary(other, "div", np.true_divide)
        if out.dtype == float64 and a.data.dtype.kind != "f" and b.data.dtype.kind != "f":
            out = out.astype(float32)  # PyTorch: int / int gives the default float dtype
        return Tensor._result(out, "div", (a, b), (a.data, b.data))
        # END SOLUTION

    def __rtruediv__(self, other):
        return self._operand(other).__truediv__(self)

    def __pow__(self, exponent):
        """z = a ** p for a number p, or elementwise a ** b for a tensor b."""
        # BEGIN SOLUTION
        if isinstance(exponent, Tensor):
            a, b, out = self._binary(exponent, "pow", np.power)
            return Tensor._result(out, "pow_tensor", (a, b), (a.data, b.data, out))
        base = self._floats() if isinstance(exponent, float) else self.data
        return Tensor._result(base ** exponent, "pow", (self,), (base, exponent))
        # END SOLUTION

    def __rpow__(self, base):
        a, b, out = self._binary(base, "pow", np.power, reverse=True)
        return Tensor._result(out, "pow_tensor", (a, b), (a.data, b.data, out))

    def __neg__(self):
        """z = -a;  dz/da = -1."""
        # BEGIN SOLUTION
        return Tensor._result(-self.data, "neg", (self,))
        # END SOLUTION

    def __matmul__(self, other):
        """Matrix product with NumPy's rules: 1-D operands are vectors, leading dims broadcast as batches."""
        # BEGIN SOLUTION
        b = self._operand(other)
        try:
            out = np.matmul(self.data, b.data)
        except ValueError:
            raise RuntimeError(f"matmul: shapes {self.shape} and {b.shape} cannot be multiplied; the last "
                               "dimension of the first must equal the second-to-last of the second") from None
        saved = (self.data, b.data, self.requires_grad, b.requires_grad)  # backward skips what is not needed
        return Tensor._result(out, "matmul", (self, b), saved)
        # END SOLUTION

    def __rmatmul__(self, other):
        return self._operand(other).__matmul__(self)

    def matmul(self, other):
        return self.__matmul__(other)

    def abs(self):
        """|a|;  d|a|/da = sign(a)."""
        # BEGIN SOLUTION
        return Tensor._result(np.abs(self.data), "abs", (self,), (self.data,))
        # END SOLUTION

    def exp(self):
        """e^a;  d(e^a)/da = e^a, so backward keeps the output."""
        # BEGIN SOLUTION
        out = np.exp(self._floats())
        return Tensor._result(out, "exp", (self,), (out,))
        # END SOLUTION

    def log(self):
        """Natural log;  d(log a)/da = 1/a."""
        # BEGIN SOLUTION
        x = self._floats()
        return Tensor._result(np.log(x), "log", (self,), (x,))
        # END SOLUTION

    def sqrt(self):
        """sqrt(a);  d sqrt(a)/da = 1 / (2 sqrt(a))."""
        # BEGIN SOLUTION
        out = np.sqrt(self._floats())
        return Tensor._result(out, "sqrt", (self,), (out,))
        # END SOLUTION

    def clamp(self, min=None, max=None):
        """Limit every element to [min, max]; the gradient passes where min <= a <= max."""
        if min is None and max is None:
            raise RuntimeError("clamp: at least one of 'min' or 'max' must not be None")
        # BEGIN SOLUTION
        floats = isinstance(min, float) or isinstance(max, float)
        out = np.clip(self._floats() if floats else self.data, min, max)
        return Tensor._result(out, "clamp", (self,), (self.data, min, max))
        # END SOLUTION

    clip = clamp

    def maximum(self, other):
        return maximum(self, other)

    def minimum(self, other):
        return minimum(self, other)

    # ---- comparisons: bool tensors, no gradient ------------------------------------------------
    def _compare(self, other, fn, op):
        return Tensor(self._binary(other, op, fn)[2])

    def __eq__(self, other):
        return self._compare(other, np.equal, "eq")

    def __ne__(self, other):
        return self._compare(other, np.not_equal, "ne")

    def __lt__(self, other):
        return self._compare(other, np.less, "lt")

    def __le__(self, other):
        return self._compare(other, np.less_equal, "le")

    def __gt__(self, other):
        return self._compare(other, np.greater, "gt")

    def __ge__(self, other):
        return self._compare(other, np.greater_equal, "ge")

    eq, ne, lt, le, gt, ge = __eq__, __ne__, __lt__, __le__, __gt__, __ge__

    # ---- reductions ------------------------------------------------------------------------------
    def _dims(self, dim, axis):
        """Normalise PyTorch's `dim` (or NumPy's `axis`) to None or a tuple of non-negative axes."""
        if dim is None:
            dim = axis
        if dim is None:
            return None
        dims = (dim,) if isinstance(dim, int) else tuple(dim)
        ndim = max(self.data.ndim, 1)
        for d in dims:
            if not -ndim <= d < ndim:
                raise IndexError(f"Dimension out of range (expected to be in range of [{-ndim}, {ndim - 1}], "
                                 f"but got {d}) for a tensor of shape {self.shape}")
        return tuple(d % ndim for d in dims)

    def sum(self, dim=None, keepdim=False, axis=None):
        """Sum over `dim` (an int, a tuple, or None for all); the gradient spreads back unchanged."""
        # BEGIN SOLUTION
        dims = self._dims(dim, axis)
        out = self.data.sum(axis=dims, keepdims=keepdim)
        return Tensor._result(np.asarray(out), "sum", (self,), (self.shape, dims, keepdim))
        # END SOLUTION

    def mean(self, dim=None, keepdim=False, axis=None):
        """Mean over `dim`; each input receives 1/N of the gradient."""
        if self.data.dtype.kind != "f":
            raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be floating point, "
                               f"got {self.data.dtype}; convert with .float() first")
        # BEGIN SOLUTION
        dims = self._dims(dim, axis)
        count = self.data.size if dims is None else math.prod(self.data.shape[d] for d in dims)
        out = self.data.sum(axis=dims, keepdims=keepdim) / count  # what np.mean does, without its overhead
        return Tensor._result(np.asarray(out), "mean", (self,), (self.shape, dims, keepdim))
        # END SOLUTION

    def var(self, dim=None, unbiased=True, keepdim=False, *, correction=None, axis=None):
        """Variance over `dim`: sum((a - mean)^2) / (N - correction); unbiased (correction=1) by default."""
        if correction is None:
            correction = 1 if unbiased else 0
        # BEGIN SOLUTION
        dims = self._dims(dim, axis)
        out = np.var(self.data, axis=dims, ddof=correction, keepdims=keepdim)
        return Tensor._result(np.asarray(out), "var", (self,), (self.data, dims, keepdim, correction))
        # END SOLUTION

    def _extreme(self, fn, argfn, op, dim, keepdim):
        if isinstance(dim, Tensor):  # t.max(other) is elementwise, as in PyTorch
            return (maximum if op == "max" else minimum)(self, dim)
        if dim is None:
            out = fn(self.data)
            return Tensor._result(np.asarray(out), op, (self,), (self.data, out))
        if not isinstance(dim, int):
            raise TypeError(f"{op}(): dim must be one int, got {dim!r}")
        axis = self._dims(dim, None)[0]
        kept = argfn(self.data, axis=axis, keepdims=True)
        values, indices = np.take_along_axis(self.data, kept, axis), kept
        if not keepdim:
            values, indices = values.squeeze(axis), indices.squeeze(axis)
        out = Tensor._result(values, op + "_dim", (self,), (self.shape, kept, axis, keepdim))
        return MinMax(out, Tensor(indices.astype(int64)))

    def max(self, dim=None, keepdim=False):
        """The largest element; with `dim`, (values, indices) along it. Ties share the gradient."""
        return self._extreme(np.max, np.argmax, "max", dim, keepdim)

    def min(self, dim=None, keepdim=False):
        """The smallest element; with `dim`, (values, indices) along it."""
        return self._extreme(np.min, np.argmin, "min", dim, keepdim)

    def argmax(self, dim=None, keepdim=False):
        axis = None if dim is None else self._dims(dim, None)[0]
        return Tensor(np.asarray(np.argmax(self.data, axis=axis, keepdims=keepdim)).astype(int64))

    def argmin(self, dim=None, keepdim=False):
        axis = None if dim is None else self._dims(dim, None)[0]
        return Tensor(np.asarray(np.argmin(self.data, axis=axis, keepdims=keepdim)).astype(int64))

    # ---- shape operations: all are a reshape, a transpose or a broadcast ----------------------
    def reshape(self, *shape):
        """The same elements in a new shape (one dimension may be -1)."""
        shape = _shape_args(shape)
        try:
            out = self.data.reshape(shape)
        except ValueError:
            raise RuntimeError(f"reshape: shape {tuple(shape)} is invalid for input of shape {self.shape} "
                               f"({self.data.size} elements)") from None
        # BEGIN SOLUTION
        return Tensor._result(out, "reshape", (self,), (self.shape,))
        # END SOLUTION

    view = reshape

    def flatten(self, start_dim=0, end_dim=-1):
        """Merge dimensions start_dim..end_dim into one."""
        if self.data.ndim == 0:
            return self.reshape(1)
        start, end = self._dims((start_dim, end_dim), None)
        shape = self.shape
        return self.reshape(shape[:start] + (-1,) + shape[end + 1:])

    def squeeze(self, dim=None):
        """Drop dimensions of size 1 (only `dim`, when given)."""
        if dim is None:
            return self.reshape(tuple(s for s in self.shape if s != 1))
        dims = self._dims(dim, None)
        return self.reshape(tuple(s for i, s in enumerate(self.shape) if not (i in dims and s == 1)))

    def unsqueeze(self, dim):
        """Insert a dimension of size 1 at `dim`."""
        ndim = self.data.ndim + 1
        if not -ndim <= dim < ndim:
            raise IndexError(f"unsqueeze: dim {dim} out of range [{-ndim}, {ndim - 1}] for shape {self.shape}")
        return self.reshape(np.expand_dims(self.data, dim).shape)

    def transpose(self, dim0, dim1):
        """Swap two dimensions."""
        axes = list(range(self.data.ndim))
        d0, d1 = self._dims((dim0, dim1), None)
        axes[d0], axes[d1] = axes[d1], axes[d0]
        return self.permute(*axes)

    def permute(self, *dims):
        """Reorder the dimensions; backward applies the inverse order."""
        dims = self._dims(_shape_args(dims), None) or ()
        if sorted(dims) != list(range(self.data.ndim)):
            raise RuntimeError(f"permute: dims {dims} must be a reordering of 0..{self.data.ndim - 1} "
                               f"for a tensor of shape {self.shape}")
        # BEGIN SOLUTION
        return Tensor._result(self.data.transpose(dims), "permute", (self,), (dims,))
        # END SOLUTION

    @property
    def T(self):
        return self.permute(*reversed(range(self.data.ndim)))

    def t(self):
        return self.T

    def expand(self, *sizes):
        """Broadcast to `sizes` (-1 keeps a dimension); backward sums over the broadcast dims."""
        sizes = _shape_args(sizes)
        lead = len(sizes) - self.data.ndim
        shape = tuple(s if s != -1 else self.shape[i - lead] for i, s in enumerate(sizes))
        try:
            out = np.broadcast_to(self.data, shape)
        except ValueError:
            raise RuntimeError(f"expand: shape {self.shape} cannot be expanded to {tuple(sizes)}") from None
        # BEGIN SOLUTION
        return Tensor._result(out, "expand", (self,))
        # END SOLUTION

    # ---- indexing --------------------------------------------------------------------------------
    def __getitem__(self, index):
        """NumPy indexing: ints, slices, None, Ellipsis, integer arrays and boolean masks."""
        index = _as_index(index)
        try:
            out = self.data[index]
        except IndexError as error:
            raise IndexError(f"index {_describe(index)} is out of range for a tensor of shape {self.shape}: "
                             f"{error}") from None
        # BEGIN SOLUTION
        return Tensor._result(out, "index", (self,), (self.shape, index))
        # END SOLUTION

    def __setitem__(self, index, value):
        if self.requires_grad and GradMode.enabled:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation; "
                               "wrap it in `with tinytorch.no_grad():`")
        self.data[_as_index(index)] = as_array(value)

    # ---- activations as methods (module 02 supplies them) ---------------------------------------
    def relu(self):
        return _later("activations").relu(self)

    def sigmoid(self):
        return _later("activations").sigmoid(self)

    def tanh(self):
        return _later("activations").tanh(self)

    def softmax(self, dim):
        return _later("activations").softmax(self, dim)

    def log_softmax(self, dim):
        return _later("activations").log_softmax(self, dim)


@functools.cache
def _later(name):
    """A later curriculum module (activations, autograd), imported on first use: module 01 loads
    and runs forward without them."""
    return importlib.import_module(f".{name}", __package__)


def _shape_args(args):
    """Accept both f(2, 3) and f((2, 3))."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        return tuple(args[0])
    return tuple(args)


def _as_index(index):
    """Replace tensors inside an index by their arrays."""
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, tuple):
        return tuple(i.data if isinstance(i, Tensor) else i for i in index)
    return index


def _describe(index):
    return f"array of shape {index.shape}" if isinstance(index, np.ndarray) else repr(index)


# ---- functions that make or combine tensors --------------------------------------------------
_generator = np.random.default_rng()


def manual_seed(seed):
    """Seed the random numbers of rand, randn, layer initialisation and dropout."""
    global _generator
    _generator = np.random.default_rng(seed)


def generator():
    """The random generator everything in tinytorch draws from (see manual_seed)."""
    return _generator


def get_rng_state():
    """The state of the global generator, as plain data (for checkpoints)."""
    return _generator.bit_generator.state


def set_rng_state(state):
    _generator.bit_generator.state = state


def tensor(data, dtype=None, requires_grad=False):
    """A new tensor from data: Python floats become float32, ints int64; NumPy arrays keep their dtype."""
    return Tensor(np.array(as_array(data, dtype)), requires_grad=requires_grad)


def from_numpy(array):
    """A tensor sharing memory with `array`."""
    return Tensor(array)


def _filled(fill, size, dtype, requires_grad):
    return Tensor(fill(_shape_args(size), dtype=dtype or float32), requires_grad=requires_grad)


def zeros(*size, dtype=None, requires_grad=False):
    return _filled(np.zeros, size, dtype, requires_grad)


def ones(*size, dtype=None, requires_grad=False):
    return _filled(np.ones, size, dtype, requires_grad)


def full(size, fill_value, dtype=None, requires_grad=False):
    if dtype is None:
        dtype = _default_dtype(np.asarray(fill_value))
    return Tensor(np.full(_shape_args((size,)), fill_value, dtype=dtype), requires_grad=requires_grad)


def zeros_like(t, dtype=None, requires_grad=False):
    return Tensor(np.zeros_like(t.data, dtype=dtype), requires_grad=requires_grad)


def ones_like(t, dtype=None, requires_grad=False):
    return Tensor(np.ones_like(t.data, dtype=dtype), requires_grad=requires_grad)


def arange(start, end=None, step=1, dtype=None, requires_grad=False):
    if end is None:
        start, end = 0, start
    array = np.arange(start, end, step)
    return Tensor(array, dtype=dtype or _default_dtype(array), requires_grad=requires_grad)


def eye(n, m=None, dtype=None, requires_grad=False):
    return Tensor(np.eye(n, m, dtype=dtype or float32), requires_grad=requires_grad)


def rand(*size, dtype=None, requires_grad=False):
    """Uniform on [0, 1)."""
    return Tensor(_generator.random(_shape_args(size), dtype=dtype or float32), requires_grad=requires_grad)


def randn(*size, dtype=None, requires_grad=False):
    """Standard normal."""
    return Tensor(_generator.standard_normal(_shape_args(size), dtype=dtype or float32), requires_grad=requires_grad)


def _as_tensor(x):
    return x if isinstance(x, Tensor) else Tensor(x)


def _tensors(tensors, op):
    tensors = [_as_tensor(t) for t in tensors]
    if not tensors:
        raise RuntimeError(f"{op}(): expected a non-empty list of Tensors")
    return tensors


def cat(tensors, dim=0):
    """Join tensors along an existing dimension."""
    tensors = _tensors(tensors, "cat")
    try:
        arrays = [t.data for t in tensors]
        out = np.concatenate(arrays, axis=dim, dtype=result_type(*arrays))
    except np.exceptions.AxisError:
        raise IndexError(f"cat: dimension {dim} is out of range for tensors of shape {tensors[0].shape}") from None
    except ValueError:
        shapes = ", ".join(str(t.shape) for t in tensors)
        raise RuntimeError(f"cat: shapes {shapes} must match except in dimension {dim}") from None
    # BEGIN SOLUTION
    sizes = [t.data.shape[dim] for t in tensors]
    return Tensor._result(out, "cat", tuple(tensors), (dim, sizes))
    # END SOLUTION


def stack(tensors, dim=0):
    """Join tensors along a new dimension: unsqueeze each, then cat."""
    tensors = _tensors(tensors, "stack")
    shapes = {t.shape for t in tensors}
    if len(shapes) != 1:
        raise RuntimeError(f"stack expects each tensor to be equal size, but got shapes {sorted(shapes)}")
    return cat([t.unsqueeze(dim) for t in tensors], dim)


def maximum(a, b):
    """Elementwise larger value; where equal, the gradient is split evenly."""
    a, b, out = _as_tensor(a)._binary(b, "maximum", np.maximum)
    return Tensor._result(out, "maximum", (a, b), (a.data, b.data))


def minimum(a, b):
    """Elementwise smaller value; where equal, the gradient is split evenly."""
    a, b, out = _as_tensor(a)._binary(b, "minimum", np.minimum)
    return Tensor._result(out, "minimum", (a, b), (a.data, b.data))


def where(condition, input, other):
    """Elementwise: input where condition holds, else other."""
    condition = as_array(condition)
    if condition.dtype != bool_:
        raise RuntimeError(f"where expected condition to be a boolean tensor, "
                           f"but got a tensor of dtype {condition.dtype}")
    if not isinstance(input, Tensor) and isinstance(other, Tensor):
        input = other._operand(input)  # a number takes the other tensor's dtype
    x = _as_tensor(input)
    y = x._operand(other)
    try:
        out = np.where(condition, x.data, y.data).astype(result_type(x.data, y.data), copy=False)
    except ValueError:
        raise RuntimeError(f"where: shapes {condition.shape}, {x.shape} and {y.shape} "
                           "cannot be broadcast together") from None
    return Tensor._result(out, "where", (x, y), (condition,))
