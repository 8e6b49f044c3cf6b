"""tinytorch: a small deep-learning framework on NumPy that follows PyTorch's API.

The engine is one file per curriculum module (tensor, activations, layers, losses, autograd,
optimizers, training); `tinytorch.nn`, `tinytorch.optim` and `tinytorch.utils.data` are thin
facades over them, so `import tinytorch as torch` runs short PyTorch programs.

Lab mode: when TINYTORCH_LAB names a folder (the learner's lab/tinytorch), that folder is searched
first for each submodule, and this package fills in the modules the learner has not written.
"""

import os

_lab = os.environ.get("TINYTORCH_LAB")
if _lab:
    __path__.insert(0, os.path.abspath(_lab))

from . import autograd, nn, optim, utils  # noqa: E402
from .activations import relu, sigmoid, softmax, tanh  # noqa: E402
from .autograd import enable_grad, is_grad_enabled, no_grad, set_grad_enabled  # noqa: E402
from .tensor import (  # noqa: E402
    Tensor,
    arange,
    cat,
    eye,
    float32,
    float64,
    from_numpy,
    full,
    get_rng_state,
    int64,
    manual_seed,
    maximum,
    minimum,
    ones,
    ones_like,
    rand,
    randn,
    set_rng_state,
    stack,
    tensor,
    where,
    zeros,
    zeros_like,
)
from .tensor import bool_ as bool  # noqa: E402,A001
from .training import load, save  # noqa: E402

float = float32  # noqa: A001  (torch.float is float32)
double = float64
long = int64

__all__ = [
    "Tensor", "tensor", "from_numpy", "zeros", "ones", "full", "zeros_like", "ones_like", "arange", "eye",
    "rand", "randn", "manual_seed", "get_rng_state", "set_rng_state", "cat", "stack", "maximum", "minimum",
    "where", "relu", "sigmoid", "tanh", "softmax", "float32", "float64", "int64", "bool", "float", "double",
    "long", "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "save", "load",
    "autograd", "nn", "optim", "utils",
]
