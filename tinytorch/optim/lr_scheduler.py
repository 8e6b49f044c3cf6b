"""tinytorch.optim.lr_scheduler: learning-rate schedules (module 06), as in torch.optim.lr_scheduler."""

from ..optimizers import CosineAnnealingLR, ExponentialLR, LinearLR, LRScheduler, MultiStepLR, StepLR

__all__ = ["LRScheduler", "StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "LinearLR"]
