"""tinytorch.utils.data: datasets and batching (module 07), as in torch.utils.data."""

from ..training import DataLoader, Dataset, TensorDataset, random_split

__all__ = ["Dataset", "TensorDataset", "DataLoader", "random_split"]
