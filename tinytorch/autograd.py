"""Module 05 - Autograd: gradients by the chain rule, run backwards over the recorded graph.

Every op of modules 01-04 left a `Node(op, inputs, saved)` on its output. This module holds

1. RULES, one table from op name to its gradient rule. A rule receives g = dL/d(output) and the
   node's saved values, and returns dL/d(input) for each input, in the output's (broadcast) shape,
   or None where no gradient is needed. The engine sums a gradient back to its input's shape.
2. The engine: order the graph (iterative depth-first search, so a 10,000-op chain works), walk it
   from the output back to the leaves, add up gradients in a local dict, write `.grad` on leaves
   only, and free the graph. grad() runs the same walk and returns gradients instead of writing them.
3. Grad mode (no_grad, enable_grad, set_grad_enabled) and gradcheck().
"""

import functools
import math

import numpy as np

from .activations import erf
from .tensor import GradMode, Tensor

FREED = "freed"  # a node's `saved` after backward has released it


# ==== 1. The gradient rules, one per op =============================================================
def _swap(x):
    """The transpose of a matrix, or of each matrix in a batch."""
    return np.swapaxes(x, -1, -2)


def _expand_reduced(g, shape, dims, keepdim):
    """Put back the dimensions a reduction removed, then broadcast to the input's shape."""
    if dims is None:
        dims = tuple(range(len(shape)))
    if not keepdim:
        g = np.expand_dims(g, dims)
    return np.broadcast_to(g, shape)


def _count(shape, dims):
    """N, the number of elements a reduction over `dims` (None: all) combines into one."""
    return math.prod(shape) if dims is None else math.prod(shape[d] for d in dims)


def add(g):
    """z = a + b:  dz/da = dz/db = 1."""
    # BEGIN SOLUTION
    return g, g
    # END SOLUTION


def sub(g):
    """z = a - b:  dz/da = 1, dz/db = -1."""
    # BEGIN SOLUTION
    return g, -g
    # END SOLUTION


def mul(g, a, b):
    """z = a * b:  dz/da = b, dz/db = a."""
    # BEGIN SOLUTION
    return g * b, g * a
    # END SOLUTION


def div(g, a, b):
    """z = a / b:  dz/da = 1/b, dz/db = -a/b^2."""
    # BEGIN SOLUTION
    return g / b, -g * a / (b * b)
    # END SOLUTION


def pow(g, a, p):
    """z = a^p (p a number):  dz/da = p a^(p-1)."""
    # BEGIN SOLUTION
    return (g * p * a ** (p - 1) if p != 0 else np.zeros_like(g),)
    # END SOLUTION


def pow_tensor(g, a, b, out):
    """z = a^b:  dz/da = b a^(b-1) (0 where b = 0),  dz/db = a^b log(a) (taken as 0 where a <= 0)."""
    # BEGIN SOLUTION
    with np.errstate(divide="ignore", invalid="ignore"):
        grad_a = np.where(b == 0, 0, g * b * a ** (b - 1))
    grad_b = g * out * np.log(np.where(a > 0, a, 1))
    return grad_a, grad_b
    # END SOLUTION


def neg(g):
    """z = -a:  dz/da = -1."""
    # BEGIN SOLUTION
    return (-g,)
    # END SOLUTION


def matmul(g, a, b, needs_a, needs_b):
    """z = a @ b:  dL/da = g @ b^T,  dL/db = a^T @ g. A vector a acts as a 1-row matrix, a vector b
    as a 1-column matrix; batch dimensions broadcast and are summed back by the engine."""
    # BEGIN SOLUTION
    b_is_vector = b.ndim == 1
    if b_is_vector:
        b, g = b[:, None], g[..., None]
    if a.ndim == 1:
        a, g = a[None, :], np.expand_dims(g, -2)
    grad_a = g @ _swap(b) if needs_a else None
    grad_b = _swap(a) @ g if needs_b else None
    if b_is_vector and grad_b is not None:
        grad_b = grad_b[..., 0]
    return grad_a, grad_b
    # END SOLUTION


def linear(g, x, w, needs_x, needs_w):
    """y = x W^T + b:  dL/dx = g W,  dL/dW = g^T x (summed over all batch dims),  dL/db = sum of g."""
    # BEGIN SOLUTION
    grad_x = g @ w if needs_x else None
    g2 = g.reshape(-1, g.shape[-1])
    grad_w = g2.T @ x.reshape(-1, x.shape[-1]) if needs_w else None
    return grad_x, grad_w, g2.sum(axis=0)
    # END SOLUTION


