"""tinytorch.nn.functional: the functions behind the layers, as in torch.nn.functional."""

from ..activations import gelu, leaky_relu, log_softmax, relu, sigmoid, softmax, tanh
from ..layers import dropout, linear, one_hot
from ..losses import binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy, mse_loss, nll_loss

__all__ = [
    "relu", "leaky_relu", "sigmoid", "tanh", "gelu", "softmax", "log_softmax", "linear", "dropout", "one_hot",
    "mse_loss", "cross_entropy", "nll_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits",
]
