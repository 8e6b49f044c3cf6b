"""Module 04 - Losses: MSELoss, CrossEntropyLoss, NLLLoss, BCELoss, BCEWithLogitsLoss and their
F. functions, each with reduction 'mean', 'sum' or 'none'.

The references are written here one sample at a time in Python floats: log-sum-exp with math.fsum,
label smoothing from its definition (a mix of the one-hot target and the uniform distribution), and
the binary losses from log(sigmoid(x)) = -log(1 + e^-x). Cross-entropy must stay finite for logits of 1e4.
"""

import math
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinytorch
import tinytorch.nn as nn
import tinytorch.nn.functional as F

REDUCTIONS = ["mean", "sum", "none"]


def reduce(losses, reduction):
    """The reference reduction of a list of per-sample (or per-element) losses."""
    losses = list(losses)
    if reduction == "mean":
        return math.fsum(losses) / len(losses)
    if reduction == "sum":
        return math.fsum(losses)
    return losses


def log_probs(row):
    """log softmax of one row of logits: x_c - (m + log sum_j e^(x_j - m)), m the largest logit."""
    row = [float(v) for v in row]
    m = max(row)
    log_total = m + math.log(math.fsum(math.exp(v - m) for v in row))
    return [v - log_total for v in row]


def cross_entropy_reference(logits, targets, smoothing=0.0):
    """Per sample: -sum_c q_c log p_c, q = (1 - smoothing) onehot(target) + smoothing / C."""
    losses = []
    for row, target in zip(np.atleast_2d(logits), np.atleast_1d(targets), strict=True):
        classes = len(row)
        q = [(1 - smoothing) * (c == target) + smoothing / classes for c in range(classes)]
        losses.append(-math.fsum(qc * lp for qc, lp in zip(q, log_probs(row), strict=True)))
    return losses


def log_sigmoid(x):
    """log(1 / (1 + e^-x)), without overflow for either sign."""
    return -math.log1p(math.exp(-x)) if x >= 0 else x - math.log1p(math.exp(x))


def bce_with_logits_reference(x, y, pos_weight=1.0):
    """-(w y log sigmoid(x) + (1 - y) log(1 - sigmoid(x))), with 1 - sigmoid(x) = sigmoid(-x)."""
    return -(pos_weight * y * log_sigmoid(x) + (1 - y) * log_sigmoid(-x))


def bce_reference(p, y):
    """-(y log p + (1 - y) log(1 - p)), each log at least -100 as in PyTorch."""
    log = lambda v: max(math.log(v), -100.0) if v > 0 else -100.0  # noqa: E731
    return -(y * log(p) + (1 - y) * log(1 - p))


def check(out, expected, reduction, rtol=1e-5):
    """A loss tensor against its reference: a 0-d tensor, or one loss per sample for 'none'."""
    expected = np.asarray(expected, dtype=np.float64)
    assert out.shape == expected.shape, f"reduction={reduction!r} gives shape {out.shape}, expected {expected.shape}"
    assert out.dtype == tinytorch.float32
    np.testing.assert_allclose(out.data, expected, rtol=rtol, atol=1e-5)


@st.composite
def logits_and_targets(draw, low=-20, high=20):
    rows, classes = draw(st.integers(1, 6)), draw(st.integers(2, 6))
    logits = draw(hnp.arrays(np.float32, (rows, classes), elements=st.floats(low, high, width=32)))
    targets = draw(hnp.arrays(np.int64, (rows,), elements=st.integers(0, classes - 1)))
    return logits, targets


def same_shape_pair(low, high, y_low=0.0, y_high=1.0):
    return hnp.array_shapes(min_dims=1, max_dims=3, max_side=4).flatmap(lambda shape: st.tuples(
        hnp.arrays(np.float32, shape, elements=st.floats(low, high, width=32)),
        hnp.arrays(np.float32, shape, elements=st.floats(y_low, y_high, width=32))))


