"""Milestone 01, the perceptron on digits: it passes on the reference, fails honestly on a broken
module, gives the same numbers for the same seed, and its pieces do what its docstrings say."""
import importlib.util
import json
import subprocess

import numpy as np
import pytest

from lab.curriculum import load
from lab.milestones import command
from lab.overlay import child_env
from lab.scaffold import scaffold_text

CUR = load()
MILESTONE = CUR.milestone("perceptron")
SCRIPT = CUR.script(MILESTONE)
BAR = 0.92  # the bar on test accuracy

IDLE_STEP = """

def _idle(self):
    pass  # sabotage: the parameters never move


SGD.step = Adam.step = _idle
"""


def run(*args, lab_folder=None, cwd=None):
    """The milestone as `invoke milestone` starts it; lab mode on `lab_folder` (off if None)."""
    return subprocess.run(command(CUR, MILESTONE, args), cwd=cwd or CUR.root, timeout=300,
                          env=child_env(CUR, lab_folder), capture_output=True, text=True)


def results(done):
    """The --json object, after checking that it is the only thing on stdout."""
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1, done.stdout
    return json.loads(lines[0])


def learner_optimizers(tmp_path, extra=""):
    """A lab folder holding a learner's optimizers.py: the reference's text, plus `extra`."""
    folder = tmp_path / "lab_tinytorch"
    folder.mkdir()
    reference = CUR.reference_file(CUR.module("optimizers")).read_text()
    (folder / "optimizers.py").write_text(reference + extra)
    return folder


