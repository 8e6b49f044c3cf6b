"""The benchmarks compare like with like: the NumPy floor, tinytorch and PyTorch run the same math.

No timing is asserted here: only that each implementation computes the same losses, and that the
report and the process measurements are sound."""

import sys

import numpy as np
import pytest

import tinytorch
from benchmarks import run
from benchmarks.workloads import WORKLOADS, digits

TRAINING = [w for w in WORKLOADS if w.kind == "train"]


@pytest.fixture(scope="module")
def data():
    return digits()


@pytest.mark.parametrize("workload", TRAINING, ids=lambda w: w.name)
def test_the_floor_and_tinytorch_train_the_same_model_step_for_step(workload, data):
    floor, ours = workload.build("numpy", None, data), workload.build("tinytorch", tinytorch, data)
    floor_losses = [float(floor(i)) for i in range(6)]
    our_losses = [ours(i).item() for i in range(6)]
    np.testing.assert_allclose(our_losses, floor_losses, rtol=1e-4)
    assert our_losses[-1] < our_losses[0], "six steps on the same batches should lower the loss"


@pytest.mark.parametrize("workload", TRAINING, ids=lambda w: w.name)
def test_pytorch_trains_the_same_model_step_for_step(workload, data):
    torch = pytest.importorskip("torch")
    floor, theirs = workload.build("numpy", None, data), workload.build("torch", torch, data)
    np.testing.assert_allclose([theirs(i).item() for i in range(6)], [float(floor(i)) for i in range(6)], rtol=1e-4)


@pytest.mark.parametrize("workload", [w for w in WORKLOADS if w.kind == "op"], ids=lambda w: w.name)
def test_each_op_workload_runs_in_every_implementation(workload):
    floor, ours = workload.build("numpy"), workload.build("tinytorch", tinytorch)
    floor(0)
    ours(0)


def test_the_report_gives_ratios_to_the_floor_and_the_targets():
    work = {w.name: {"numpy": 10.0, "tinytorch": 15.0, "torch": 40.0} for w in WORKLOADS}
    processes = {
        "import": {"numpy": {"seconds": 0.1, "peak_mib": 30}, "tinytorch": {"seconds": 0.13, "peak_mib": 32}},
        "perceptron": {"numpy": {"seconds": 0.2, "peak_mib": 36}, "tinytorch": {"seconds": 0.3, "peak_mib": 45}},
    }
    table = run.report(WORKLOADS, work, processes)
    row = next(line for line in table.splitlines() if line.startswith("mlp b32"))
    assert "1.50x" in row and "1.3x" in row and "4.00x" in row
    assert "adds 30 ms" in table and "1.25x (target <= 1.3x)" in table


def test_a_process_is_measured_by_its_own_peak_memory_not_its_parents():
    ballast = np.ones(64 * 2**20 // 8)  # 64 MiB in this process: a child forked from it must not count it
    seconds, peak = run.run_process([sys.executable, "-c", "pass"])
    assert seconds > 0 and peak < 60, f"a bare interpreter reported {peak:.0f} MiB"
    del ballast


def test_a_failing_process_is_an_error_that_shows_its_output():
    with pytest.raises(RuntimeError) as caught:
        run.run_process([sys.executable, "-c", "import sys; sys.exit('broken on purpose')"])
    assert "exited with 1" in str(caught.value) and "broken on purpose" in str(caught.value)
