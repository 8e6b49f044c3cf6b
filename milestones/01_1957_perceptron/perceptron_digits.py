"""Milestone 01 (1957): Rosenblatt's perceptron reads handwritten digits, built from tinytorch.

One layer of weights, 64 pixels -> 10 digit scores, s = W x + b; the prediction is argmax s.
It is trained twice from the same start, with the same tinytorch parts (Tensor, Linear, autograd,
SGD, DataLoader, Trainer):

- by gradient descent on cross-entropy: softmax regression, the modern reading of the perceptron.
  This is the model the milestone judges: its test accuracy must reach BAR.
- by Rosenblatt's error-correction rule, for comparison. On a wrong answer the rule adds the image
  to the right digit's weights and subtracts it from the wrongly chosen digit's. That is one SGD
  step with learning rate 1 on the perceptron criterion max_j s_j - s_y (perceptron_criterion).

Usage:  python milestones/01_1957_perceptron/perceptron_digits.py [--seed N] [--epochs N] [--lr X]
        [--json] [--out PNG]       or, on your own modules (lab mode):  invoke milestone perceptron
Exit status: 0 when the test accuracy reaches BAR, 1 when it falls short, 2 on bad options.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import sys
import time
from pathlib import Path

START = time.perf_counter()
HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(ROOT), str(HERE)]  # this checkout's tinytorch and lab, and digits_data beside us

import numpy as np  # noqa: E402
from digits_data import SPLIT_SEED, prepare  # noqa: E402

import tinytorch as tt  # noqa: E402
from lab.overlay import ENV, describe, whose_code  # noqa: E402
from tinytorch import nn, optim  # noqa: E402
from tinytorch.training import Trainer  # noqa: E402
from tinytorch.utils.data import DataLoader, TensorDataset  # noqa: E402

BAR = 0.92  # the test accuracy the gradient-trained perceptron must reach
BATCH_SIZE = 32
SEED, EPOCHS, LR = 0, 20, 0.1
FIGURE = HERE / "out" / "perceptron_digits.png"
SHADES = " .:-=+*#%@"  # weakest to strongest ink in the text templates


# ---- the two learning rules ----------------------------------------------------------------------
def perceptron_criterion(scores, target):
    """Rosenblatt's rule as a loss: L = sum_n (max_j s_nj - s_n,y_n), zero when the answer is right.

    On a wrong row its gradient is (e_pred - e_y) x^T, so one SGD step with learning rate 1 adds
    x to the true digit's weights and subtracts it from the predicted one's: the error-correction
    rule, summed over the batch."""
    return (scores.max(dim=1).values - scores[tt.arange(len(target)), target]).sum()


def train(loss_fn, lr, epochs, seed, train_set, val_loader, log):
    """A fresh 64 -> 10 perceptron trained by SGD on `loss_fn`, and its Trainer (history, evaluate).

    `seed` fixes the initial weights and the order of the batches."""
    tt.manual_seed(seed)
    model = nn.Linear(64, 10)
    trainer = Trainer(model, loss_fn, optim.SGD(model.parameters(), lr=lr), log=log)
    batches = DataLoader(train_set, batch_size=BATCH_SIZE, shuffle=True, seed=seed)
    trainer.fit(batches, val_loader, epochs=epochs)
    return model, trainer


def confusion(model, x, y):
    """counts[true digit, predicted digit] on images x."""
    with tt.no_grad():
        predicted = model(tt.tensor(x)).argmax(dim=1).numpy()
    counts = np.zeros((10, 10), dtype=np.int64)
    np.add.at(counts, (y, predicted), 1)
    return counts


# ---- pictures ------------------------------------------------------------------------------------
def text_templates(templates, width):
    """The templates as shade characters, all side by side when `width` columns allow, else in two
    rows: each shows where its digit wants ink (its positive weights, darkest = strongest)."""
    per_row = len(templates) if 10 * len(templates) - 2 <= width else -(-len(templates) // 2)
    lines = []
    for first in range(0, len(templates), per_row):
        group = templates[first:first + per_row]
        lines.append("  ".join(f"{digit:^8d}" for digit in range(first, first + len(group))))
        levels = [np.clip(t / max(t.max(), 1e-12), 0, 1) * (len(SHADES) - 1) for t in group]
        for row in range(8):
            lines.append("  ".join("".join(SHADES[round(v)] for v in lv[row]) for lv in levels))
    return "\n".join(lines)


def draw(path, runs, history, counts):
    """One PNG: both runs' weight templates, the learning curves, the test confusion matrix."""
    from matplotlib.figure import Figure  # imported here: only a run that draws pays for it

    fig = Figure(figsize=(12, 8))
    grid = fig.add_gridspec(len(runs) + 1, 3, height_ratios=[1] * len(runs) + [2.6],
                            left=0.05, right=0.98, top=0.9, bottom=0.07, hspace=0.35, wspace=0.25)
    for row, (title, templates) in enumerate(runs.items()):
        ax = fig.add_subplot(grid[row, :])
        # One image per run: the ten 8x8 templates side by side, a blank column between them.
        strip = np.full((8, 10 * 9 - 1), np.nan)
        for digit, template in enumerate(templates):
            strip[:, 9 * digit:9 * digit + 8] = template
        limit = np.abs(templates).max()
        ax.imshow(strip, cmap="RdBu_r", vmin=-limit, vmax=limit)
        ax.set_xticks(np.arange(10) * 9 + 3.5, [str(d) for d in range(10)]), ax.set_yticks([])
        ax.tick_params(length=0)
        ax.set_frame_on(False)
        ax.set_title(f"weights of {title} (red: ink speaks for the digit, blue: against)")
    loss_ax, acc_ax, cm_ax = (fig.add_subplot(grid[-1, col]) for col in range(3))
    epochs = [h["epoch"] for h in history]
    acc_ax.axhline(BAR, color="grey", linestyle=":", label=f"bar (test) {BAR:.0%}")
    curves = ((loss_ax, "loss", "cross-entropy loss"), (acc_ax, "accuracy", "accuracy"))
    for ax, key, title in curves:
        ax.plot(epochs, [h[f"train_{key}"] for h in history], label="train")
        ax.plot(epochs, [h[f"val_{key}"] for h in history], label="validation")
        ax.set_xlabel("epoch"), ax.set_title(title), ax.legend()
    cm_ax.imshow(counts, cmap="Blues")
    for (true, pred), n in np.ndenumerate(counts):
        if n:
            cm_ax.text(pred, true, str(n), ha="center", va="center", fontsize=8,
                       color="white" if n > counts.max() / 2 else "black")
    cm_ax.set_xticks(range(10)), cm_ax.set_yticks(range(10))
    cm_ax.set_xlabel("predicted digit"), cm_ax.set_ylabel("true digit")
    cm_ax.set_title("test confusion matrix")
    fig.suptitle("Rosenblatt's perceptron on handwritten digits, built with tinytorch")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)