def abs(g, a):
    """z = |a|:  dz/da = sign(a) (0 at 0)."""
    # BEGIN SOLUTION
    return (g * np.sign(a),)
    # END SOLUTION


def exp(g, out):
    """z = e^a:  dz/da = e^a = z."""
    # BEGIN SOLUTION
    return (g * out,)
    # END SOLUTION


def log(g, a):
    """z = log a:  dz/da = 1/a."""
    # BEGIN SOLUTION
    return (g / a,)
    # END SOLUTION


def sqrt(g, out):
    """z = sqrt(a):  dz/da = 1 / (2 z)."""
    # BEGIN SOLUTION
    return (g / (2 * out),)
    # END SOLUTION


def clamp(g, a, lo, hi):
    """z = clamp(a, lo, hi):  dz/da = 1 where lo <= a <= hi, else 0."""
    # BEGIN SOLUTION
    inside = np.ones(a.shape, dtype=bool)
    if lo is not None:
        inside &= a >= lo
    if hi is not None:
        inside &= a <= hi
    return (g * inside,)
    # END SOLUTION


def cast(g, dtype):
    """z = a.to(dtype): the gradient goes back in a's dtype."""
    return (g.astype(dtype),)


def maximum(g, a, b):
    """z = max(a, b): the gradient goes to the larger input; ties split it evenly."""
    # BEGIN SOLUTION
    tie = 0.5 * (a == b)
    return g * ((a > b) + tie), g * ((b > a) + tie)
    # END SOLUTION


def minimum(g, a, b):
    """z = min(a, b): the gradient goes to the smaller input; ties split it evenly."""
    # BEGIN SOLUTION
    tie = 0.5 * (a == b)
    return g * ((a < b) + tie), g * ((b < a) + tie)
    # END SOLUTION


def sum(g, shape, dims, keepdim):
    """z = sum of a over dims:  dz/da = 1 for every summed element."""
    # BEGIN SOLUTION
    return (_expand_reduced(g, shape, dims, keepdim),)
    # END SOLUTION


def mean(g, shape, dims, keepdim):
    """z = mean of a over dims (N elements):  dz/da = 1/N."""
    # BEGIN SOLUTION
    return (_expand_reduced(g, shape, dims, keepdim) / _count(shape, dims),)
    # END SOLUTION


def var(g, a, dims, keepdim, correction):
    """z = sum((a - mean)^2) / (N - correction):  dz/da = 2 (a - mean) / (N - correction)."""
    # BEGIN SOLUTION
    centred = a - a.mean(axis=dims, keepdims=True)
    scale = 2 / (_count(a.shape, dims) - correction)
    return (_expand_reduced(g, a.shape, dims, keepdim) * centred * scale,)
    # END SOLUTION


def extremum(g, a, out):
    """z = max(a) (or min): the gradient is shared evenly by the elements equal to z."""
    # BEGIN SOLUTION
    hits = a == out
    return (g * hits / hits.sum(),)
    # END SOLUTION


def extremum_dim(g, shape, indices, axis, keepdim):
    """(values, indices) = max(a, dim): each value's gradient goes to the element it was taken from."""
    # BEGIN SOLUTION
    grad = np.zeros(shape, dtype=g.dtype)
    np.put_along_axis(grad, indices, g if keepdim else np.expand_dims(g, axis), axis)
    return (grad,)
    # END SOLUTION


def reshape(g, shape):
    """A reshape moves no numbers: the gradient is reshaped back."""
    # BEGIN SOLUTION
    return (g.reshape(shape),)
    # END SOLUTION


def permute(g, dims):
    """z = a.permute(dims): the gradient is permuted back by the inverse order."""
    # BEGIN SOLUTION
    return (g.transpose(np.argsort(dims)),)
    # END SOLUTION


def expand(g):
    """z = a broadcast to a larger shape: the engine sums the gradient back to a's shape."""
    return (g,)


def index(g, shape, index):
    """z = a[index]: the gradient lands where the elements came from; repeated indices add up."""
    # BEGIN SOLUTION
    grad = np.zeros(shape, dtype=g.dtype)
    np.add.at(grad, index, g)
    return (grad,)
    # END SOLUTION


def cat(g, dim, sizes):
    """z = cat(tensors, dim): each input gets its own slice of the gradient."""
    # BEGIN SOLUTION
    return tuple(np.split(g, np.cumsum(sizes)[:-1], axis=dim))
    # END SOLUTION