# ---- MSE ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("reduction", REDUCTIONS)
@given(pair=same_shape_pair(-10, 10, -10, 10))
def test_mse_loss_matches_its_definition(reduction, pair):
    x, y = pair
    squares = [(float(a) - float(b)) ** 2 for a, b in zip(x.ravel(), y.ravel(), strict=True)]
    expected = reduce(squares, reduction)
    if reduction == "none":
        expected = np.reshape(expected, x.shape)
    check(F.mse_loss(tinytorch.tensor(x), tinytorch.tensor(y), reduction=reduction), expected, reduction)
    check(nn.MSELoss(reduction=reduction)(tinytorch.tensor(x), tinytorch.tensor(y)), expected, reduction)


def test_mse_loss_by_hand():
    loss = nn.MSELoss()(tinytorch.tensor([1.0, 2.0, 4.0]), tinytorch.tensor([1.0, 0.0, 1.0]))
    assert loss.shape == () and loss.item() == pytest.approx(13 / 3)


def test_mse_loss_shape_mismatch_names_both_shapes(raises_naming):
    with raises_naming(ValueError, "mse_loss", (3, 4), (4,)):
        F.mse_loss(tinytorch.ones(3, 4), tinytorch.ones(4))


# ---- cross-entropy ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("reduction", REDUCTIONS)
@given(case=logits_and_targets())
def test_cross_entropy_matches_log_sum_exp_per_row(reduction, case):
    logits, targets = case
    expected = reduce(cross_entropy_reference(logits, targets), reduction)
    out = F.cross_entropy(tinytorch.tensor(logits), tinytorch.tensor(targets), reduction=reduction)
    check(out, expected, reduction)
    check(nn.CrossEntropyLoss(reduction=reduction)(tinytorch.tensor(logits), tinytorch.tensor(targets)),
          expected, reduction)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@given(case=logits_and_targets(), smoothing=st.sampled_from([0.05, 0.1, 0.3, 1.0]))
def test_cross_entropy_label_smoothing_matches_its_definition(reduction, case, smoothing):
    logits, targets = case
    expected = reduce(cross_entropy_reference(logits, targets, smoothing), reduction)
    out = F.cross_entropy(tinytorch.tensor(logits), tinytorch.tensor(targets), reduction=reduction,
                          label_smoothing=smoothing)
    check(out, expected, reduction)
    layer = nn.CrossEntropyLoss(reduction=reduction, label_smoothing=smoothing)
    check(layer(tinytorch.tensor(logits), tinytorch.tensor(targets)), expected, reduction)


def test_cross_entropy_by_hand():
    logits = tinytorch.tensor([[0.0, 0.0, 0.0, 0.0], [math.log(3), 0.0, 0.0, 0.0]])
    loss = F.cross_entropy(logits, tinytorch.tensor([2, 0]), reduction="none")
    np.testing.assert_allclose(loss.data, [math.log(4), math.log(2)], rtol=1e-6)


def test_cross_entropy_of_one_sample_without_a_batch_dim():
    logits = np.array([1.0, 2.0, 3.0], dtype=np.float32)
    out = F.cross_entropy(tinytorch.tensor(logits), tinytorch.tensor(0))
    assert out.shape == ()
    np.testing.assert_allclose(out.item(), cross_entropy_reference(logits, 0)[0], rtol=1e-6)


@pytest.mark.parametrize("smoothing", [0.0, 0.1])
def test_cross_entropy_is_finite_for_huge_logits(smoothing):
    logits = np.array([[1e4, 0.0, -1e4], [1e4, 0.0, -1e4], [-1e4, -1e4, -1e4]], dtype=np.float32)
    targets = np.array([0, 2, 1])
    with warnings.catch_warnings(action="error"):  # an overflow warning fails the test
        out = F.cross_entropy(tinytorch.tensor(logits), tinytorch.tensor(targets), reduction="none",
                              label_smoothing=smoothing)
    assert np.all(np.isfinite(out.data)), out.data
    np.testing.assert_allclose(out.data, cross_entropy_reference(logits, targets, smoothing), rtol=1e-6)


@given(case=logits_and_targets())
def test_cross_entropy_accepts_class_probabilities(case):
    logits, targets = case
    probabilities = np.eye(logits.shape[1], dtype=np.float32)[targets] * 0.75 + 0.25 / logits.shape[1]
    out = F.cross_entropy(tinytorch.tensor(logits), tinytorch.tensor(probabilities))
    expected = reduce(cross_entropy_reference(logits, targets, smoothing=0.25), "mean")
    check(out, expected, "mean")


