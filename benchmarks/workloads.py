"""The benchmark workloads, each in up to three implementations of the same math:

- "numpy": the floor, a hand-written NumPy forward, backward and update;
- "tinytorch" and "torch": one function written against PyTorch's API, run with either framework
  (the same code, so the comparison is of engines, not of programs).

Every implementation starts from the same initial weights and walks the same batches. A workload's
`build(impl)` returns `step(i)`, which runs training step (or op) number i.
"""

import math
from dataclasses import dataclass

import numpy as np


def digits(dtype=np.float32):
    """scikit-learn's bundled digits (1,797 x 64), standardised; labels as int64."""
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    x = (x - x.mean(axis=0)) / (x.std(axis=0) + 1e-8)
    return x.astype(dtype), y.astype(np.int64)


def initial_weights(sizes, seed=0, dtype=np.float32):
    """(W, b) per layer, PyTorch's default init: uniform on +-1/sqrt(fan_in)."""
    rng = np.random.default_rng(seed)
    weights = []
    for fan_in, fan_out in zip(sizes, sizes[1:]):
        bound = 1 / math.sqrt(fan_in)
        weights.append((rng.uniform(-bound, bound, (fan_out, fan_in)).astype(dtype),
                        rng.uniform(-bound, bound, fan_out).astype(dtype)))
    return weights


def batch_start(i, batch_size, n):
    """Batch i starts here: consecutive batches wrap around the data set."""
    return (i * batch_size) % (n - batch_size + 1)


# ---- the NumPy floor ------------------------------------------------------------------------------
def numpy_training_step(x, y, weights, batch_size, optimizer, lr):
    """Forward (Linear, ReLU between layers), softmax cross-entropy, backward and the update, by hand."""
    params = [p.copy() for layer in weights for p in layer]
    moments = [(np.zeros_like(p), np.zeros_like(p)) for p in params]
    rows = np.arange(batch_size)
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    t = 0

    def step(i):
        nonlocal t
        s = batch_start(i, batch_size, len(x))
        xb, yb = x[s:s + batch_size], y[s:s + batch_size]
        activations = [xb]
        for k in range(0, len(params), 2):
            z = activations[-1] @ params[k].T
            z += params[k + 1]
            activations.append(np.maximum(z, 0) if k + 2 < len(params) else z)
        logits = activations[-1]
        shifted = logits - logits.max(axis=1, keepdims=True)
        probs = np.exp(shifted)
        probs /= probs.sum(axis=1, keepdims=True)
        loss = -np.log(probs[rows, yb]).mean()
        grad = probs
        grad[rows, yb] -= 1
        grad /= batch_size
        grads = [None] * len(params)
        for k in range(len(params) - 2, -1, -2):
            a = activations[k // 2]
            grads[k], grads[k + 1] = grad.T @ a, grad.sum(axis=0)
            if k:
                grad = grad @ params[k]
                grad *= a > 0
        t += 1
        for p, g, (m, v) in zip(params, grads, moments):
            if optimizer == "sgd":
                p -= lr * g
                continue
            m *= beta1
            m += (1 - beta1) * g
            v *= beta2
            v += (1 - beta2) * g * g
            denom = np.sqrt(v)
            denom /= math.sqrt(1 - beta2**t)
            denom += eps
            p -= (lr / (1 - beta1**t)) * m / denom
        return loss

    return step


# ---- one program for tinytorch and PyTorch -------------------------------------------------------------
def framework_training_step(torch, x, y, weights, batch_size, optimizer, lr):
    """The same training step through the public API: nn.Linear, nn.ReLU, CrossEntropyLoss, SGD/Adam,
    batches by indexing."""
    nn = torch.nn
    layers = []
    for w, b in weights:
        linear = nn.Linear(w.shape[1], w.shape[0])
        with torch.no_grad():
            linear.weight.data[...] = torch.from_numpy(w)
            linear.bias.data[...] = torch.from_numpy(b)
        layers += [linear, nn.ReLU()]
    model = nn.Sequential(*layers[:-1])
    make = torch.optim.SGD if optimizer == "sgd" else torch.optim.Adam
    opt = make(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    inputs, targets = torch.from_numpy(x), torch.from_numpy(y)

    def step(i):
        s = batch_start(i, batch_size, len(x))
        loss = loss_fn(model(inputs[s:s + batch_size]), targets[s:s + batch_size])
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    return step


# ---- per-op overhead ------------------------------------------------------------------------------------
def op_step(torch, op, rng_seed=0):
    """One small op, where Python overhead is all there is to measure. torch=None means NumPy."""
    rng = np.random.default_rng(rng_seed)
    shapes = {"add": ((32, 64), (32, 64)), "matmul": ((64, 64), (64, 64)), "backward": ((32, 64), (32, 64))}[op]
    a, b = (rng.standard_normal(s).astype(np.float32) for s in shapes)
    if torch is None:
        if op == "add":
            return lambda i: a + b
        if op == "matmul":
            return lambda i: a @ b
        ones = np.ones((), np.float32)

        def numpy_backward(i):  # d/da, d/db of sum(a * b), by hand
            (a * b).sum()
            g = np.broadcast_to(ones, a.shape)
            return g * b, g * a

        return numpy_backward
    ta, tb = torch.from_numpy(a), torch.from_numpy(b)
    if op == "add":
        return lambda i: ta + tb
    if op == "matmul":
        return lambda i: ta @ tb
    ta.requires_grad_(True)
    tb.requires_grad_(True)

    def framework_backward(i):  # a two-node graph: mul, then sum
        ta.grad = tb.grad = None
        (ta * tb).sum().backward()

    return framework_backward


@dataclass(frozen=True)
class Workload:
    name: str
    description: str
    kind: str  # "train" or "op"
    sizes: tuple = ()
    batch_size: int = 0
    optimizer: str = ""
    lr: float = 0.0
    target: float = 0.0  # the ratio to the floor we aim at (0: none)

    def build(self, impl, torch_module=None, data=None):
        """`step(i)` for implementation `impl` ("numpy", "tinytorch" or "torch")."""
        framework = None if impl == "numpy" else torch_module
        if self.kind == "op":
            return op_step(framework, self.name.split()[-1])
        x, y = data
        weights = initial_weights(self.sizes)
        if framework is None:
            return numpy_training_step(x, y, weights, self.batch_size, self.optimizer, self.lr)
        return framework_training_step(framework, x, y, weights, self.batch_size, self.optimizer, self.lr)


WORKLOADS = [
    Workload("softmax b32", "softmax regression 64-10, SGD, batch 32", "train", (64, 10), 32, "sgd", 0.1, 1.5),
    Workload("mlp b32", "MLP 64-128-10 ReLU, Adam, batch 32", "train", (64, 128, 10), 32, "adam", 1e-3, 1.3),
    Workload("mlp b256", "MLP 64-128-10 ReLU, Adam, batch 256", "train", (64, 128, 10), 256, "adam", 1e-3, 1.2),
    Workload("op add", "add (32, 64) + (32, 64)", "op"),
    Workload("op matmul", "matmul (64, 64) @ (64, 64)", "op"),
    Workload("op backward", "backward of sum(a * b), a two-node graph", "op"),
]
