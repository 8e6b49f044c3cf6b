"""tinytorch.optim: optimizers (module 06), as in torch.optim."""

from ..optimizers import SGD, Adam, AdamW, Optimizer
from . import lr_scheduler

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "lr_scheduler"]
