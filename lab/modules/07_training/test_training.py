"""Module 07 - Training: datasets, batching, gradient clipping, checkpoints and the Trainer."""
import os

import numpy as np
import pytest

import tinytorch
from tinytorch import nn, optim
from tinytorch.nn import functional as F
from tinytorch.nn.utils import clip_grad_norm_
from tinytorch.training import Trainer, accuracy
from tinytorch.utils.data import DataLoader, Dataset, TensorDataset, random_split


@pytest.fixture(autouse=True)
def seeded():
    tinytorch.manual_seed(0)


def column_dataset(n=10):
    """Row i is (i as a float vector [i, -i], i as a label): every batch says which rows it holds."""
    x = np.stack([np.arange(n), -np.arange(n)], axis=1).astype(np.float32)
    return TensorDataset(tinytorch.tensor(x), tinytorch.arange(n))


def rows(batch):
    return batch[1].tolist()


class ItemByItem(Dataset):
    """The same samples as a TensorDataset, but only reachable one at a time."""

    def __init__(self, dataset):
        self.dataset = dataset

    def __getitem__(self, index):
        return self.dataset[index]

    def __len__(self):
        return len(self.dataset)


# ---- datasets ----------------------------------------------------------------------------------------
def test_tensor_dataset_gives_one_row_of_each_tensor():
    ds = column_dataset(5)
    x, y = ds[3]
    assert len(ds) == 5
    assert x.tolist() == [3.0, -3.0] and y.item() == 3


def test_tensor_dataset_rejects_tensors_of_different_lengths():
    with pytest.raises(ValueError, match=r"\(3, 2\).*\(4,\)"):
        TensorDataset(tinytorch.zeros(3, 2), tinytorch.zeros(4))


def test_random_split_partitions_the_dataset():
    ds = column_dataset(10)
    parts = random_split(ds, [6, 4], seed=3)
    assert [len(p) for p in parts] == [6, 4]
    seen = [p[i][1].item() for p in parts for i in range(len(p))]
    assert sorted(seen) == list(range(10))
    assert seen != list(range(10))  # shuffled


def test_random_split_is_reproducible_from_a_seed_or_the_global_generator():
    ds = column_dataset(20)

    def order(parts):
        return [p[i][1].item() for p in parts for i in range(len(p))]

    assert order(random_split(ds, [10, 10], seed=1)) == order(random_split(ds, [10, 10], seed=1))
    assert order(random_split(ds, [10, 10], seed=1)) != order(random_split(ds, [10, 10], seed=2))
    tinytorch.manual_seed(7)
    first = order(random_split(ds, [10, 10]))
    tinytorch.manual_seed(7)
    assert order(random_split(ds, [10, 10])) == first
    gen = np.random.default_rng(4)
    assert order(random_split(ds, [10, 10], generator=gen)) == order(random_split(ds, [10, 10], seed=4))


def test_random_split_fractions_spread_the_remainder_over_the_first_splits():
    assert [len(p) for p in random_split(column_dataset(10), [0.33, 0.33, 0.34], seed=0)] == [4, 3, 3]
    assert [len(p) for p in random_split(column_dataset(7), [0.5, 0.5], seed=0)] == [4, 3]


@pytest.mark.parametrize("lengths", [[6, 5], [11, -1], [0.5, 0.6], [5.0, 5.0]])
def test_random_split_rejects_lengths_that_do_not_add_up(lengths):
    with pytest.raises(ValueError, match="lengths|fraction"):
        random_split(column_dataset(10), lengths)


# ---- DataLoader --------------------------------------------------------------------------------------
def test_loader_yields_lists_of_tensors_in_order():
    loader = DataLoader(column_dataset(10), batch_size=4)
    batches = list(loader)
    assert len(loader) == 3 == len(batches)
    assert [rows(b) for b in batches] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    x, y = batches[0]
    assert isinstance(batches[0], list) and isinstance(x, tinytorch.Tensor)
    assert x.shape == (4, 2) and x.dtype == tinytorch.float32 and y.dtype == tinytorch.int64
    assert x[:, 1].tolist() == [0.0, -1.0, -2.0, -3.0]