def test_cross_entropy_with_float_targets_of_the_wrong_shape_names_both_shapes(raises_naming):
    with raises_naming(ValueError, "cross_entropy", (3,), (3, 4)):
        F.cross_entropy(tinytorch.ones(3, 4), tinytorch.tensor([1.0, 0.0, 2.0]))


def test_cross_entropy_with_targets_of_the_wrong_length_names_both_shapes(raises_naming):
    with raises_naming(ValueError, "cross_entropy", (3, 4), (2,)):
        F.cross_entropy(tinytorch.ones(3, 4), tinytorch.tensor([1, 0]))


def test_cross_entropy_with_a_target_out_of_range_is_an_index_error():
    with pytest.raises(IndexError):
        F.cross_entropy(tinytorch.ones(3, 4), tinytorch.tensor([1, 0, 4]))


# ---- NLL -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("reduction", REDUCTIONS)
@given(case=logits_and_targets())
def test_nll_loss_picks_minus_the_target_log_probability(reduction, case):
    scores, targets = case
    expected = reduce((-float(row[t]) for row, t in zip(scores, targets, strict=True)), reduction)
    check(F.nll_loss(tinytorch.tensor(scores), tinytorch.tensor(targets), reduction=reduction), expected, reduction)
    check(nn.NLLLoss(reduction=reduction)(tinytorch.tensor(scores), tinytorch.tensor(targets)), expected, reduction)


def test_nll_loss_of_log_softmax_is_cross_entropy():
    logits = tinytorch.tensor([[2.0, -1.0, 0.5], [0.0, 3.0, -2.0]])
    targets = tinytorch.tensor([2, 1])
    np.testing.assert_allclose(F.nll_loss(F.log_softmax(logits, dim=1), targets).item(),
                               F.cross_entropy(logits, targets).item(), rtol=1e-6)


def test_nll_loss_needs_integer_targets():
    with pytest.raises(RuntimeError, match="int64"):
        F.nll_loss(tinytorch.ones(3, 4), tinytorch.tensor([1.0, 0.0, 2.0]))


# ---- binary cross-entropy -----------------------------------------------------------------------------
@pytest.mark.parametrize("reduction", REDUCTIONS)
@given(pair=same_shape_pair(0, 1))
def test_binary_cross_entropy_matches_its_definition(reduction, pair):
    p, y = pair
    expected = reduce((bce_reference(float(a), float(b)) for a, b in zip(p.ravel(), y.ravel(), strict=True)),
                      reduction)
    if reduction == "none":
        expected = np.reshape(expected, p.shape)
    check(F.binary_cross_entropy(tinytorch.tensor(p), tinytorch.tensor(y), reduction=reduction), expected, reduction)
    check(nn.BCELoss(reduction=reduction)(tinytorch.tensor(p), tinytorch.tensor(y)), expected, reduction)


def test_binary_cross_entropy_clamps_its_logs_at_minus_100():
    with warnings.catch_warnings(action="error"):  # log(0) must not warn
        out = F.binary_cross_entropy(tinytorch.tensor([0.0, 1.0, 0.0, 1.0]), tinytorch.tensor([1.0, 0.0, 0.0, 1.0]),
                                     reduction="none")
    np.testing.assert_allclose(out.data, [100.0, 100.0, 0.0, 0.0])


def test_binary_cross_entropy_needs_probabilities():
    with pytest.raises(RuntimeError, match="between 0 and 1"):
        F.binary_cross_entropy(tinytorch.tensor([1.5, 0.5]), tinytorch.tensor([1.0, 0.0]))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@given(pair=same_shape_pair(-30, 30))
def test_binary_cross_entropy_with_logits_matches_its_definition(reduction, pair):
    x, y = pair
    losses = [bce_with_logits_reference(float(a), float(b)) for a, b in zip(x.ravel(), y.ravel(), strict=True)]
    expected = reduce(losses, reduction)
    if reduction == "none":
        expected = np.reshape(expected, x.shape)
    out = F.binary_cross_entropy_with_logits(tinytorch.tensor(x), tinytorch.tensor(y), reduction=reduction)
    check(out, expected, reduction)
    check(nn.BCEWithLogitsLoss(reduction=reduction)(tinytorch.tensor(x), tinytorch.tensor(y)), expected, reduction)