# ---- the run -------------------------------------------------------------------------------------
def positive(kind):
    def parse(text):
        value = kind(text)
        if not value > 0:
            raise argparse.ArgumentTypeError(f"must be positive, got {text}")
        return value
    parse.__name__ = kind.__name__
    return parse


def options(argv):
    parser = argparse.ArgumentParser(
        description="Milestone 01 (1957): Rosenblatt's perceptron on handwritten digits, built "
                    f"from tinytorch. Exits 1 when the test accuracy is below {BAR:.0%}.")
    parser.add_argument("--seed", type=int, default=SEED, metavar="N",
                        help="seed of the initial weights and of the shuffling; the data split "
                             f"is fixed (default {SEED})")
    parser.add_argument("--epochs", type=positive(int), default=EPOCHS, metavar="N",
                        help=f"passes over the training images (default {EPOCHS})")
    parser.add_argument("--lr", type=positive(float), default=LR, metavar="X",
                        help=f"learning rate of the cross-entropy run (default {LR})")
    parser.add_argument("--json", action="store_true",
                        help="print only the results, as one JSON object (no progress, no "
                             "pictures)")
    parser.add_argument("--out", type=Path, default=FIGURE, metavar="PNG",
                        help="where to save the PNG (default: out/perceptron_digits.png beside "
                             "this script)")
    return parser.parse_args(argv)


def shown(path):
    """`path` relative to the working folder when it lies inside it, else absolute."""
    path = path.resolve()
    return str(path.relative_to(Path.cwd())) if path.is_relative_to(Path.cwd()) else str(path)


