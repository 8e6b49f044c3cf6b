"""Memory, not time: a training step's graph is freed at once, and many steps leave memory flat."""

import gc
import tracemalloc
import weakref

import numpy as np

import tinytorch
from benchmarks.workloads import framework_training_step, initial_weights
from tinytorch import nn


def make_step(seed=0):
    """One Adam training step of an MLP 64-128-10 on batches of 32, as the benchmarks run it."""
    rng = np.random.default_rng(seed)
    x, y = rng.standard_normal((512, 64)).astype(np.float32), rng.integers(0, 10, 512)
    return framework_training_step(tinytorch, x, y, initial_weights((64, 128, 10), seed), 32, "adam", 1e-3)


def test_a_graph_is_freed_by_reference_counting_alone():
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    gc.disable()  # no cycle collector: only reference counting may free the graph
    try:
        loss = nn.CrossEntropyLoss()(model(tinytorch.randn(5, 4)), tinytorch.tensor([0, 1, 2, 0, 1]))
        logits = loss._node.inputs[0]
        hidden = logits._node.inputs[0]
        probes = [weakref.ref(t) for t in (loss, logits, hidden)]
        del loss, logits, hidden
        assert [p() for p in probes] == [None, None, None], "a graph tensor outlived its last reference: a cycle"
    finally:
        gc.enable()


def test_a_training_step_leaves_no_garbage_for_the_cycle_collector():
    step = make_step()
    step(0)
    gc.collect()
    gc.disable()
    try:
        for i in range(1, 5):
            step(i)
        assert gc.collect() == 0, "a training step created reference cycles"
    finally:
        gc.enable()


def test_backward_frees_the_saved_values_of_the_graph():
    model = nn.Linear(4, 3)
    loss = model(tinytorch.randn(2, 4)).relu().sum()
    inner = loss._node.inputs[0]
    loss.backward()
    assert loss._node.inputs == () and inner._node.inputs == (), "backward must release the graph it walked"


def test_a_thousand_training_steps_leave_memory_flat():
    step = make_step()
    for i in range(50):  # optimizer state and caches are allocated in the first steps
        step(i)
    gc.collect()
    tracemalloc.start()
    try:
        for i in range(50, 150):
            step(i)
        gc.collect()
        after_warmup, _ = tracemalloc.get_traced_memory()
        for i in range(150, 1150):
            step(i)
        gc.collect()
        after_thousand, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    growth = after_thousand - after_warmup
    assert growth < 64 * 1024, f"1,000 steps grew traced memory by {growth / 1024:.0f} KiB; a graph or a history leaks"


def test_no_graph_is_recorded_under_no_grad():
    model = nn.Linear(4, 3)
    with tinytorch.no_grad():
        out = model(tinytorch.randn(2, 4)).relu()
    assert out._node is None and not out.requires_grad
