"""tinytorch.nn.utils, as in torch.nn.utils."""

from ..training import clip_grad_norm_

__all__ = ["clip_grad_norm_"]