@pytest.mark.parametrize("n, batch_size, drop_last", [(10, 4, True), (10, 5, False), (10, 5, True), (3, 4, True),
                                                      (1, 1, False), (7, 3, False)])
def test_loader_length_matches_its_batches(n, batch_size, drop_last):
    loader = DataLoader(column_dataset(n), batch_size=batch_size, drop_last=drop_last)
    batches = list(loader)
    assert len(loader) == len(batches)
    expected = [list(range(i, min(i + batch_size, n))) for i in range(0, n, batch_size)]
    if drop_last:
        expected = [b for b in expected if len(b) == batch_size]
    assert [rows(b) for b in batches] == expected


def test_shuffling_visits_every_sample_once_in_a_new_order_each_epoch():
    loader = DataLoader(column_dataset(30), batch_size=7, shuffle=True, seed=0)
    epochs = [sum((rows(b) for b in loader), []) for _ in range(3)]
    for order in epochs:
        assert sorted(order) == list(range(30))
    assert epochs[0] != list(range(30)) and epochs[0] != epochs[1] != epochs[2]
    again = DataLoader(column_dataset(30), batch_size=7, shuffle=True, seed=0)
    assert [sum((rows(b) for b in again), []) for _ in range(3)] == epochs


def test_shuffle_order_follows_the_loader_generator_state():
    loader = DataLoader(column_dataset(12), batch_size=5, shuffle=True)
    assert isinstance(loader.generator, np.random.Generator)
    state = loader.generator.bit_generator.state
    first = [rows(b) for b in loader]
    loader.generator.bit_generator.state = state
    assert [rows(b) for b in loader] == first


def test_loader_without_seed_draws_its_seed_from_the_global_generator():
    def first_order():
        return [rows(b) for b in DataLoader(column_dataset(40), batch_size=40, shuffle=True)]

    tinytorch.manual_seed(11)
    a = first_order()
    tinytorch.manual_seed(11)
    assert first_order() == a
    tinytorch.manual_seed(12)
    assert first_order() != a


def test_tensor_dataset_is_batched_by_indexing_its_tensors_not_item_by_item(monkeypatch):
    def one_by_one(self, index):
        raise AssertionError("a TensorDataset batch must be gathered with one index per tensor")

    ds = column_dataset(9)
    monkeypatch.setattr(TensorDataset, "__getitem__", one_by_one)
    batches = list(DataLoader(ds, batch_size=4, shuffle=True, seed=2))
    assert sorted(sum((rows(b) for b in batches), [])) == list(range(9))
    subset = random_split(ds, [5, 4], seed=0)[1]
    assert [rows(b) for b in DataLoader(subset, batch_size=3)] == [[subset.indices[i] for i in range(3)],
                                                                   [subset.indices[3]]]


def test_a_dataset_that_changes_its_items_is_batched_through_them():
    class Doubled(TensorDataset):
        def __getitem__(self, index):
            x, y = super().__getitem__(index)
            return x * 2, y

    ds = column_dataset(6)
    x, y = next(iter(DataLoader(Doubled(*ds.tensors), batch_size=6)))
    assert np.array_equal(x.data, 2 * ds.tensors[0].data) and y.tolist() == list(range(6))
    part = random_split(Doubled(*ds.tensors), [3, 3], seed=0)[0]
    x, y = next(iter(DataLoader(part, batch_size=3)))
    assert y.tolist() == list(part.indices) and np.array_equal(x.data, 2 * ds.tensors[0].data[part.indices])


def test_batches_are_copies_of_the_dataset():
    ds = column_dataset(4)
    x, _ = next(iter(DataLoader(ds, batch_size=4)))
    x.data[...] = 99
    assert ds.tensors[0][:, 0].tolist() == [0.0, 1.0, 2.0, 3.0]


@pytest.mark.parametrize("shuffle", [False, True])
def test_any_dataset_gives_the_same_batches_as_the_fast_path(shuffle):
    ds = column_dataset(11)
    subset = random_split(ds, [8, 3], seed=5)[0]
    for data in (ds, subset):
        fast = list(DataLoader(data, batch_size=3, shuffle=shuffle, seed=9))
        slow = list(DataLoader(ItemByItem(data), batch_size=3, shuffle=shuffle, seed=9))
        assert len(fast) == len(slow)
        for a, b in zip(fast, slow, strict=True):
            assert isinstance(b, list) and len(b) == 2
            for u, v in zip(a, b, strict=True):
                assert u.dtype == v.dtype and np.array_equal(u.data, v.data)


