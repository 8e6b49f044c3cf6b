"""A two-layer MLP learns scikit-learn's handwritten digits, written in plain PyTorch.

The same file runs on PyTorch and on tinytorch; the one difference is the import:

    python examples/mlp_digits.py --framework torch        # import torch
    python examples/mlp_digits.py --framework tinytorch    # import tinytorch as torch

Everything after the import is the PyTorch API. tests/test_same_script.py runs `train` with both
frameworks from the same initial weights and checks that every step's loss agrees.
"""

import argparse
import sys
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits

LR = {"sgd": 0.1, "adam": 0.01}


def load_data(test_size=297, seed=0):
    """The 1,797 digits as ((x_train, y_train), (x_test, y_test)): pixels scaled to [0, 1], int labels,
    in one fixed random order (a NumPy permutation), so that the loaders need not shuffle."""
    digits = load_digits()
    order = np.random.default_rng(seed).permutation(len(digits.target))
    x, y = digits.data[order] / 16.0, digits.target[order]
    return (x[test_size:], y[test_size:]), (x[:test_size], y[:test_size])


def make_model(torch, hidden=64, dtype=None):
    """64 pixels -> hidden ReLU units -> 10 digit scores."""
    nn = torch.nn
    return nn.Sequential(nn.Linear(64, hidden, dtype=dtype), nn.ReLU(), nn.Linear(hidden, 10, dtype=dtype))


def train(torch, model, data, epochs=10, batch_size=64, optimizer="sgd", lr=None, dtype=None, log=print):
    """Train `model` on `data` with cross-entropy and SGD (momentum 0.9) or Adam.

    Returns (the loss of every step, the test accuracy after every epoch). `log` receives one line
    per epoch (None: quiet).
    """
    (x_train, y_train), (x_test, y_test) = data
    dtype = dtype or torch.float32
    train_set = torch.utils.data.TensorDataset(torch.tensor(x_train, dtype=dtype), torch.tensor(y_train))
    loader = torch.utils.data.DataLoader(train_set, batch_size=batch_size, shuffle=False)
    x_test, y_test = torch.tensor(x_test, dtype=dtype), torch.tensor(y_test)

    loss_fn = torch.nn.CrossEntropyLoss()
    lr = lr or LR[optimizer]
    if optimizer == "sgd":
        opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    else:
        opt = torch.optim.Adam(model.parameters(), lr=lr)

    step_losses, accuracies = [], []
    for epoch in range(1, epochs + 1):
        model.train()
        epoch_losses = []
        for inputs, targets in loader:
            opt.zero_grad()
            loss = loss_fn(model(inputs), targets)
            loss.backward()
            opt.step()
            epoch_losses.append(loss.item())

        model.eval()
        with torch.no_grad():
            predictions = model(x_test).argmax(dim=1)
            accuracy = (predictions == y_test).float().mean().item()
        step_losses += epoch_losses
        accuracies.append(accuracy)
        if log:
            log(f"epoch {epoch:2d}/{epochs}  train loss {np.mean(epoch_losses):.4f}  test accuracy {accuracy:.1%}")
    return step_losses, accuracies


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--framework", choices=["torch", "tinytorch"], default="tinytorch")
    parser.add_argument("--optimizer", choices=sorted(LR), default="sgd")
    parser.add_argument("--lr", type=float, help="learning rate (default: 0.1 for sgd, 0.01 for adam)")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    if args.framework == "torch":
        import torch
    else:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's tinytorch
        import tinytorch as torch

    torch.manual_seed(args.seed)
    model = make_model(torch)
    train(torch, model, load_data(), epochs=args.epochs, batch_size=args.batch_size,
          optimizer=args.optimizer, lr=args.lr)


if __name__ == "__main__":
    main()