def where(g, condition):
    """z = where(c, a, b): the gradient goes to a where c holds and to b elsewhere."""
    # BEGIN SOLUTION
    zero = np.zeros((), dtype=g.dtype)
    return np.where(condition, g, zero), np.where(condition, zero, g)
    # END SOLUTION


def relu(g, x):
    """ReLU:  d/dx = 1 where x > 0, else 0."""
    # BEGIN SOLUTION
    return (g * (x > 0),)
    # END SOLUTION


def leaky_relu(g, x, slope):
    """LeakyReLU:  d/dx = 1 where x > 0, else negative_slope."""
    # BEGIN SOLUTION
    return (np.where(x > 0, g, g * slope),)
    # END SOLUTION


def sigmoid(g, out):
    """s = sigmoid(x):  ds/dx = s (1 - s)."""
    # BEGIN SOLUTION
    return (g * out * (1 - out),)
    # END SOLUTION


def tanh(g, out):
    """t = tanh(x):  dt/dx = 1 - t^2."""
    # BEGIN SOLUTION
    return (g * (1 - out * out),)
    # END SOLUTION


def gelu(g, x, approximate):
    """GELU = x Phi(x):  d/dx = Phi(x) + x phi(x); for the tanh form, differentiate
    0.5 x (1 + tanh(u)), u = sqrt(2/pi) (x + 0.044715 x^3)."""
    # BEGIN SOLUTION
    if approximate == "tanh":
        k = math.sqrt(2 / math.pi)
        t = np.tanh(k * (x + 0.044715 * x * x * x))
        return (g * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * k * (1 + 3 * 0.044715 * x * x)),)
    cdf = 0.5 * (1 + erf(x / math.sqrt(2)))
    pdf = np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)
    return (g * (cdf + x * pdf),)
    # END SOLUTION


def softmax(g, out, dim):
    """s = softmax(x):  dL/dx = s * (g - sum(g * s))."""
    # BEGIN SOLUTION
    return (out * (g - (g * out).sum(axis=dim, keepdims=True)),)
    # END SOLUTION


def log_softmax(g, out, dim):
    """y = log_softmax(x):  dL/dx = g - softmax(x) * sum(g)."""
    # BEGIN SOLUTION
    return (g - np.exp(out) * g.sum(axis=dim, keepdims=True),)
    # END SOLUTION