def test_items_are_collated_like_pytorch():
    class Records(Dataset):
        def __getitem__(self, i):
            return {"x": np.full(3, i, dtype=np.float32), "w": 0.5 * i, "n": i, "name": f"r{i}",
                    "pair": (tinytorch.tensor([i, i]), i % 2 == 0)}

        def __len__(self):
            return 5

    batch = next(iter(DataLoader(Records(), batch_size=3)))
    assert batch["x"].shape == (3, 3) and batch["x"].dtype == tinytorch.float32
    assert batch["x"][:, 0].tolist() == [0.0, 1.0, 2.0]
    assert batch["w"].dtype == tinytorch.float64 and batch["w"].tolist() == [0.0, 0.5, 1.0]
    assert batch["n"].dtype == tinytorch.int64 and batch["n"].tolist() == [0, 1, 2]
    assert batch["name"] == ["r0", "r1", "r2"]
    pair = batch["pair"]
    assert isinstance(pair, list) and pair[0].tolist() == [[0, 0], [1, 1], [2, 2]]
    assert pair[1].dtype == tinytorch.bool and pair[1].tolist() == [True, False, True]


def test_collating_samples_of_different_shapes_is_an_error():
    class Ragged(Dataset):
        def __getitem__(self, i):
            return tinytorch.zeros(i + 1)

        def __len__(self):
            return 3

    with pytest.raises(RuntimeError, match="equal size"):
        next(iter(DataLoader(Ragged(), batch_size=3)))


@pytest.mark.parametrize("batch_size", [0, -2, 2.5, None, True])
def test_loader_rejects_a_bad_batch_size(batch_size):
    with pytest.raises(ValueError, match="batch_size should be a positive integer"):
        DataLoader(column_dataset(), batch_size=batch_size)


def test_loader_rejects_a_seed_and_a_generator_together_and_foreign_generators():
    with pytest.raises(ValueError, match="not both"):
        DataLoader(column_dataset(), shuffle=True, seed=0, generator=np.random.default_rng(0))
    with pytest.raises(TypeError, match="numpy.random.Generator"):
        DataLoader(column_dataset(), shuffle=True, generator=42)


# ---- gradient clipping -------------------------------------------------------------------------------
def params_with_grads(*grads):
    params = [nn.Parameter(tinytorch.zeros(*np.shape(g))) for g in grads]
    for p, g in zip(params, grads, strict=True):
        p.grad = tinytorch.tensor(np.asarray(g, dtype=np.float32))
    return params


def test_clip_grad_norm_scales_all_gradients_by_one_factor():
    grads = [np.array([[3.0, -1.0], [2.0, 0.5]]), np.array([4.0, -6.0, 1.0])]
    params = params_with_grads(*grads)
    total = clip_grad_norm_(params, max_norm=2.0)
    expected = np.sqrt(sum((g**2).sum() for g in grads))
    assert isinstance(total, tinytorch.Tensor)
    assert total.item() == pytest.approx(expected, rel=1e-6)
    for p, g in zip(params, grads, strict=True):
        np.testing.assert_allclose(p.grad.data, g * 2.0 / (expected + 1e-6), rtol=1e-6)
        assert p.grad.dtype == tinytorch.float32
    assert np.sqrt(sum((p.grad.data**2).sum() for p in params)) == pytest.approx(2.0, rel=1e-5)


def test_clip_grad_norm_leaves_small_gradients_alone():
    params = params_with_grads([0.3, -0.4])
    total = clip_grad_norm_(params[0], max_norm=1.0)
    assert total.item() == pytest.approx(0.5)
    assert params[0].grad.tolist() == pytest.approx([0.3, -0.4])


@pytest.mark.parametrize("norm_type", [float("inf"), "inf"])
def test_clip_grad_norm_infinity_norm_is_the_largest_entry(norm_type):
    params = params_with_grads([3.0, -4.0, 0.0], [[1.0, 2.0]])
    total = clip_grad_norm_(params, max_norm=1.0, norm_type=norm_type)
    assert total.item() == pytest.approx(4.0)
    assert params[0].grad.tolist() == pytest.approx([0.75, -1.0, 0.0], rel=1e-5)
    assert params[1].grad.tolist()[0] == pytest.approx([0.25, 0.5], rel=1e-5)


