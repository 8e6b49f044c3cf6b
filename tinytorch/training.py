"""Module 07 - Training: data in batches, a training loop, and checkpoints you can resume from.

You build the parts every training script needs, the way PyTorch names them:

1. Datasets: `Dataset` (anything with `__getitem__` and `__len__`), `TensorDataset` (rows of tensors),
   `Subset` and `random_split` (a shuffled train/validation split).
2. `DataLoader`: the dataset in batches, shuffled each epoch by its own random generator.
3. `clip_grad_norm_`: scale all gradients together when their joint norm is too large.
4. `save` / `load`: nested state dicts of tensors, arrays and numbers in one .npz file (NumPy's zip of
   arrays, read without pickle), written atomically so that a crash never leaves half a checkpoint.
5. `Trainer`: the epoch loop with a validation pass, a history, progress lines, checkpoints after
   every epoch, exact resumption (a resumed run ends with the very numbers of an uninterrupted one)
   and early stopping.
"""

import json
import math
import os
import tempfile
import time
import zipfile
from types import MappingProxyType

import numpy as np

from .autograd import no_grad
from .tensor import Tensor, as_array, float32, get_rng_state, set_rng_state
from .tensor import generator as global_generator


# ==== 1. Datasets =====================================================================================
class Dataset:
    """A collection of samples: `dataset[i]` is the i-th sample, `len(dataset)` how many there are."""

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__(self, index)")

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __len__(self)")


class TensorDataset(Dataset):
    """Sample i is (t[i] for each tensor t): the tensors are columns, their first dimension the rows."""

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        for i, t in enumerate(tensors):
            if not isinstance(t, Tensor):
                raise TypeError(f"TensorDataset: argument {i} is a {type(t).__name__}, not a Tensor; "
                                "wrap arrays with tinytorch.tensor(...)")
            if t.ndim == 0:
                raise ValueError(f"TensorDataset: argument {i} is a 0-d tensor; every tensor needs a first "
                                 "dimension (one row per sample)")
        sizes = [t.shape[0] for t in tensors]
        if len(set(sizes)) != 1:
            raise ValueError(f"Size mismatch between tensors: TensorDataset needs the same first dimension "
                             f"in every tensor, got shapes {[t.shape for t in tensors]}")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self):
        return self.tensors[0].shape[0]


class Subset(Dataset):
    """The samples of `dataset` at `indices`, in that order."""

    def __init__(self, dataset, indices):
        self.dataset, self.indices = dataset, indices

    def __getitem__(self, index):
        return self.dataset[self.indices[index]]

    def __len__(self):
        return len(self.indices)


def _random_generator(generator, seed, caller):
    """`generator` itself, a new numpy Generator from `seed`, or None when neither is given."""
    if generator is not None and seed is not None:
        raise ValueError(f"{caller}: pass either generator or seed, not both")
    if generator is not None and not isinstance(generator, np.random.Generator):
        raise TypeError(f"{caller}: generator must be a numpy.random.Generator (for example "
                        f"numpy.random.default_rng(0)), got {type(generator).__name__}; or pass seed=<int>")
    if seed is not None:
        return np.random.default_rng(seed)
    return generator


def _split_lengths(n, lengths):
    """Split sizes that add up to n, from ints or from fractions that add up to 1 (the remainder of
    flooring n * fraction goes one by one to the first splits, as PyTorch does)."""
    lengths = list(lengths)
    total = sum(lengths)
    if lengths and math.isclose(total, 1) and total <= 1:
        for i, fraction in enumerate(lengths):
            if not 0 <= fraction <= 1:
                raise ValueError(f"random_split: fraction at index {i} is {fraction}, not between 0 and 1")
        sizes = [math.floor(n * fraction) for fraction in lengths]
        for i in range(n - sum(sizes)):
            sizes[i % len(sizes)] += 1
        return sizes
    if any(isinstance(x, bool) or not isinstance(x, (int, np.integer)) or x < 0 for x in lengths) or total != n:
        raise ValueError(f"random_split: lengths {lengths} must be non-negative ints that add up to the dataset's "
                         f"length {n}, or fractions that add up to 1")
    return [int(x) for x in lengths]