def cross_entropy(g, probs, rows, q, smoothing, reduction):
    """loss = -sum_c q_c log softmax(x)_c:  dloss/dx = softmax(x) * sum_c q_c - q, per sample, where
    q = (1 - smoothing) one_hot + smoothing / C for class indices (`rows` picks the targets);
    'mean' divides by the number of samples."""
    # BEGIN SOLUTION
    num_classes = probs.shape[-1]
    if reduction == "mean":
        g = g / (probs.size // num_classes)
    column = g[..., None]  # each sample's share of the gradient, as a column
    if q is None:
        grad = probs * column
        if smoothing:
            grad -= smoothing / num_classes * column
            g = (1 - smoothing) * g
        grad[rows] -= g
    else:
        grad = (probs * q.sum(axis=-1, keepdims=True) - q) * column
    return (grad,)
    # END SOLUTION


def binary_cross_entropy(g, p, y):
    """loss = -(y log p + (1 - y) log(1 - p)):  dloss/dp = (p - y) / (p (1 - p)), the denominator
    kept above 1e-12 as PyTorch does."""
    # BEGIN SOLUTION
    return (g * (p - y) / np.maximum(p * (1 - p), np.float32(1e-12)),)  # PyTorch's epsilon, a float32
    # END SOLUTION


def binary_cross_entropy_with_logits(g, x, y, w):
    """loss = (1 - y) x + c log(1 + e^-x), c = 1 + (w - 1) y:  dloss/dx = (1 - y) - c sigmoid(-x),
    which is sigmoid(x) - y without pos_weight."""
    # BEGIN SOLUTION
    sigmoid_neg = 0.5 * (1 - np.tanh(0.5 * x))  # sigmoid(-x) = (1 - tanh(x/2)) / 2, never overflows
    c = 1 if w is None else 1 + (w - 1) * y
    return (g * ((1 - y) - c * sigmoid_neg),)
    # END SOLUTION


RULES = {
    "add": add, "sub": sub, "mul": mul, "div": div, "pow": pow, "pow_tensor": pow_tensor, "neg": neg,
    "matmul": matmul, "linear": linear, "abs": abs, "exp": exp, "log": log, "sqrt": sqrt,
    "clamp": clamp, "cast": cast, "maximum": maximum, "minimum": minimum,
    "sum": sum, "mean": mean, "var": var, "max": extremum, "min": extremum,
    "max_dim": extremum_dim, "min_dim": extremum_dim,
    "reshape": reshape, "permute": permute, "expand": expand, "index": index, "cat": cat, "where": where,
    "relu": relu, "leaky_relu": leaky_relu, "sigmoid": sigmoid, "tanh": tanh, "gelu": gelu,
    "softmax": softmax, "log_softmax": log_softmax,
    "cross_entropy": cross_entropy, "binary_cross_entropy": binary_cross_entropy,
    "binary_cross_entropy_with_logits": binary_cross_entropy_with_logits,
}


# ==== 2. The engine ==================================================================================
def unbroadcast(grad, shape):
    """Sum `grad` over the dimensions broadcasting added or stretched, so that it has `shape`."""
    # BEGIN SOLUTION
    extra = grad.ndim - len(shape)
    if extra:
        grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad
    # END SOLUTION


def topological_order(roots):
    """Every tensor that needs a gradient, each after all tensors computed from it (outputs first).

    Iterative depth-first search: a deep graph cannot overflow Python's recursion limit.
    """
    # BEGIN SOLUTION
    order, visited = [], set()
    stack = [(t, False) for t in roots]
    while stack:
        tensor, inputs_done = stack.pop()
        if inputs_done:
            order.append(tensor)
            continue
        if id(tensor) in visited:
            continue
        visited.add(id(tensor))
        node = tensor._node
        if node is None:  # a leaf: no inputs to wait for
            order.append(tensor)
            continue
        stack.append((tensor, True))
        for t in node.inputs:
            if t.requires_grad and id(t) not in visited:
                stack.append((t, False))
    order.reverse()
    return order
    # END SOLUTION


def _propagate(roots, root_grads, retain_graph, capture=()):
    """Push gradients from `roots` to the leaves. Returns ({id: grad} of leaves, {id: grad} of `capture`)."""
    grads = {id(t): g for t, g in zip(roots, root_grads)}
    leaves, captured = {}, {}
    wanted = {id(t) for t in capture}
    # BEGIN SOLUTION
    for tensor in topological_order(roots):
        key = id(tensor)
        g = grads.pop(key, None)
        if g is None:
            continue
        if wanted and key in wanted:
            captured[key] = g
        node = tensor._node
        if node is None:
            leaves[key] = (tensor, g)
            continue
        if node.saved is FREED:
            raise RuntimeError("Trying to backward through the graph a second time (or directly access saved "
                               "tensors after they have already been freed). Specify retain_graph=True if you "
                               "need to backward through the graph a second time.")
        for parent, grad in zip(node.inputs, RULES[node.op](g, *node.saved)):
            if grad is None or not parent.requires_grad:
                continue
            if grad.shape != parent.data.shape:
                grad = unbroadcast(grad, parent.data.shape)
            key = id(parent)
            grads[key] = grads[key] + grad if key in grads else grad
        if not retain_graph:
            node.saved, node.inputs = FREED, ()
    # END SOLUTION
    return leaves, captured


def _root_gradients(tensors, gradients):
    """The starting gradient of each root: given, or 1 for a one-element tensor."""
    result = []
    for i, (t, g) in enumerate(zip(tensors, gradients)):
        if not t.requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn; "
                               "create the leaves with requires_grad=True (and not under no_grad)")
        if g is None:
            if t.data.size != 1:
                raise RuntimeError(f"grad can be implicitly created only for scalar outputs; this tensor has "
                                   f"shape {t.shape}: pass gradient= a tensor of that shape")
            g = np.ones(t.data.shape, t.data.dtype)
        else:
            g = np.array(g.data if isinstance(g, Tensor) else g, dtype=t.data.dtype)
            if g.shape != t.shape:
                raise RuntimeError(f"backward: gradient has shape {g.shape}, but the tensor has shape {t.shape}")
        result.append(g)
    return result


