"""The perceptron milestone's work in NumPy alone: the floor its whole-process time and peak memory
are compared with. Same data, split and schedule as `perceptron_digits.py --json`: two 64 -> 10
perceptrons, 20 epochs of SGD with batches of 32, one on cross-entropy (lr 0.1), one by Rosenblatt's
rule (lr 1), then accuracy on every part. Prints one JSON line."""

import json
import sys

import numpy as np

from benchmarks.run import perceptron_script

sys.path.insert(0, str(perceptron_script().parent))  # the milestone's NumPy-only data module

from digits_data import prepare  # noqa: E402

EPOCHS, BATCH_SIZE, SEED = 20, 32, 0


def softmax_gradient(scores, labels):
    """d(mean cross-entropy)/d(scores)."""
    probs = np.exp(scores - scores.max(axis=1, keepdims=True))
    probs /= probs.sum(axis=1, keepdims=True)
    probs[np.arange(len(labels)), labels] -= 1
    return probs / len(labels)


def rosenblatt_gradient(scores, labels):
    """d(sum of max_j s_j - s_y)/d(scores): +1 at the chosen digit, -1 at the true one."""
    grad = np.zeros_like(scores)
    rows = np.arange(len(labels))
    grad[rows, scores.argmax(axis=1)] += 1
    grad[rows, labels] -= 1
    return grad


def train(gradient, lr, x, y, rng):
    bound = 1 / np.sqrt(x.shape[1])
    w = rng.uniform(-bound, bound, (10, x.shape[1])).astype(np.float32)
    b = rng.uniform(-bound, bound, 10).astype(np.float32)
    for _ in range(EPOCHS):
        order = rng.permutation(len(x))
        for start in range(0, len(x), BATCH_SIZE):
            batch = order[start:start + BATCH_SIZE]
            g = gradient(x[batch] @ w.T + b, y[batch])
            w -= lr * (g.T @ x[batch])
            b -= lr * g.sum(axis=0)
    return w, b


def main():
    _, data, _ = prepare()
    x, y = data["train"]
    results = {}
    for name, gradient, lr in (("gradient", softmax_gradient, 0.1), ("rosenblatt", rosenblatt_gradient, 1.0)):
        w, b = train(gradient, lr, x, y, np.random.default_rng(SEED))
        results[name] = {part: float(((px @ w.T + b).argmax(axis=1) == py).mean()) for part, (px, py) in data.items()}
    print(json.dumps(results))


if __name__ == "__main__":
    main()