def test_clip_grad_norm_one_norm_and_parameters_without_gradients():
    params = params_with_grads([1.0, -2.0], [3.0]) + [nn.Parameter(tinytorch.ones(2))]
    total = clip_grad_norm_(iter(params), max_norm=3.0, norm_type=1)
    assert total.item() == pytest.approx(6.0)
    assert params[0].grad.tolist() == pytest.approx([0.5, -1.0], rel=1e-5)
    assert params[2].grad is None
    assert clip_grad_norm_([nn.Parameter(tinytorch.ones(2))], 1.0).item() == 0.0


def test_clip_grad_norm_never_scales_a_shared_gradient_array_in_place():
    a, b = params_with_grads([3.0, 4.0], [0.0, 0.0])
    shared = a.grad.data
    b.grad = tinytorch.from_numpy(shared)  # two parameters, one gradient array
    clip_grad_norm_([a, b], max_norm=1.0)
    assert shared.tolist() == [3.0, 4.0]
    scale = 1.0 / (np.sqrt(50.0) + 1e-6)
    assert a.grad.tolist() == pytest.approx([3 * scale, 4 * scale], rel=1e-6)
    assert b.grad.tolist() == pytest.approx([3 * scale, 4 * scale], rel=1e-6)


# ---- save and load -----------------------------------------------------------------------------------
def test_save_and_load_round_trip_a_nested_state(tmp_path):
    rng_state = np.random.default_rng(2**70).bit_generator.state
    state = {
        "weights": {"0.weight": tinytorch.randn(3, 2), "0.bias": tinytorch.tensor([1, 2, 3])},
        "mask": np.array([[True, False]]),
        "steps": {0: {"step": 3, "lr": 0.1, "betas": (0.9, 0.999)}, 7: [None, True, "sgd", -2.5e-300]},
        "np_scalar": np.float64(0.1),
        "big": 2**100,
        "rng": rng_state,
        "empty": {"list": [], "tuple": ()},
    }
    path = tmp_path / "state.pt"
    tinytorch.save(state, path)
    back = tinytorch.load(str(path))
    assert list(back) == list(state)
    for name, t in state["weights"].items():
        assert isinstance(back["weights"][name], tinytorch.Tensor)
        assert back["weights"][name].dtype == t.dtype and np.array_equal(back["weights"][name].data, t.data)
    assert type(back["mask"]) is np.ndarray and back["mask"].dtype == bool
    assert back["mask"].tolist() == [[True, False]]
    assert back["steps"] == state["steps"] and type(back["steps"][0]["betas"]) is tuple
    assert list(back["steps"]) == [0, 7]
    assert type(back["np_scalar"]) is np.float64 and back["np_scalar"] == state["np_scalar"]
    assert back["big"] == 2**100 and back["rng"] == rng_state
    assert back["empty"] == {"list": [], "tuple": ()}
    restored = np.random.default_rng()
    restored.bit_generator.state = back["rng"]
    assert np.array_equal(restored.random(5), np.random.default_rng(2**70).random(5))


def test_a_model_and_an_optimizer_come_back_exactly(tmp_path):
    def make():
        model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
        return model, optim.Adam(model.parameters(), lr=0.05)

    x, y = tinytorch.randn(6, 3), tinytorch.randn(6, 2)

    def step(model, opt):
        opt.zero_grad()
        F.mse_loss(model(x), y).backward()
        opt.step()

    model, opt = make()
    step(model, opt)
    tinytorch.save({"model": model.state_dict(), "optimizer": opt.state_dict()}, tmp_path / "ckpt.npz")
    twin, twin_opt = make()
    saved = tinytorch.load(tmp_path / "ckpt.npz")
    twin.load_state_dict(saved["model"])
    twin_opt.load_state_dict(saved["optimizer"])
    step(model, opt)
    step(twin, twin_opt)
    for p, q in zip(model.parameters(), twin.parameters(), strict=True):
        assert np.array_equal(p.data, q.data)