def backward(tensor, gradient=None, retain_graph=False):
    """Accumulate d(tensor)/d(leaf) into `leaf.grad` for every leaf that requires grad."""
    leaves, _ = _propagate([tensor], _root_gradients([tensor], [gradient]), retain_graph)
    given = set()  # each leaf gets an array of its own, as in PyTorch: rules may hand one array to two inputs
    for leaf, g in leaves.values():
        if g.dtype != leaf.data.dtype:
            g = g.astype(leaf.data.dtype)
        if leaf.grad is not None:
            g = leaf.grad.data + g
        elif id(g) in given or g.base is not None or not g.flags.writeable:
            g = g.copy()
        given.add(id(g))
        leaf.grad = Tensor(g)


def grad(outputs, inputs, grad_outputs=None, retain_graph=False, allow_unused=False):
    """The gradients of `outputs` with respect to `inputs`, returned as a tuple; `.grad` is untouched."""
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    single = isinstance(inputs, Tensor)
    inputs = [inputs] if single else list(inputs)
    if grad_outputs is None or isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs] * len(outputs)
    _, captured = _propagate(outputs, _root_gradients(outputs, grad_outputs), retain_graph, capture=inputs)
    result = []
    for i, t in enumerate(inputs):
        g = captured.get(id(t))
        if g is None and not allow_unused:
            raise RuntimeError(f"One of the differentiated Tensors (input {i}) appears to not have been used in "
                               "the graph. Set allow_unused=True if this is the desired behavior.")
        result.append(None if g is None else Tensor(np.array(g, dtype=t.data.dtype)))
    return tuple(result)


# ==== 3. Grad mode and checking ====================================================================
class set_grad_enabled:
    """Turn graph recording on or off at once; as a context manager, restore the old mode on exit."""

    def __init__(self, mode):
        self.previous = GradMode.enabled
        GradMode.enabled = bool(mode)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        GradMode.enabled = self.previous


class no_grad:
    """No graph is recorded inside `with no_grad():`, nor in a function decorated with `@no_grad()`."""

    mode = False

    def __enter__(self):
        self.previous, GradMode.enabled = GradMode.enabled, self.mode
        return self

    def __exit__(self, *exc):
        GradMode.enabled = self.previous

    def __call__(self, function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            with type(self)():
                return function(*args, **kwargs)

        return wrapper


class enable_grad(no_grad):
    """Record graphs again, even inside a no_grad block."""

    mode = True


def is_grad_enabled():
    return GradMode.enabled


def _numerical_jacobian(fn, inputs, index, eps):
    """d(outputs)/d(inputs[index]) by central differences, one column per input element."""
    x = inputs[index].data
    columns = []
    for i in range(x.size):
        flat = x.reshape(-1)
        original = flat[i]
        flat[i] = original + eps
        plus = fn(*inputs).data.astype(np.float64).ravel()
        flat[i] = original - eps
        minus = fn(*inputs).data.astype(np.float64).ravel()
        flat[i] = original
        columns.append((plus - minus) / (2 * eps))
    return np.stack(columns, axis=1)


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3):
    """Compare autograd's Jacobian of `fn(*inputs)` with central differences; True, or RuntimeError
    naming the input and the largest mismatch. Use float64 inputs: float32 is too coarse for eps=1e-6."""
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    with no_grad():
        size = fn(*inputs).data.size
    for index, x in enumerate(inputs):
        if not (isinstance(x, Tensor) and x.requires_grad):
            continue
        if x.data.dtype != np.float64:
            raise RuntimeError(f"gradcheck: input {index} is {x.data.dtype}; use float64 inputs "
                               "(tensor(..., dtype=tinytorch.float64)) so that finite differences are accurate")
        with no_grad():
            numerical = _numerical_jacobian(fn, inputs, index, eps)
        analytical = np.zeros((size, x.data.size))
        for row in range(size):
            seed = np.zeros(size)
            seed[row] = 1.0
            out = fn(*inputs)
            (g,) = grad(out, x, grad_outputs=Tensor(seed.reshape(out.shape)), allow_unused=True)
            if g is not None:
                analytical[row] = g.data.ravel()
        if not np.allclose(analytical, numerical, atol=atol, rtol=rtol):
            worst = np.unravel_index(np.argmax(np.abs(analytical - numerical)), analytical.shape)
            raise RuntimeError(f"gradcheck: Jacobian mismatch for input {index} at (output {worst[0]}, "
                               f"element {worst[1]}): autograd {analytical[worst]:.6g}, "
                               f"finite differences {numerical[worst]:.6g}\nautograd:\n{analytical}\n"
                               f"finite differences:\n{numerical}")
    return True
