"""One PyTorch training script, examples/mlp_digits.py, run on tinytorch and on PyTorch.

The tinytorch tests always run: the script learns the digits and runs from the command line. The
parity tests (skipped without torch) train both frameworks in float64 from the same initial weights
and require the same loss at every step.
"""

import importlib.util
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import tinytorch

SCRIPT = Path(__file__).resolve().parents[1] / "examples" / "mlp_digits.py"
EPOCHS = 3


def _load_script():
    spec = importlib.util.spec_from_file_location("mlp_digits", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


script = _load_script()
DATA = script.load_data()
STEPS_PER_EPOCH = math.ceil(len(DATA[0][1]) / 64)


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_tinytorch_learns_the_digits(optimizer):
    tinytorch.manual_seed(0)
    model = script.make_model(tinytorch)
    lines = []
    losses, accuracies = script.train(tinytorch, model, DATA, epochs=EPOCHS, optimizer=optimizer, log=lines.append)
    assert len(losses) == EPOCHS * STEPS_PER_EPOCH and len(accuracies) == len(lines) == EPOCHS
    assert all(np.isfinite(losses))
    epoch_means = np.mean(np.reshape(losses, (EPOCHS, -1)), axis=1)
    assert np.all(np.diff(epoch_means) < 0), f"the mean loss must fall every epoch: {epoch_means}"
    assert epoch_means[-1] < 0.5 * epoch_means[0]
    assert accuracies[-1] > 0.9
    assert lines[-1].startswith(f"epoch  {EPOCHS}/{EPOCHS}  train loss {epoch_means[-1]:.4f}")


def _run(framework):
    """Run the script as a program for 2 epochs; returns its (exit status, stdout lines, stderr)."""
    result = subprocess.run([sys.executable, str(SCRIPT), "--framework", framework, "--epochs", "2"],
                            capture_output=True, text=True, timeout=600, cwd=SCRIPT.parent)
    return result.returncode, result.stdout.splitlines(), result.stderr


def _assert_two_epochs_logged(framework):
    status, lines, stderr = _run(framework)
    assert status == 0, stderr
    assert [line.split()[:3] for line in lines] == [["epoch", "1/2", "train"], ["epoch", "2/2", "train"]]


def test_script_runs_from_the_command_line_on_tinytorch():
    _assert_two_epochs_logged("tinytorch")


@pytest.mark.parity
def test_script_runs_from_the_command_line_on_torch():
    pytest.importorskip("torch")
    _assert_two_epochs_logged("torch")


@pytest.mark.parity
@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_same_losses_step_by_step_as_torch(optimizer):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    theirs = script.make_model(torch, dtype=torch.float64)
    ours = script.make_model(tinytorch, dtype=tinytorch.float64)
    ours.load_state_dict({name: value.numpy() for name, value in theirs.state_dict().items()})

    their_losses, their_accuracies = script.train(torch, theirs, DATA, epochs=EPOCHS, optimizer=optimizer,
                                                  dtype=torch.float64, log=None)
    our_losses, our_accuracies = script.train(tinytorch, ours, DATA, epochs=EPOCHS, optimizer=optimizer,
                                              dtype=tinytorch.float64, log=None)

    assert len(our_losses) == len(their_losses) == EPOCHS * STEPS_PER_EPOCH
    # float64 and the same math: only summation order differs (BLAS). Observed: at most 3e-15 relative
    # over 10 epochs; 1e-11 leaves room for other BLAS builds, yet catches e.g. a misplaced Adam eps.
    np.testing.assert_allclose(our_losses, their_losses, rtol=1e-11, atol=0)
    assert our_accuracies == their_accuracies
    for (name, ours_p), (_, theirs_p) in zip(ours.named_parameters(), theirs.named_parameters(), strict=True):
        np.testing.assert_allclose(ours_p.detach().numpy(), theirs_p.detach().numpy(), rtol=1e-10, atol=1e-13,
                                   err_msg=name)