def finite(x):
    """x as a float for JSON; None when training diverged (NaN or infinity)."""
    return float(x) if math.isfinite(x) else None


def main(argv=None):
    args = options(argv)
    say = (lambda *lines: None) if args.json else print
    whose = whose_code()
    say(f"Milestone 01 (1957): Rosenblatt's perceptron on handwritten digits\n{describe(whose)}")
    if not os.environ.get(ENV):
        say("(lab mode is off: `invoke milestone perceptron` runs your modules)")
    parts, data, scale = prepare()
    say(f"data:  scikit-learn digits, {sum(map(len, parts.values()))} images of 8x8 pixels, "
        "standardised with the training images' mean and spread\n"
        f"split: fixed, stratified by digit (seed {SPLIT_SEED}): "
        + ", ".join(f"{len(idx)} {part}" for part, idx in parts.items()))
    sets = {part: TensorDataset(tt.tensor(x), tt.tensor(y)) for part, (x, y) in data.items()}
    whole = {part: DataLoader(dataset, batch_size=len(dataset)) for part, dataset in sets.items()}

    say(f"\ntraining 64 -> 10 by SGD on cross-entropy: lr {args.lr:g}, batch {BATCH_SIZE}, "
        f"{args.epochs} epochs, seed {args.seed}")
    runs = {
        "gradient": train(nn.CrossEntropyLoss(), args.lr, args.epochs, args.seed,
                          sets["train"], whole["validation"], say),
        "rosenblatt": train(perceptron_criterion, 1.0, args.epochs, args.seed,
                            sets["train"], whole["validation"], None),
    }
    results = {name: {part: trainer.evaluate(loader) for part, loader in whole.items()}
               for name, (_, trainer) in runs.items()}
    test = results["gradient"]["test"]["accuracy"]
    passed = test >= BAR

    if args.json:
        print(json.dumps({
            "milestone": "perceptron", "seed": args.seed, "epochs": args.epochs, "lr": args.lr,
            "split": {part: len(idx) for part, idx in parts.items()},
            **{f"{part}_{key}": finite(value) for part, measures in results["gradient"].items()
               for key, value in measures.items()},
            "rosenblatt": {f"{part}_accuracy": measures["accuracy"]
                           for part, measures in results["rosenblatt"].items()},
            "bar": BAR, "passed": passed, "whose": whose,
            "seconds": round(time.perf_counter() - START, 3),
        }))
    else:
        names = {"gradient": "SGD on cross-entropy", "rosenblatt": "Rosenblatt's rule"}
        say(f"\n{'':<22}{'train':>8}{'valid.':>8}{'test':>8}{'test loss':>11}")
        for name, measures in results.items():
            accuracies = "".join(f"{measures[part]['accuracy']:>8.1%}" for part in parts)
            loss = f"{measures['test']['loss']:>11.4f}" if name == "gradient" else ""
            say(f"{names[name]:<22}{accuracies}{loss}")
        say(f"{'bar':<38}{BAR:>8.0%}   {'PASS' if passed else 'FAIL'}")

        # The weights on the standardised pixels; a pixel that never varies is blank (unused).
        templates = {names[name]: (model.weight.detach().numpy() * (scale > 0)).reshape(10, 8, 8)
                     for name, (model, _) in runs.items()}
        say("\nthe learned templates (SGD on cross-entropy): where each digit wants ink\n"
            + text_templates(templates[names["gradient"]], shutil.get_terminal_size().columns))
        model, trainer = runs["gradient"]
        draw(args.out, templates, trainer.history, confusion(model, *data["test"]))
        say(f"\npicture: {shown(args.out)} (templates, learning curves, confusion matrix)")
        say(f"time: {time.perf_counter() - START:.2f} s")

    if not passed:
        mine = "yours" in whose.values()
        hint = "\n`invoke status` shows which of your modules pass their tests." if mine else ""
        print(f"FAILED: test accuracy {test:.1%} is below the bar of {BAR:.0%}, short by "
              f"{(BAR - test) * 100:.1f} points. {describe(whose)}{hint}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except NotImplementedError as err:  # a scaffolded function the learner has not written yet
        sys.exit(f"error: the milestone needs code that is not written yet: {err}")
