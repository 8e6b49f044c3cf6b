"""Module 02 - Activations: the nonlinearities between layers.

Each function computes its value with NumPy in a form that cannot overflow (no warning, NaN or inf
for |x| up to 1e4) and records one graph node; module 05 holds their gradients. Module 03 wraps them
as layers (`nn.ReLU`, `nn.Softmax`, ...), as `torch.nn.ReLU` wraps `torch.nn.functional.relu`.
"""

import math
import warnings

import numpy as np

from .tensor import Tensor


def relu(input):
    """ReLU(x) = max(x, 0), elementwise."""
    # BEGIN SOLUTION
    return Tensor._result(np.maximum(input.data, 0), "relu", (input,), (input.data,))
    # END SOLUTION


def leaky_relu(input, negative_slope=0.01):
    """LeakyReLU(x) = x if x > 0 else negative_slope * x."""
    # BEGIN SOLUTION
    x = input.data
    out = np.where(x > 0, x, x * negative_slope).astype(x.dtype, copy=False)
    return Tensor._result(out, "leaky_relu", (input,), (x, negative_slope))
    # END SOLUTION


def sigmoid(input):
    """sigmoid(x) = 1 / (1 + e^-x), computed from e^-|x| so that it never overflows."""
    # BEGIN SOLUTION
    x = input._floats()  # integer tensors give float32, as in PyTorch
    e = np.exp(-np.abs(x))
    out = np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)
    return Tensor._result(out, "sigmoid", (input,), (out,))
    # END SOLUTION


def tanh(input):
    """tanh(x) = (e^x - e^-x) / (e^x + e^-x)."""
    # BEGIN SOLUTION
    out = np.tanh(input._floats())
    return Tensor._result(out, "tanh", (input,), (out,))
    # END SOLUTION


def erf(x):
    """The error function of an array, elementwise (NumPy has none; math.erf is exact)."""
    return np.vectorize(math.erf, otypes=[x.dtype])(x)


def gelu(input, approximate="none"):
    """GELU(x) = x * Phi(x), Phi the standard normal CDF; approximate='tanh' uses
    0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))."""
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    # BEGIN SOLUTION
    x = input.data
    if approximate == "tanh":
        inner = math.sqrt(2 / math.pi) * (x + 0.044715 * x * x * x)
        out = 0.5 * x * (1 + np.tanh(inner))
    else:
        out = 0.5 * x * (1 + erf(x / math.sqrt(2)))
    return Tensor._result(out.astype(x.dtype, copy=False), "gelu", (input,), (x, approximate))
    # END SOLUTION


def _softmax_dim(input, dim, name):
    """`dim` as a non-negative axis; None picks PyTorch's legacy implicit dim, with its warning."""
    if dim is None:
        warnings.warn(f"Implicit dimension choice for {name} has been deprecated. "
                      "Change the call to include dim=X as an argument.", UserWarning, stacklevel=3)
        dim = 0 if input.ndim in (0, 1, 3) else 1
    return input._dims(dim, None)[0]


def softmax(input, dim=None):
    """softmax(x)_i = e^(x_i - max x) / sum_j e^(x_j - max x) along `dim` (the shift avoids overflow)."""
    dim = _softmax_dim(input, dim, "softmax")
    # BEGIN SOLUTION
    shifted = input.data - input.data.max(axis=dim, keepdims=True)
    e = np.exp(shifted)
    out = e / e.sum(axis=dim, keepdims=True)
    return Tensor._result(out, "softmax", (input,), (out, dim))
    # END SOLUTION


def log_softmax(input, dim=None):
    """log_softmax(x)_i = x_i - max x - log sum_j e^(x_j - max x) along `dim`."""
    dim = _softmax_dim(input, dim, "log_softmax")
    # BEGIN SOLUTION
    shifted = input.data - input.data.max(axis=dim, keepdims=True)
    out = shifted - np.log(np.exp(shifted).sum(axis=dim, keepdims=True))
    return Tensor._result(out, "log_softmax", (input,), (out, dim))
    # END SOLUTION
