"""Module 04 - Losses: one number that says how wrong the model is.

Each loss has PyTorch's `reduction`: 'mean' (the default), 'sum' or 'none' (one value per
element or sample). Cross-entropy and the binary losses are single fused graph nodes computed in
their stable forms (log-sum-exp; log(1 + e^-|x|)), so they stay finite for logits of 1e4 and their
gradients are one short formula each (module 05).
"""

import numpy as np

from .layers import Module
from .tensor import Tensor

REDUCTIONS = ("mean", "sum", "none")


def _check_reduction(reduction):
    if reduction not in REDUCTIONS:
        raise ValueError(f"{reduction!r} is not a valid value for reduction; use one of 'mean', 'sum', 'none'")


def _reduce(losses, reduction):
    """Apply `reduction` to a tensor of per-element losses."""
    if reduction == "mean":
        return losses.mean()
    if reduction == "sum":
        return losses.sum()
    return losses


def _check_same_shape(input, target, name):
    if input.shape != target.shape:
        raise ValueError(f"{name}: target shape {target.shape} must match input shape {input.shape}")


def mse_loss(input, target, *, reduction="mean"):
    """Mean squared error: reduce((input - target)^2)."""
    _check_reduction(reduction)
    _check_same_shape(input, target, "mse_loss")
    # BEGIN SOLUTION
    return _reduce((input - target) ** 2, reduction)
    # END SOLUTION


def cross_entropy(input, target, *, reduction="mean", label_smoothing=0.0):
    """Cross-entropy of logits `input` (N, C) or (C,) against class indices `target` (N,) or ():
    loss_n = -sum_c q_nc log_softmax(x_n)_c, q the one-hot target smoothed as
    (1 - label_smoothing) * onehot + label_smoothing / C. Class probabilities of the input's shape
    are accepted as `target` too."""
    _check_reduction(reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"label_smoothing must be between 0.0 and 1.0, got {label_smoothing}")
    if input.ndim not in (1, 2):
        raise ValueError(f"cross_entropy: input must be logits of shape (N, C) or (C,), got shape {input.shape}")
    target = target if isinstance(target, Tensor) else Tensor(target)
    logits, labels = input.data, target.data
    num_classes = logits.shape[-1]
    if labels.dtype.kind == "f":
        if labels.shape != logits.shape:
            raise ValueError(f"cross_entropy: target of shape {target.shape} and dtype {labels.dtype} fits neither "
                             f"form: class indices must be int64 of shape {logits.shape[:-1]} (use .long()), "
                             f"class probabilities float of the input's shape {input.shape}")
        q = labels
    else:
        if labels.dtype.kind not in "iu":
            raise RuntimeError(f"cross_entropy: target must be class indices (int64) or class probabilities "
                               f"(float), got dtype {labels.dtype}")
        if labels.shape != logits.shape[:-1]:
            raise ValueError(f"cross_entropy: expected target of shape {logits.shape[:-1]} for input of shape "
                             f"{input.shape}, got {target.shape}")
        unsigned = labels.view(labels.dtype.str.replace("i", "u"))  # negatives wrap to huge: one max() checks both ends
        if labels.size and unsigned.max() >= num_classes:
            raise IndexError(f"cross_entropy: target values must be class indices in [0, {num_classes - 1}], "
                             f"got values in [{labels.min()}, {labels.max()}]")
        q = None
    # BEGIN SOLUTION
    shifted = logits - logits.max(axis=-1, keepdims=True)  # log_softmax = shifted - log(sum(exp(shifted)))
    exp = np.exp(shifted)
    total = exp.sum(axis=-1, keepdims=True)
    log_total = np.log(total)
    rows = None
    if q is None:  # class indices: -log p[target] = log_total - shifted[target]
        rows = (np.arange(len(labels)), labels) if labels.ndim else (labels,)
        losses = log_total[..., 0] - shifted[rows]
        if label_smoothing:  # mix in the uniform part: -mean over classes of log p
            uniform = log_total[..., 0] - shifted.mean(axis=-1)
            losses = (1 - label_smoothing) * losses + label_smoothing * uniform
    else:
        if label_smoothing:
            q = q * (1 - label_smoothing) + label_smoothing / num_classes
        losses = (q * (log_total - shifted)).sum(axis=-1)
    if reduction != "none":
        losses = losses.sum() / (losses.size if reduction == "mean" else 1)
    saved = (exp / total, rows, q, label_smoothing, reduction)
    return Tensor._result(np.asarray(losses, dtype=logits.dtype), "cross_entropy", (input,), saved)
    # END SOLUTION


