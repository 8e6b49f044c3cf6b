"""Module 03 - Layers: Module, the parameters it owns, and the layers built from it.

A `Module` registers every `Parameter` and sub-module assigned to it as an attribute, so that
`model.parameters()` finds all weights of a network, named the way PyTorch names them
("0.weight", "encoder.fc1.bias", ...). Layers compute with the ops of modules 01 and 02; the fused
`linear` op is one graph node for x @ W^T + b, because a framework spends most of its time there.
"""

import math
from collections import OrderedDict, namedtuple

import numpy as np

from . import activations
from .tensor import Tensor, float32, generator, int64


class Parameter(Tensor):
    """A tensor that is a module's weight: it requires a gradient by default."""

    __slots__ = ()

    def __init__(self, data, requires_grad=True):
        super().__init__(data, requires_grad=requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()


IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


class Module:
    """Base class of every layer and model: override `forward`, assign parameters and sub-modules."""

    def __init__(self):
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "training", True)

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    def __setattr__(self, name, value):
        """Assigning a Parameter or a Module registers it under `name`."""
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"cannot assign {name!r} before Module.__init__() call: "
                                 f"call super().__init__() first in {type(self).__name__}.__init__")
        # BEGIN SOLUTION
        self._parameters.pop(name, None)
        self._modules.pop(name, None)
        if isinstance(value, Parameter):
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._modules[name] = value
        # END SOLUTION
        object.__setattr__(self, name, value)

    def __delattr__(self, name):
        self._parameters.pop(name, None)
        self._modules.pop(name, None)
        object.__delattr__(self, name)

    def register_parameter(self, name, param):
        """Register `param` (a Parameter, or None for "no such weight") under `name`."""
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"register_parameter: {name!r} must be a Parameter or None, got {type(param).__name__}")
        setattr(self, name, param)

    def add_module(self, name, module):
        setattr(self, name, module)

    # ---- walking the tree of modules -------------------------------------------------------------
    def named_modules(self, prefix=""):
        """(dotted name, module) for this module and every module below it, each once."""
        seen, stack = set(), [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield name, module
            children = [(f"{name}.{child}" if name else child, m) for child, m in module._modules.items()]
            stack.extend(reversed(children))

    def modules(self):
        for _, module in self.named_modules():
            yield module

    def named_children(self):
        yield from self._modules.items()

    def children(self):
        yield from self._modules.values()

    def named_parameters(self, prefix="", recurse=True):
        """(dotted name, parameter) for every parameter, each once, in registration order."""
        # BEGIN SOLUTION
        seen = set()
        modules = self.named_modules(prefix) if recurse else [(prefix, self)]
        for module_name, module in modules:
            for name, param in module._parameters.items():
                if id(param) not in seen:
                    seen.add(id(param))
                    yield (f"{module_name}.{name}" if module_name else name), param
        # END SOLUTION

    def parameters(self, recurse=True):
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    # ---- modes and gradients -----------------------------------------------------------------------
    def train(self, mode=True):
        """Switch this module and all below it to training mode (or evaluation mode, mode=False)."""
        for module in self.modules():
            object.__setattr__(module, "training", mode)
        return self

    def eval(self):
        return self.train(False)

    def zero_grad(self, set_to_none=True):
        for param in self.parameters():
            if set_to_none:
                param.grad = None
            elif param.grad is not None:
                param.grad.data.fill(0)

    def requires_grad_(self, requires_grad=True):
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    # ---- saving and loading -------------------------------------------------------------------
    def state_dict(self):
        """Every parameter by dotted name, as tensors sharing the parameters' data."""
        return OrderedDict((name, Tensor(param.data)) for name, param in self.named_parameters())

    def load_state_dict(self, state_dict, strict=True):
        """Copy values into the parameters in place; with strict=True, keys must match exactly."""
        params = dict(self.named_parameters())
        missing = [k for k in params if k not in state_dict]
        unexpected = [k for k in state_dict if k not in params]
        errors = []
        if strict and missing:
            errors.append("Missing key(s) in state_dict: " + ", ".join(map(repr, missing)) + ".")
        if strict and unexpected:
            errors.append("Unexpected key(s) in state_dict: " + ", ".join(map(repr, unexpected)) + ".")
        values = {}
        for name, param in params.items():
            if name in state_dict:
                value = np.asarray(state_dict[name].data if isinstance(state_dict[name], Tensor) else state_dict[name])
                if value.shape != param.shape:
                    errors.append(f"size mismatch for {name}: copying a param with shape {value.shape} from "
                                  f"checkpoint, the shape in current model is {param.shape}.")
                values[name] = value
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t" + "\n\t".join(errors))
        for name, value in values.items():
            params[name].data[...] = value
        return IncompatibleKeys(missing, unexpected)

    # ---- printing ------------------------------------------------------------------------------------
    def extra_repr(self):
        return ""

    def __repr__(self):
        lines = [f"({name}): " + repr(module).replace("\n", "\n  ") for name, module in self._modules.items()]
        if not lines:
            return f"{type(self).__name__}({self.extra_repr()})"
        return f"{type(self).__name__}(\n  " + "\n  ".join(lines) + "\n)"


# ---- functional forms ------------------------------------------------------------------------------
def linear(input, weight, bias=None):
    """y = x W^T + b, one graph node. x: (..., in), W: (out, in), b: (out,)."""
    if input.data.shape[-1:] != weight.data.shape[1:]:
        raise RuntimeError(f"linear: input of shape {input.shape} does not fit weight of shape {weight.shape}; "
                           f"the input's last dimension must be in_features={weight.shape[1]}")
    # BEGIN SOLUTION
    out = input.data @ weight.data.T
    inputs = (input, weight)
    if bias is not None:
        out += bias.data
        inputs = (input, weight, bias)
    saved = (input.data, weight.data, input.requires_grad, weight.requires_grad)  # backward skips unneeded work
    return Tensor._result(out, "linear", inputs, saved)
    # END SOLUTION


def dropout(input, p=0.5, training=True):
    """Inverted dropout: zero each element with probability p and scale the rest by 1/(1-p)."""
    if not 0 <= p <= 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0:
        return input
    # BEGIN SOLUTION
    if p == 1:
        return input * 0.0
    keep = generator().random(input.shape) >= p
    return input * (keep * (1 / (1 - p))).astype(input.dtype)
    # END SOLUTION


def one_hot(tensor, num_classes=-1):
    """Class indices (int64) to rows of zeros with a one at the index."""
    labels = tensor.data
    if labels.dtype.kind not in "iu":
        raise RuntimeError(f"one_hot is only applicable to index tensor (int64), got dtype {labels.dtype}")
    if num_classes == -1:
        num_classes = int(labels.max()) + 1 if labels.size else 0
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise RuntimeError(f"one_hot: class values must be in [0, {num_classes - 1}], "
                           f"got values in [{labels.min()}, {labels.max()}]")
    return Tensor(np.eye(num_classes, dtype=int64)[labels])


# ---- layers ------------------------------------------------------------------------------------------
class Linear(Module):
    """y = x W^T + b, with W of shape (out_features, in_features), initialised as PyTorch does:
    W and b uniform on [-1/sqrt(in_features), 1/sqrt(in_features)]."""

    def __init__(self, in_features, out_features, bias=True, dtype=None):
        super().__init__()
        if in_features < 0 or out_features < 0:
            raise ValueError(f"Linear: in_features and out_features must be >= 0, got {in_features} and {out_features}")
        self.in_features, self.out_features = in_features, out_features
        dtype = dtype or float32
        # BEGIN SOLUTION
        bound = 1 / math.sqrt(in_features) if in_features > 0 else 0
        self.weight = Parameter(generator().uniform(-bound, bound, (out_features, in_features)).astype(dtype))
        self.bias = Parameter(generator().uniform(-bound, bound, out_features).astype(dtype)) if bias else None
        # END SOLUTION

    def forward(self, input):
        return linear(input, self.weight, self.bias)

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Sequential(Module):
    """Modules applied in order; named "0", "1", ..."""

    def __init__(self, *modules):
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            for name, module in modules[0].items():
                setattr(self, name, module)
        else:
            for index, module in enumerate(modules):
                if not isinstance(module, Module):
                    raise TypeError(f"Sequential: item {index} is a {type(module).__name__}, not a Module; "
                                    "wrap functions in a Module (for example nn.ReLU() for relu)")
                setattr(self, str(index), module)

    def forward(self, input):
        # BEGIN SOLUTION
        for module in self._modules.values():
            input = module(input)
        return input
        # END SOLUTION

    def __getitem__(self, index):
        modules = list(self._modules.values())
        if isinstance(index, slice):
            return Sequential(*modules[index])
        try:
            return modules[index]
        except IndexError:
            raise IndexError(f"index {index} is out of range for a Sequential of {len(modules)} modules") from None

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def append(self, module):
        setattr(self, str(len(self)), module)
        return self


class Dropout(Module):
    """Inverted dropout while training; the identity in eval mode."""

    def __init__(self, p=0.5):
        super().__init__()
        if not 0 <= p <= 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p

    def forward(self, input):
        return dropout(input, self.p, self.training)

    def extra_repr(self):
        return f"p={self.p}"


class Flatten(Module):
    """Merge dimensions start_dim..end_dim into one; by default all but the first (the batch)."""

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, input):
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Identity(Module):
    """Returns its input unchanged (a placeholder where a layer is optional)."""

    def forward(self, input):
        return input


# ---- module 02's activations as layers ----------------------------------------------------------
class ReLU(Module):
    def forward(self, input):
        return activations.relu(input)


class Sigmoid(Module):
    def forward(self, input):
        return activations.sigmoid(input)


class Tanh(Module):
    def forward(self, input):
        return activations.tanh(input)


class LeakyReLU(Module):
    def __init__(self, negative_slope=0.01):
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, input):
        return activations.leaky_relu(input, self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}"


class GELU(Module):
    def __init__(self, approximate="none"):
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, input):
        return activations.gelu(input, self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class Softmax(Module):
    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return activations.softmax(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Module):
    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return activations.log_softmax(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"
