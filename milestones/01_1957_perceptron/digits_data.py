"""The milestone's data, in NumPy alone: scikit-learn's digits, the fixed stratified split and the
standardisation. Shared by perceptron_digits.py and by the benchmark's NumPy-only twin of it."""

import importlib.util
import sys
from pathlib import Path

import numpy as np

SPLIT = {"train": 0.7, "validation": 0.1, "test": 0.2}  # shares of every digit class
SPLIT_SEED = 1957  # the split is fixed: --seed changes the initial weights and the shuffling only


def load_digits():
    """scikit-learn's 1,797 handwritten digits: images (N, 64) of 8x8 pixels 0-16, labels (N,).

    Read from the CSV that scikit-learn ships (the numbers its load_digits() returns), found
    without importing scikit-learn: that import alone takes about 2 s."""
    spec = importlib.util.find_spec("sklearn")
    if spec is None:
        sys.exit("error: scikit-learn is not installed; it ships the digits. "
                 "./lab.sh installs it, or: pip install scikit-learn")
    csv = Path(spec.submodule_search_locations[0], "datasets", "data", "digits.csv.gz")
    table = np.loadtxt(csv, delimiter=",", dtype=np.float32)
    return table[:, :-1], table[:, -1].astype(np.int64)


def stratified_split(labels, shares, seed):
    """{part: sorted indices}: each class is shuffled and cut in the proportions `shares`."""
    rng = np.random.default_rng(seed)
    parts = {name: [] for name in shares}
    bounds = np.cumsum(list(shares.values()))
    for cls in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == cls))
        cuts = np.round(bounds * len(members)).astype(int)
        for name, piece in zip(parts, np.split(members, cuts[:-1]), strict=True):
            parts[name].append(piece)
    return {name: np.sort(np.concatenate(pieces)) for name, pieces in parts.items()}


def standardiser(x):
    """(mean, scale) such that z = (x - mean) * scale has unit variance per pixel on `x`; a pixel
    that never varies gets scale 0, so it cannot carry weight."""
    std = x.std(axis=0)
    return x.mean(axis=0), np.divide(1.0, std, out=np.zeros_like(std), where=std > 0)


def prepare():
    """The split {part: indices}, each part's standardised (images, labels), the pixel scales."""
    images, labels = load_digits()
    parts = stratified_split(labels, SPLIT, SPLIT_SEED)
    mean, scale = standardiser(images[parts["train"]])
    data = {part: ((images[idx] - mean) * scale, labels[idx]) for part, idx in parts.items()}
    return parts, data, scale