def nll_loss(input, target, *, reduction="mean"):
    """Negative log-likelihood of log-probabilities `input` (N, C): reduce(-input[n, target_n])."""
    _check_reduction(reduction)
    if input.ndim != 2 or target.shape != input.shape[:1]:
        raise ValueError(f"nll_loss: expected input (N, C) and target (N,), got {input.shape} and {target.shape}")
    if target.dtype.kind not in "iu":
        raise RuntimeError(f"nll_loss: target must be class indices (int64), got dtype {target.dtype}")
    # BEGIN SOLUTION
    picked = input[np.arange(input.shape[0]), target.data]
    return _reduce(-picked, reduction)
    # END SOLUTION


def binary_cross_entropy(input, target, *, reduction="mean"):
    """BCE of probabilities p against targets y in [0, 1]: -(y log p + (1 - y) log(1 - p)),
    each log clamped at -100 as PyTorch does so that p = 0 or 1 gives a finite loss."""
    _check_reduction(reduction)
    _check_same_shape(input, target, "binary_cross_entropy")
    p, y = input.data, target.data
    if p.size and (p.min() < 0 or p.max() > 1):
        raise RuntimeError("binary_cross_entropy: all elements of input should be between 0 and 1 "
                           "(apply sigmoid first, or use binary_cross_entropy_with_logits)")
    # BEGIN SOLUTION
    with np.errstate(divide="ignore"):
        log_p, log_1mp = np.maximum(np.log(p), -100), np.maximum(np.log1p(-p), -100)
    losses = -(y * log_p + (1 - y) * log_1mp)
    return _reduce(Tensor._result(losses, "binary_cross_entropy", (input,), (p, y)), reduction)
    # END SOLUTION


def binary_cross_entropy_with_logits(input, target, *, reduction="mean", pos_weight=None):
    """BCE on logits x, stable: max(x, 0) - x y + log(1 + e^-|x|); with pos_weight w the positive
    term is weighted: (1 - y) x + (1 + (w - 1) y) (log(1 + e^-|x|) + max(-x, 0))."""
    _check_reduction(reduction)
    _check_same_shape(input, target, "binary_cross_entropy_with_logits")
    x, y = input.data, target.data
    w = None if pos_weight is None else np.asarray(pos_weight.data if isinstance(pos_weight, Tensor) else pos_weight)
    # BEGIN SOLUTION
    softplus_neg = np.log1p(np.exp(-np.abs(x))) + np.maximum(-x, 0)  # log(1 + e^-x), stable
    if w is None:
        losses = (1 - y) * x + softplus_neg
    else:
        losses = (1 - y) * x + (1 + (w - 1) * y) * softplus_neg
    losses = losses.astype(x.dtype, copy=False)
    return _reduce(Tensor._result(losses, "binary_cross_entropy_with_logits", (input,), (x, y, w)), reduction)
    # END SOLUTION


class _Loss(Module):
    """A loss as a module; `reduction` is keyword-only (PyTorch's positional slots hold options tinytorch lacks)."""

    def __init__(self, *, reduction="mean"):
        super().__init__()
        _check_reduction(reduction)
        self.reduction = reduction

    def extra_repr(self):
        return f"reduction={self.reduction!r}" if self.reduction != "mean" else ""


class MSELoss(_Loss):
    def forward(self, input, target):
        return mse_loss(input, target, reduction=self.reduction)


class CrossEntropyLoss(_Loss):
    def __init__(self, *, reduction="mean", label_smoothing=0.0):
        super().__init__(reduction=reduction)
        self.label_smoothing = label_smoothing

    def forward(self, input, target):
        return cross_entropy(input, target, reduction=self.reduction, label_smoothing=self.label_smoothing)


class NLLLoss(_Loss):
    def forward(self, input, target):
        return nll_loss(input, target, reduction=self.reduction)


class BCELoss(_Loss):
    def forward(self, input, target):
        return binary_cross_entropy(input, target, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    def __init__(self, *, reduction="mean", pos_weight=None):
        super().__init__(reduction=reduction)
        self.pos_weight = pos_weight

    def forward(self, input, target):
        return binary_cross_entropy_with_logits(input, target, reduction=self.reduction, pos_weight=self.pos_weight)