def random_split(dataset, lengths, generator=None, seed=None):
    """Split `dataset` at random into Subsets of the given lengths (ints, or fractions adding up to 1).
    The shuffle draws from `generator`, a new generator from `seed`, or tinytorch's global generator."""
    sizes = _split_lengths(len(dataset), lengths)
    rng = _random_generator(generator, seed, "random_split")
    if rng is None:
        rng = global_generator()
    # BEGIN SOLUTION
    order = rng.permutation(len(dataset)).tolist()
    splits, start = [], 0
    for size in sizes:
        splits.append(Subset(dataset, order[start:start + size]))
        start += size
    return splits
    # END SOLUTION


# ==== 2. Batches ======================================================================================
def default_collate(samples):
    """Turn a list of samples into one batch, as PyTorch does: tensors, arrays and numbers are stacked
    along a new first dimension into one tensor (Python floats as float64, ints as int64); tuples and
    lists are collated field by field (giving a list), dicts key by key; strings stay a list."""
    first = samples[0]
    # BEGIN SOLUTION
    if isinstance(first, Tensor):
        return Tensor(_stack([s.data for s in samples]))
    if isinstance(first, (np.ndarray, np.generic)):
        return Tensor(_stack(samples))
    if isinstance(first, float):
        return Tensor(np.array(samples, dtype=np.float64))
    if isinstance(first, int):
        return Tensor(np.array(samples))
    if isinstance(first, str):
        return list(samples)
    if isinstance(first, dict):
        return {key: default_collate([s[key] for s in samples]) for key in first}
    if isinstance(first, (tuple, list)):
        if any(len(s) != len(first) for s in samples):
            raise RuntimeError("default_collate: each element in list of batch should be of equal size")
        return [default_collate(list(field)) for field in zip(*samples, strict=True)]
    # END SOLUTION
    raise TypeError(f"default_collate: samples must be tensors, arrays, numbers, strings, or tuples, lists "
                    f"and dicts of them; got {type(first).__name__}")


def _stack(arrays):
    """np.stack, with PyTorch's error when the samples' shapes differ."""
    try:
        return np.stack(arrays)
    except ValueError:
        shapes = sorted({np.shape(a) for a in arrays})
        raise RuntimeError(f"stack expects each tensor to be equal size, but got shapes {shapes}") from None


def _tensor_columns(dataset):
    """(tensors, rows) when `dataset` is a TensorDataset or a Subset of one (rows: None for all, else the
    rows it uses, in order); None for any other dataset, or for a subclass with its own __getitem__."""
    rows = None
    while _plain(dataset, Subset):
        indices = np.asarray(dataset.indices, dtype=np.int64)
        rows = indices if rows is None else indices[rows]
        dataset = dataset.dataset
    return (dataset.tensors, rows) if _plain(dataset, TensorDataset) else None


def _plain(dataset, cls):
    """Whether `dataset` is a `cls` whose items are `cls`'s own (a subclass may override __getitem__)."""
    return isinstance(dataset, cls) and type(dataset).__getitem__ is cls.__getitem__


class DataLoader:
    """The samples of `dataset` in batches of `batch_size`, in order or shuffled anew each epoch.

    Shuffling draws from the loader's own numpy Generator, `self.generator` (given, made from `seed`,
    or seeded from tinytorch's global generator), so a checkpoint can store its state. A TensorDataset
    (or a Subset of one) is batched by indexing its tensors with all of a batch's rows at once; any
    other dataset item by item through default_collate.
    """

    def __init__(self, dataset, batch_size=1, shuffle=False, drop_last=False, generator=None, seed=None):
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size!r}")
        self.dataset, self.batch_size, self.shuffle, self.drop_last = dataset, int(batch_size), shuffle, drop_last
        self.generator = _random_generator(generator, seed, "DataLoader")
        if self.generator is None and shuffle:
            self.generator = np.random.default_rng(global_generator().integers(2**63))
        self._columns = _tensor_columns(dataset)

    def __len__(self):
        """The number of batches: ceil(n / batch_size), or floor with drop_last."""
        n = len(self.dataset)
        # BEGIN SOLUTION
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        # END SOLUTION

    def __iter__(self):
        """Cut the order (0..n-1, or a fresh permutation when shuffling) into batches of indices;
        with drop_last, a last batch smaller than batch_size is left out."""
        # BEGIN SOLUTION
        n = len(self.dataset)
        order = self.generator.permutation(n) if self.shuffle else np.arange(n)
        end = n - n % self.batch_size if self.drop_last else n
        for start in range(0, end, self.batch_size):
            yield self._gather(order[start:start + self.batch_size])
        # END SOLUTION

    def _gather(self, indices):
        """The batch of samples at `indices`: a list of tensors for a TensorDataset, else the collated items."""
        # BEGIN SOLUTION
        if self._columns is not None:
            tensors, rows = self._columns
            if rows is not None:
                indices = rows[indices]
            return [Tensor(t.data[indices]) for t in tensors]
        return default_collate([self.dataset[int(i)] for i in indices])
        # END SOLUTION