@pytest.fixture(scope="module")
def script():
    """The script as a module, for its helpers (importing it trains nothing)."""
    spec = importlib.util.spec_from_file_location("perceptron_digits", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ---- whole runs ----------------------------------------------------------------------------------
def test_passes_on_the_reference_with_pictures_and_a_summary(tmp_path):
    figure = tmp_path / "figure.png"
    done = run("--epochs", "8", "--out", str(figure), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert f"Reference: {', '.join(module.name for module in CUR.modules)}." in out
    assert sum(line.startswith("epoch ") for line in out.splitlines()) == 8
    assert "SGD on cross-entropy" in out and "Rosenblatt's rule" in out and "PASS" in out
    headers = [line.split() for line in out.splitlines()
               if line.split() and all(len(word) == 1 and word.isdigit() for word in line.split())]
    assert sum(headers, []) == list("0123456789")  # the text templates' headers, in one or two rows
    assert f"picture: {figure.name}" in out
    assert figure.read_bytes().startswith(b"\x89PNG")


def test_same_seed_same_numbers_and_your_module_is_named(tmp_path):
    honest = learner_optimizers(tmp_path)
    first, second = (run("--json", "--seed", "3", lab_folder=honest) for _ in range(2))
    assert first.returncode == second.returncode == 0, first.stderr
    a, b = results(first), results(second)
    assert a.pop("seconds") > 0 and b.pop("seconds") > 0
    assert a == b
    assert a["seed"] == 3 and a["passed"] is True and a["test_accuracy"] >= BAR
    assert a["whose"]["optimizers"] == "yours" and a["whose"]["tensor"] == "reference"
    assert set(a["whose"]) == {module.name for module in CUR.modules}
    assert sum(a["split"].values()) == 1797


def test_the_seed_changes_the_run_but_not_the_split():
    zero, one = (results(run("--json", "--seed", seed)) for seed in ("0", "1"))
    assert zero["split"] == one["split"]
    assert zero["train_loss"] != one["train_loss"]


def test_fails_honestly_when_the_optimizer_does_nothing(tmp_path):
    sabotaged = learner_optimizers(tmp_path, extra=IDLE_STEP)
    done = run("--json", lab_folder=sabotaged)
    assert done.returncode == 1
    found = results(done)
    accuracy = found["test_accuracy"]
    assert found["passed"] is False and accuracy < BAR
    assert found["whose"]["optimizers"] == "yours"
    assert f"FAILED: test accuracy {accuracy:.1%} is below the bar of 92%" in done.stderr
    assert f"short by {(BAR - accuracy) * 100:.1f} points" in done.stderr
    assert "Your code: optimizers." in done.stderr and "invoke status" in done.stderr


def test_a_module_just_scaffolded_is_named(tmp_path):
    optimizers = CUR.module("optimizers")
    (tmp_path / optimizers.file).write_text(scaffold_text(CUR, optimizers)[0])
    done = run("--json", lab_folder=tmp_path)
    assert done.returncode == 1 and done.stdout == ""
    assert "error: the milestone needs code that is not written yet: 06 optimizers" in done.stderr


@pytest.mark.parametrize(("option", "value", "message"), [
    ("--epochs", "0", "must be positive"),
    ("--lr", "-1", "must be positive"),
    ("--seed", "one", "invalid int value"),
])
def test_bad_options_say_what_is_wrong(script, capsys, option, value, message):
    with pytest.raises(SystemExit) as stop:
        script.options([option, value])
    assert stop.value.code == 2
    error = capsys.readouterr().err
    assert option in error and message in error


# ---- the pieces ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def data():
    """digits_data.py, the milestone's NumPy-only data module beside the script."""
    spec = importlib.util.spec_from_file_location("digits_data", SCRIPT.parent / "digits_data.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_split_is_stratified_disjoint_and_complete(data):
    labels = np.repeat(np.arange(10), [178, 182, 177, 183, 181, 182, 181, 179, 174, 180])
    parts = data.stratified_split(labels, data.SPLIT, seed=0)
    everything = np.concatenate(list(parts.values()))
    assert np.array_equal(np.sort(everything), np.arange(len(labels)))
    for name, share in data.SPLIT.items():
        per_class = np.bincount(labels[parts[name]], minlength=10)
        assert np.all(np.abs(per_class - share * np.bincount(labels)) <= 1), (name, per_class)
    again = data.stratified_split(labels, data.SPLIT, seed=0)
    assert all(np.array_equal(parts[name], again[name]) for name in parts)


def test_standardiser_gives_unit_variance_and_ignores_constant_pixels(data):
    x = np.random.default_rng(0).normal(3.0, 2.0, size=(50, 4)).astype(np.float32)
    x[:, 2] = 7.0
    mean, scale = data.standardiser(x)
    z = (x - mean) * scale
    np.testing.assert_allclose(z.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(z.std(axis=0), [1, 1, 0, 1], atol=1e-5)


def test_one_sgd_step_on_the_perceptron_criterion_is_rosenblatts_rule(script):
    tt = script.tt
    rng = np.random.default_rng(1)
    x = rng.normal(size=(16, 64)).astype(np.float32)
    y = rng.integers(0, 10, size=16)
    tt.manual_seed(0)
    model = script.nn.Linear(64, 10)
    w, b = model.weight.detach().numpy().copy(), model.bias.detach().numpy().copy()
    predicted = (x @ w.T + b).argmax(axis=1)
    assert (predicted != y).any()
    correction = np.eye(10)[y] - np.eye(10)[predicted]  # +1 the true digit, -1 the chosen one
    optimizer = script.optim.SGD(model.parameters(), lr=1.0)
    script.perceptron_criterion(model(tt.tensor(x)), tt.tensor(y)).backward()
    optimizer.step()
    np.testing.assert_allclose(model.weight.detach().numpy(), w + correction.T @ x, atol=1e-5)
    np.testing.assert_allclose(model.bias.detach().numpy(), b + correction.sum(axis=0), atol=1e-5)


def test_text_templates_shade_positive_weights(script):
    templates = np.zeros((10, 8, 8))
    templates[3, 2, 5] = 1.0
    templates[3, 4, 4] = 0.5
    templates[3, 6, 6] = -1.0
    wide = script.text_templates(templates, width=200).splitlines()
    assert len(wide) == 9 and wide[0].split() == [str(d) for d in range(10)]
    block = [line[30:38] for line in wide[1:]]  # digit 3: columns 30-37
    assert block[2][5] == script.SHADES[-1] and block[4][4] != " " and block[6][6] == " "
    assert sum(ch != " " for line in wide[1:] for ch in line) == 2
    narrow = script.text_templates(templates, width=80).splitlines()
    assert len(narrow) == 18 and narrow[0].split() == [str(d) for d in range(5)]