def test_save_replaces_the_file_atomically_and_leaves_no_temporary_files(tmp_path):
    path = tmp_path / "ckpt.npz"
    tinytorch.save({"a": 1}, path)
    tinytorch.save({"a": 2}, path)
    assert tinytorch.load(path) == {"a": 2}
    assert os.listdir(tmp_path) == ["ckpt.npz"]


def test_save_names_the_key_path_of_an_object_it_cannot_store(tmp_path):
    path = tmp_path / "ckpt.npz"
    tinytorch.save({"a": 1}, path)
    with pytest.raises(TypeError, match=r"set at obj\['model'\]\[0\]\['w'\]"):
        tinytorch.save({"model": [{"w": {1, 2}}]}, path)
    with pytest.raises(TypeError, match="key 1.5"):
        tinytorch.save({"x": {1.5: 0}}, path)
    with pytest.raises(TypeError, match="dtype object"):
        tinytorch.save({"x": np.array([1, "a"], dtype=object)}, path)
    assert tinytorch.load(path) == {"a": 1}
    assert os.listdir(tmp_path) == ["ckpt.npz"]


def test_loading_a_missing_file_says_so(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing.npz"):
        tinytorch.load(tmp_path / "nothing.npz")


def test_loading_a_truncated_checkpoint_says_so(tmp_path):
    path = tmp_path / "ckpt.npz"
    tinytorch.save({"w": tinytorch.randn(50, 50)}, path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(RuntimeError, match=r"ckpt\.npz.*truncated"):
        tinytorch.load(path)


@pytest.mark.parametrize("content", [b"", b"hello, not a checkpoint", b"\x93NUMPY\x01\x00"])
def test_loading_a_file_of_another_format_says_so(tmp_path, content):
    path = tmp_path / "other.npz"
    path.write_bytes(content)
    with pytest.raises(RuntimeError, match=r"other\.npz.*not a tinytorch checkpoint"):
        tinytorch.load(path)


def test_loading_an_npz_without_the_manifest_says_so(tmp_path):
    path = tmp_path / "plain.npz"
    np.savez(path, a=np.zeros(3))
    with pytest.raises(RuntimeError, match=r"plain\.npz.*not a tinytorch checkpoint.*'a'"):
        tinytorch.load(path)


# ---- the Trainer -------------------------------------------------------------------------------------
def test_accuracy_is_the_share_of_rows_whose_argmax_is_the_target():
    outputs = tinytorch.tensor([[0.1, 0.9], [2.0, -1.0], [0.3, 0.2], [0.0, 5.0]])
    assert accuracy(outputs, tinytorch.tensor([1, 0, 1, 0])) == 0.5
    assert accuracy(outputs, tinytorch.tensor([1, 0, 0, 1])) == 1.0
    assert isinstance(accuracy(outputs, tinytorch.tensor([0, 0, 0, 0])), float)


def blobs(n=60, seed=0):
    """Three classes of points in 4-d, around different centres."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, n)
    points = rng.normal(size=(n, 4)) + 2.0 * np.eye(3, 4)[labels]
    return TensorDataset(tinytorch.tensor(points.astype(np.float32)), tinytorch.tensor(labels))


def classifier(dropout=0.0):
    return nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Dropout(dropout), nn.Linear(16, 3))


def test_train_epoch_is_the_plain_training_loop():
    data = blobs()
    model = classifier()
    twin = classifier()
    twin.load_state_dict(model.state_dict())
    trainer = Trainer(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1, momentum=0.9), log=None)
    means = trainer.train_epoch(DataLoader(data, batch_size=16, shuffle=True, seed=3))

    opt = optim.SGD(twin.parameters(), lr=0.1, momentum=0.9)
    losses, hits, count = 0.0, 0.0, 0
    for x, y in DataLoader(data, batch_size=16, shuffle=True, seed=3):
        opt.zero_grad()
        out = twin(x)
        loss = F.cross_entropy(out, y)
        loss.backward()
        opt.step()
        losses += loss.item() * len(y)
        hits += (out.argmax(dim=1) == y).sum().item()
        count += len(y)
    for p, q in zip(model.parameters(), twin.parameters(), strict=True):
        assert np.array_equal(p.data, q.data)
    assert means["loss"] == pytest.approx(losses / count, rel=1e-6)
    assert means["accuracy"] == pytest.approx(hits / count)
    assert model.training


def test_evaluate_uses_eval_mode_and_records_no_graph():
    data = blobs(50)
    model = classifier(dropout=0.5)
    seen = []

    def grad_watch(outputs, targets):
        seen.append(outputs.requires_grad)
        return 0.0

    trainer = Trainer(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1),
                      metrics={"accuracy": accuracy, "graph": grad_watch}, log=None)
    loader = DataLoader(data, batch_size=16)
    first, second = trainer.evaluate(loader), trainer.evaluate(loader)
    assert first == second
    assert seen and not any(seen)
    model.eval()
    x, y = data.tensors
    out = model(x)
    assert first["loss"] == pytest.approx(F.cross_entropy(out, y).item(), rel=1e-5)
    assert first["accuracy"] == pytest.approx(accuracy(out, y))
    model.train()
    trainer.evaluate(loader)
    assert model.training  # evaluate puts the mode back
    assert all(p.grad is None for p in model.parameters())


def test_fit_keeps_a_history_and_logs_one_line_per_epoch():
    train, val = random_split(blobs(80), [0.75, 0.25], seed=0)
    model = classifier()
    opt = optim.SGD(model.parameters(), lr=0.2)
    lines = []
    trainer = Trainer(model, nn.CrossEntropyLoss(), opt, optim.lr_scheduler.StepLR(opt, 1, gamma=0.5), log=lines.append)
    val_loader = DataLoader(val, batch_size=8)
    history = trainer.fit(DataLoader(train, batch_size=8, shuffle=True), val_loader, epochs=3)
    assert history is trainer.history and [h["epoch"] for h in history] == [1, 2, 3]
    for h in history:
        assert set(h) == {"epoch", "train_loss", "train_accuracy", "val_loss", "val_accuracy", "lr", "seconds"}
        assert h["seconds"] >= 0
    assert [h["lr"] for h in history] == pytest.approx([0.2, 0.1, 0.05])
    assert history[-1]["train_loss"] < history[0]["train_loss"]
    final = trainer.evaluate(val_loader)
    assert (history[-1]["val_loss"], history[-1]["val_accuracy"]) == (final["loss"], final["accuracy"])
    assert len(lines) == 3
    for line, h in zip(lines, history, strict=True):
        assert line.startswith(f"epoch {h['epoch']}/3  train loss {h['train_loss']:.4f}  acc ")
        assert f"val loss {h['val_loss']:.4f}" in line and f"lr {h['lr']:.4g}" in line


def test_fit_without_validation_and_without_a_log(capsys):
    model = classifier()
    trainer = Trainer(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), metrics={}, log=None)
    history = trainer.fit(DataLoader(blobs(), batch_size=20), epochs=2)
    assert [set(h) for h in history] == [{"epoch", "train_loss", "lr", "seconds"}] * 2
    assert capsys.readouterr().out == ""
    assert trainer.fit(DataLoader(blobs(), batch_size=20), epochs=1) == trainer.history
    assert len(trainer.history) == 1  # a new fit starts a new history


def experiment(seed, checkpoint_path=None):
    """A run with everything that must be restored: dropout, shuffling, Adam's moments, a schedule."""
    tinytorch.manual_seed(seed)
    train, val = random_split(blobs(72), [48, 24], seed=1)
    model = classifier(dropout=0.3)
    opt = optim.Adam(model.parameters(), lr=0.02)
    scheduler = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=4)
    trainer = Trainer(model, nn.CrossEntropyLoss(), opt, scheduler, checkpoint_path=checkpoint_path, log=None)
    return trainer, DataLoader(train, batch_size=10, shuffle=True), DataLoader(val, batch_size=10)


def losses(history):
    return [(h["epoch"], h["train_loss"], h["train_accuracy"], h["val_loss"], h["lr"]) for h in history]


def test_a_resumed_run_ends_exactly_like_an_uninterrupted_one(tmp_path):
    whole, train, val = experiment(0)
    whole.fit(train, val, epochs=4)
    rng_after = tinytorch.get_rng_state()

    path = tmp_path / "run.ckpt"
    first, train, val = experiment(0, path)
    first.fit(train, val, epochs=2)
    assert tinytorch.load(path)["epoch"] == 2

    resumed, train, val = experiment(123, path)  # everything new, even the seed
    resumed.fit(train, val, epochs=4, resume=True)
    assert losses(resumed.history) == losses(whole.history)
    for p, q in zip(whole.model.parameters(), resumed.model.parameters(), strict=True):
        assert np.array_equal(p.data, q.data)
    assert tinytorch.get_rng_state() == rng_after
    assert tinytorch.load(path)["epoch"] == 4


def test_load_checkpoint_restores_the_weights_optimizer_schedule_and_history(tmp_path):
    path = tmp_path / "run.ckpt"
    trainer, train, val = experiment(0, path)
    trainer.fit(train, val, epochs=2)
    other, _, _ = experiment(5)
    other.load_checkpoint(path)
    for p, q in zip(trainer.model.parameters(), other.model.parameters(), strict=True):
        assert np.array_equal(p.data, q.data)
    assert other.optimizer.param_groups[0]["lr"] == trainer.optimizer.param_groups[0]["lr"]
    assert other.scheduler.last_epoch == 2 and losses(other.history) == losses(trainer.history)


def test_resuming_needs_a_checkpoint_path_and_a_trainer_checkpoint(tmp_path):
    trainer, train, val = experiment(0)
    with pytest.raises(ValueError, match="checkpoint_path"):
        trainer.fit(train, val, epochs=2, resume=True)
    tinytorch.save({"model": {}}, tmp_path / "other.npz")
    with pytest.raises(RuntimeError, match="not a Trainer checkpoint"):
        trainer.load_checkpoint(tmp_path / "other.npz")


def scripted_trainer(val_losses, patience, checkpoint_path=None):
    """A Trainer whose validation losses are `val_losses`, one per epoch."""
    scripted = iter(val_losses)

    def loss_fn(outputs, targets):
        loss = F.cross_entropy(outputs, targets)
        return loss if tinytorch.is_grad_enabled() else loss * 0 + next(scripted)

    model = classifier()
    return Trainer(model, loss_fn, optim.SGD(model.parameters(), lr=0.01), early_stopping=patience,
                   checkpoint_path=checkpoint_path, log=None)


def test_early_stopping_stops_after_patience_epochs_without_improvement():
    loaders = DataLoader(blobs(), batch_size=30), DataLoader(blobs(20, seed=1), batch_size=20)
    trainer = scripted_trainer([1.0, 0.5, 0.6, 0.5, 0.4, 0.3, 0.2], patience=2)
    history = trainer.fit(*loaders, epochs=7)
    assert [h["val_loss"] for h in history] == pytest.approx([1.0, 0.5, 0.6, 0.5])
    assert "stopped" not in history[2]
    assert "2 epochs" in history[-1]["stopped"] and "epoch 2" in history[-1]["stopped"]

    patient = scripted_trainer([1.0, 0.5, 0.6, 0.5, 0.4, 0.3, 0.2], patience=3)
    assert len(patient.fit(*loaders, epochs=7)) == 7
    assert all("stopped" not in h for h in patient.history)


def test_early_stopping_resumes_into_the_same_decision(tmp_path):
    loaders = DataLoader(blobs(), batch_size=30), DataLoader(blobs(20, seed=1), batch_size=20)
    path = tmp_path / "run.ckpt"
    scripted_trainer([0.9, 1.0], patience=2, checkpoint_path=path).fit(*loaders, epochs=2)
    resumed = scripted_trainer([1.1, 0.1, 0.1], patience=2, checkpoint_path=path)
    assert len(resumed.fit(*loaders, epochs=6, resume=True)) == 3
    assert "stopped" in resumed.history[-1]
    again = scripted_trainer([], patience=2, checkpoint_path=path)
    assert len(again.fit(*loaders, epochs=6, resume=True)) == 3  # a stopped run stays stopped


def test_early_stopping_needs_validation_and_a_patience():
    trainer = scripted_trainer([], patience=1)
    with pytest.raises(ValueError, match="val_loader"):
        trainer.fit(DataLoader(blobs(), batch_size=30), epochs=2)
    model = classifier()
    with pytest.raises(ValueError, match="early_stopping"):
        Trainer(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), early_stopping=0)