# ==== 3. Gradient clipping ============================================================================
def clip_grad_norm_(parameters, max_norm, norm_type=2.0):
    """Scale all gradients by one factor so that their joint norm is at most `max_norm`:

        total = || (||g_1||_p, ..., ||g_k||_p) ||_p          (p = inf: the largest |g|)
        g_i  <- g_i * min(1, max_norm / (total + 1e-6))

    Returns `total`, the norm before clipping, as a tensor. Each clipped gradient is a new tensor:
    gradient arrays may be shared, so they are never scaled in place.
    """
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    with_grad = [p for p in params if p.grad is not None]
    norm_type = float(norm_type)
    if not with_grad:
        return Tensor(np.zeros((), dtype=float32))
    # BEGIN SOLUTION
    norms = np.array([np.linalg.norm(p.grad.data.ravel(), norm_type) for p in with_grad])
    total = np.linalg.norm(norms, norm_type)
    coef = max_norm / (total + 1e-6)
    if coef < 1:
        for p in with_grad:
            p.grad = Tensor(p.grad.data * np.asarray(coef, dtype=p.grad.data.dtype))
    return Tensor(np.asarray(total))
    # END SOLUTION


# ==== 4. Saving and loading ===========================================================================
# A checkpoint is an .npz file (a zip of .npy arrays). Entry MANIFEST holds JSON: the object's structure,
# where every tensor or array is a reference to another entry. Nodes of the structure are JSON numbers,
# strings, booleans and null as themselves, and one-key objects for the rest:
#   {"dict": [[key, node], ...]}  {"list": [node, ...]}  {"tuple": [node, ...]}
#   {"tensor": entry}  {"array": entry}  {"scalar": entry}   (a NumPy scalar, stored as a 0-d array)
MANIFEST = "__tinytorch__"
FORMAT_VERSION = 1


def _flatten(obj, arrays, path):
    """The JSON node for `obj`; its tensors and arrays are added to `arrays` under new entry names."""
    # BEGIN SOLUTION
    if obj is None or isinstance(obj, (bool, int, float, str)) and not isinstance(obj, np.generic):
        return obj
    if isinstance(obj, (Tensor, np.ndarray, np.generic)):
        kind = "tensor" if isinstance(obj, Tensor) else "array" if isinstance(obj, np.ndarray) else "scalar"
        return {kind: _store(obj.data if isinstance(obj, Tensor) else np.asarray(obj), arrays, path)}
    if isinstance(obj, dict):
        return {"dict": [[_check_key(key, path), _flatten(value, arrays, f"{path}[{key!r}]")]
                         for key, value in obj.items()]}
    if isinstance(obj, (list, tuple)):
        kind = "tuple" if isinstance(obj, tuple) else "list"
        return {kind: [_flatten(item, arrays, f"{path}[{i}]") for i, item in enumerate(obj)]}
    # END SOLUTION
    raise TypeError(f"tinytorch.save: cannot store a {type(obj).__name__} at {path}; a checkpoint holds dicts "
                    "(str or int keys), lists, tuples, Tensors, NumPy arrays, numbers, strings and None")


def _store(array, arrays, path):
    """Add `array` to `arrays` under the next free entry name, and return that name."""
    if array.dtype.hasobject:
        raise TypeError(f"tinytorch.save: the array at {path} holds Python objects (dtype object), which an .npz "
                        "cannot store without pickle; use a numeric dtype")
    name = str(len(arrays))
    arrays[name] = array
    return name