def test_binary_cross_entropy_with_logits_is_finite_for_huge_logits():
    x = np.array([1e4, -1e4, 1e4, -1e4, 0.0], dtype=np.float32)
    y = np.array([0.0, 1.0, 1.0, 0.0, 0.5], dtype=np.float32)
    with warnings.catch_warnings(action="error"):
        out = F.binary_cross_entropy_with_logits(tinytorch.tensor(x), tinytorch.tensor(y), reduction="none")
    np.testing.assert_allclose(out.data, [1e4, 1e4, 0.0, 0.0, math.log(2)], rtol=1e-6)


def test_binary_cross_entropy_with_logits_weighs_positives_by_pos_weight():
    x = np.array([[0.5, -1.0, 2.0], [-3.0, 0.0, 1.0]], dtype=np.float32)
    y = np.array([[1.0, 0.0, 0.3], [1.0, 1.0, 0.0]], dtype=np.float32)
    weights = [2.0, 0.5, 3.0]
    losses = [bce_with_logits_reference(float(x[i, j]), float(y[i, j]), weights[j]) for i in range(2) for j in range(3)]
    expected = reduce(losses, "mean")
    out = nn.BCEWithLogitsLoss(pos_weight=tinytorch.tensor(weights))(tinytorch.tensor(x), tinytorch.tensor(y))
    check(out, expected, "mean")


def test_binary_cross_entropy_losses_agree_through_sigmoid():
    x = tinytorch.tensor([[-2.0, 0.3], [1.5, 4.0]])
    y = tinytorch.tensor([[0.0, 1.0], [1.0, 0.25]])
    np.testing.assert_allclose(F.binary_cross_entropy(F.sigmoid(x), y).item(),
                               F.binary_cross_entropy_with_logits(x, y).item(), rtol=1e-5)


# ---- reduction, module plumbing and the graph ------------------------------------------------------------
LOSSES = {
    "mse_loss": (F.mse_loss, nn.MSELoss, tinytorch.ones(2, 3), tinytorch.zeros(2, 3)),
    "cross_entropy": (F.cross_entropy, nn.CrossEntropyLoss, tinytorch.ones(2, 3), tinytorch.tensor([0, 2])),
    "nll_loss": (F.nll_loss, nn.NLLLoss, tinytorch.ones(2, 3), tinytorch.tensor([0, 2])),
    "binary_cross_entropy": (F.binary_cross_entropy, nn.BCELoss, tinytorch.full((2, 3), 0.5), tinytorch.ones(2, 3)),
    "binary_cross_entropy_with_logits": (F.binary_cross_entropy_with_logits, nn.BCEWithLogitsLoss,
                                         tinytorch.ones(2, 3), tinytorch.ones(2, 3)),
}


@pytest.mark.parametrize("name", LOSSES)
def test_bad_reduction_is_a_value_error_naming_the_valid_ones(name):
    function, layer, input, target = LOSSES[name]
    for make in (lambda: function(input, target, reduction="avg"), lambda: layer(reduction="avg")):
        with pytest.raises(ValueError) as info:
            make()
        assert all(f"'{valid}'" in str(info.value) for valid in REDUCTIONS), str(info.value)


@pytest.mark.parametrize("name", LOSSES)
def test_loss_layer_is_a_module_with_mean_reduction_by_default(name):
    function, layer, input, target = LOSSES[name]
    loss = layer()
    assert isinstance(loss, nn.Module) and loss.reduction == "mean" and list(loss.parameters()) == []
    assert loss(input, target).shape == ()
    np.testing.assert_allclose(loss(input, target).data, function(input, target).data)


@pytest.mark.parametrize("name", LOSSES)
def test_loss_records_a_graph_node_when_its_input_requires_grad(name):
    function, _, input, target = LOSSES[name]
    tracked = function(tinytorch.tensor(input.data, requires_grad=True), target)
    assert tracked.requires_grad and tracked.grad_fn is not None
    assert not function(input, target).requires_grad
