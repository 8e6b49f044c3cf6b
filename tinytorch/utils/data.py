"""tinytorch.utils.data: datasets and batching (module 07), as in torch.utils.data."""

from ..training import DataLoader, Dataset, Subset, TensorDataset, default_collate, random_split

__all__ = ["Dataset", "TensorDataset", "Subset", "DataLoader", "default_collate", "random_split"]