def _check_key(key, path):
    if isinstance(key, bool) or not isinstance(key, (str, int)):
        raise TypeError(f"tinytorch.save: the dict at {path} has a key {key!r} of type {type(key).__name__}; "
                        "keys must be str or int")
    return key


def _unflatten(node, arrays):
    """The object a JSON node describes: the inverse of _flatten."""
    if not isinstance(node, dict):
        return node
    if len(node) != 1:
        raise ValueError(f"unknown node {node!r}")
    ((kind, value),) = node.items()
    # BEGIN SOLUTION
    if kind == "dict":
        return {key: _unflatten(item, arrays) for key, item in value}
    if kind in ("list", "tuple"):
        items = [_unflatten(item, arrays) for item in value]
        return items if kind == "list" else tuple(items)
    if kind == "tensor":
        return Tensor(arrays[value])
    if kind == "array":
        return arrays[value]
    if kind == "scalar":
        return arrays[value][()]
    # END SOLUTION
    raise ValueError(f"unknown node kind {kind!r}")


def save(obj, f):
    """Write `obj` (nested dicts, lists and tuples of Tensors, arrays, numbers, strings and None) to the
    file `f` as an .npz, atomically: into a temporary file in the same folder, then renamed over `f`."""
    path = os.fspath(f)
    arrays = {}
    manifest = json.dumps({"format": "tinytorch", "version": FORMAT_VERSION, "object": _flatten(obj, arrays, "obj")})
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"tinytorch.save: cannot write {path!r}: the folder {folder!r} does not exist")
    fd, temporary = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    umask = os.umask(0o022)
    os.umask(umask)
    try:
        with os.fdopen(fd, "wb") as file:
            os.chmod(temporary, 0o666 & ~umask)  # the mode open() would give, not mkstemp's owner-only one
            np.savez(file, **{MANIFEST: np.array(manifest)}, **arrays)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def load(f):
    """Read an object written by `save`: Tensors come back as Tensors (without gradients), arrays as
    arrays, tuples as tuples, int keys as ints. Never unpickles anything."""
    path = os.fspath(f)
    if not os.path.exists(path):
        raise FileNotFoundError(f"tinytorch.load: there is no file {path!r}")
    with open(path, "rb") as file:
        head = file.read(4)
        if head not in (b"PK\x03\x04", b"PK\x05\x06"):
            what = "it is empty" if not head else f"it does not start like a zip archive (it starts with {head!r})"
            raise RuntimeError(f"tinytorch.load: {path!r} is not a tinytorch checkpoint (.npz): {what}")
        file.seek(0)
        try:
            with np.load(file, allow_pickle=False) as archive:
                entries = {name: archive[name] for name in archive.files}
        except (zipfile.BadZipFile, EOFError, OSError) as error:
            raise RuntimeError(f"tinytorch.load: {path!r} is truncated or corrupted and cannot be read "
                               f"({type(error).__name__}: {error})") from None
        except ValueError as error:
            raise RuntimeError(f"tinytorch.load: {path!r} holds an entry that is damaged or needs pickle, "
                               f"which tinytorch never unpickles ({error})") from None
    if MANIFEST not in entries:
        raise RuntimeError(f"tinytorch.load: {path!r} is an .npz archive but not a tinytorch checkpoint: it has no "
                           f"{MANIFEST!r} entry (its entries: {sorted(entries)[:10]})")
    try:
        manifest = json.loads(entries.pop(MANIFEST).item())
        if manifest.get("format") != "tinytorch" or manifest.get("version") != FORMAT_VERSION:
            raise ValueError(f"format {manifest.get('format')!r} version {manifest.get('version')!r}, "
                             f"expected 'tinytorch' version {FORMAT_VERSION}")
        return _unflatten(manifest["object"], entries)
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise RuntimeError(f"tinytorch.load: {path!r} has a damaged or unknown manifest "
                           f"({type(error).__name__}: {error})") from None


# ==== 5. The training loop ============================================================================
def accuracy(outputs, targets):
    """The share of rows whose largest output is at the target's index: mean(argmax(outputs) == targets)."""
    # BEGIN SOLUTION
    return float(np.mean(as_array(outputs).argmax(axis=-1) == as_array(targets)))
    # END SOLUTION


DEFAULT_METRICS = MappingProxyType({"accuracy": accuracy})
CHECKPOINT_KEYS = ("epoch", "model", "optimizer", "scheduler", "history", "rng")


class _Meter:
    """Means over an epoch of the loss and each metric, every batch weighted by its number of samples
    (the last batch may be smaller)."""

    def __init__(self, metrics):
        self.metrics, self.count = metrics, 0
        self.sums = dict.fromkeys(["loss", *metrics], 0.0)

    def add(self, loss, outputs, targets):
        n = len(targets)
        self.count += n
        self.sums["loss"] += loss.item() * n
        for name, metric in self.metrics.items():
            self.sums[name] += metric(outputs, targets) * n

    def means(self):
        if not self.count:
            raise ValueError("the loader yielded no batches (is the dataset empty, or smaller than batch_size "
                             "with drop_last=True?)")
        return {name: total / self.count for name, total in self.sums.items()}


class Trainer:
    """Fit `model` to minimise `loss_fn(model(*inputs), targets)` with `optimizer`, one epoch at a time.

    Each batch of a loader is (inputs..., targets). Each epoch is a training pass, a validation pass
    (when fit gets a val_loader) and a scheduler step; `history` gets one dict per epoch, `log` one line.
    With `checkpoint_path`, a checkpoint is written after every epoch and fit(..., resume=True) goes on
    from it. `early_stopping=k` stops once val_loss has not improved for k epochs.
    """

    def __init__(self, model, loss_fn, optimizer, scheduler=None, metrics=DEFAULT_METRICS,
                 checkpoint_path=None, early_stopping=None, log=print):
        if early_stopping is not None and (isinstance(early_stopping, bool) or not isinstance(early_stopping, int)
                                           or early_stopping < 1):
            raise ValueError(f"early_stopping must be None or a patience of at least 1 epoch, got {early_stopping!r}")
        self.model, self.loss_fn, self.optimizer, self.scheduler = model, loss_fn, optimizer, scheduler
        self.metrics = dict(metrics)
        self.checkpoint_path, self.early_stopping, self.log = checkpoint_path, early_stopping, log
        self.history = []
        self.train_loader = None

    def train_epoch(self, loader):
        """One pass over `loader` in training mode: per batch, zero the gradients, forward, loss, backward,
        optimizer step. Returns the epoch's mean loss and metrics."""
        self.model.train()
        meter = _Meter(self.metrics)
        # BEGIN SOLUTION
        for *inputs, targets in loader:
            self.optimizer.zero_grad()
            outputs = self.model(*inputs)
            loss = self.loss_fn(outputs, targets)
            loss.backward()
            self.optimizer.step()
            meter.add(loss, outputs, targets)
        # END SOLUTION
        return meter.means()

    def evaluate(self, loader):
        """{"loss": ..., <metric>: ...}: means over `loader` with the model in eval mode (dropout off) and
        no graph recorded. The model's mode is restored afterwards."""
        was_training = self.model.training
        meter = _Meter(self.metrics)
        try:
            # BEGIN SOLUTION
            self.model.eval()
            with no_grad():
                for *inputs, targets in loader:
                    outputs = self.model(*inputs)
                    meter.add(self.loss_fn(outputs, targets), outputs, targets)
            # END SOLUTION
        finally:
            self.model.train(was_training)
        return meter.means()

    def fit(self, train_loader, val_loader=None, epochs=10, resume=False):
        """Train until the history holds `epochs` epochs (a resumed run counts the epochs it restored),
        or early stopping ends the run. Returns the history."""
        if self.early_stopping is not None and val_loader is None:
            raise ValueError("early_stopping watches val_loss: pass a val_loader to fit()")
        if resume and self.checkpoint_path is None:
            raise ValueError("fit(resume=True) resumes from the Trainer's checkpoint_path, which is None")
        self.train_loader = train_loader
        if resume:
            self.load_checkpoint(self.checkpoint_path)
        else:
            self.history = []
        while len(self.history) < epochs and not (self.history and "stopped" in self.history[-1]):
            started = time.perf_counter()
            record = {"epoch": len(self.history) + 1}
            lr = self.optimizer.param_groups[0]["lr"]  # the lr this epoch trains with; the scheduler steps after it
            # BEGIN SOLUTION
            record.update({f"train_{k}": v for k, v in self.train_epoch(train_loader).items()})
            if val_loader is not None:
                record.update({f"val_{k}": v for k, v in self.evaluate(val_loader).items()})
            if self.scheduler is not None:
                self.scheduler.step()
            # END SOLUTION
            record.update(lr=lr, seconds=time.perf_counter() - started)
            self.history.append(record)
            reason = self._early_stopping_reason()
            if reason:
                record["stopped"] = reason
            if self.log is not None:
                self.log(self._progress(record, epochs) + (f"\n{reason}" if reason else ""))
            if self.checkpoint_path is not None:
                self.save_checkpoint(self.checkpoint_path)
        return self.history

    def _early_stopping_reason(self):
        """Why to stop now (val_loss has not improved on its best for `early_stopping` epochs), or None."""
        if self.early_stopping is None:
            return None
        losses = [record["val_loss"] for record in self.history]
        # BEGIN SOLUTION
        best = int(np.argmin(losses))  # the first epoch that reached the lowest loss
        waited = len(losses) - 1 - best
        if waited >= self.early_stopping:
            return (f"early stopping: val_loss has not improved for {waited} epochs "
                    f"(best {losses[best]:.4f} at epoch {best + 1})")
        # END SOLUTION
        return None

    def _progress(self, record, epochs):
        """One line, e.g. 'epoch  3/10  train loss 0.4123  acc 91.2%  val loss 0.4410  acc 90.1%  lr 0.1  210 ms'."""
        parts = [f"epoch {record['epoch']:>{len(str(epochs))}}/{epochs}"]
        for split in ("train", "val"):
            if f"{split}_loss" in record:
                parts.append(f"{split} loss {record[f'{split}_loss']:.4f}")
                for name in self.metrics:
                    value = record[f"{split}_{name}"]
                    parts.append(f"acc {value:.1%}" if name == "accuracy" else f"{name} {value:.4g}")
        parts += [f"lr {record['lr']:.4g}", f"{record['seconds'] * 1000:.0f} ms"]
        return "  ".join(parts)

    def save_checkpoint(self, path):
        """Write, atomically, all that a resumed run needs to continue exactly: the weights, the optimizer's
        and the scheduler's state, the epoch, the history, and the state of both random generators (the
        global one for dropout, the train loader's for shuffling)."""
        loader_rng = getattr(self.train_loader, "generator", None)
        # BEGIN SOLUTION
        checkpoint = {
            "epoch": len(self.history),
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": None if self.scheduler is None else self.scheduler.state_dict(),
            "history": self.history,
            "rng": {"tinytorch": get_rng_state(),
                    "loader": None if loader_rng is None else loader_rng.bit_generator.state},
        }
        # END SOLUTION
        save(checkpoint, path)

    def load_checkpoint(self, path):
        """Restore what save_checkpoint wrote (the loader's generator: the train loader of the last fit)."""
        state = load(path)
        missing = [key for key in CHECKPOINT_KEYS if key not in state] if isinstance(state, dict) else CHECKPOINT_KEYS
        if missing:
            raise RuntimeError(f"{os.fspath(path)!r} is not a Trainer checkpoint: it lacks {list(missing)}")
        if (state["scheduler"] is None) != (self.scheduler is None):
            has = "has no" if state["scheduler"] is None else "has a"
            raise RuntimeError(f"{os.fspath(path)!r} {has} scheduler state, but this Trainer "
                               f"{'has a' if self.scheduler is not None else 'has no'} scheduler")
        loader_rng = getattr(self.train_loader, "generator", None)
        # BEGIN SOLUTION
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        if self.scheduler is not None:
            self.scheduler.load_state_dict(state["scheduler"])
        self.history = state["history"]
        set_rng_state(state["rng"]["tinytorch"])
        if loader_rng is not None and state["rng"]["loader"] is not None:
            loader_rng.bit_generator.state = state["rng"]["loader"]
        # END SOLUTION
