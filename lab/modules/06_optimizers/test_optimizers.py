"""Module 06 - Optimizers: SGD, Adam, AdamW and the learning-rate schedules.

The references below are PyTorch's update rules written out in plain Python floats for one
parameter and a known sequence of gradients; your optimizer must reproduce them step for step.
The schedules are checked against their closed forms (base * gamma ** (epoch // step_size), ...).
"""

import math

import numpy as np
import pytest

import tinytorch
from tinytorch import nn
from tinytorch.optim import SGD, Adam, AdamW
from tinytorch.optim.lr_scheduler import CosineAnnealingLR, ExponentialLR, LinearLR, MultiStepLR, StepLR

GRADS = [0.5, -1.0, 2.0, 0.25, -0.75, 1.5]
SHRINKING = [3.0, 0.1, -0.1, 0.05, 0.2, -0.1]  # makes AMSGrad's running maximum of v matter


# ---- reference update rules in plain floats ------------------------------------------------------
def sgd_reference(p, grads, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
    """d = g + wd p;  b = d (first step) else momentum b + (1 - dampening) d;
    d = d + momentum b (Nesterov) else b;  p = p - lr d."""
    values, buf = [], None
    for g in grads:
        d = g + weight_decay * p
        if momentum:
            buf = d if buf is None else momentum * buf + (1 - dampening) * d
            d = d + momentum * buf if nesterov else buf
        p = p - lr * d
        values.append(p)
    return values


def adam_reference(p, grads, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False,
                   decoupled=False):
    """At step t:  m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2 (AMSGrad: the running max of v);
    p = p - lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps).
    Weight decay adds wd p to g (Adam), or first shrinks p by (1 - lr wd) (AdamW, decoupled)."""
    beta1, beta2 = betas
    values, m, v, v_max = [], 0.0, 0.0, 0.0
    for t, g in enumerate(grads, start=1):
        if decoupled:
            p = p * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * p
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        v_max = max(v_max, v)
        denom = math.sqrt(v_max if amsgrad else v) / math.sqrt(1 - beta2**t) + eps
        p = p - lr / (1 - beta1**t) * m / denom
        values.append(p)
    return values


def param(*values):
    return nn.Parameter(np.array(values, dtype=np.float64))


def run(optimizer, p, grads):
    """Feed `grads` to `p` one step at a time; the parameter's value after each step."""
    values = []
    for g in grads:
        p.grad = tinytorch.tensor(np.array([g]))
        optimizer.step()
        values.append(p.data[0])
    return values


# ---- SGD ---------------------------------------------------------------------------------------------
SGD_CASES = {
    "plain": dict(lr=0.1),
    "momentum": dict(lr=0.1, momentum=0.9),
    "momentum and dampening": dict(lr=0.1, momentum=0.9, dampening=0.5),
    "nesterov": dict(lr=0.1, momentum=0.9, nesterov=True),
    "weight_decay": dict(lr=0.1, weight_decay=0.1),
    "momentum and weight_decay": dict(lr=0.05, momentum=0.8, weight_decay=0.2),
    "nesterov and weight_decay": dict(lr=0.05, momentum=0.8, weight_decay=0.2, nesterov=True),
    "momentum, dampening and weight_decay": dict(lr=0.05, momentum=0.7, dampening=0.3, weight_decay=0.1),
}


@pytest.mark.parametrize("case", SGD_CASES)
def test_sgd_follows_pytorchs_update_step_for_step(case):
    options = SGD_CASES[case]
    p = param(1.0)
    assert run(SGD([p], **options), p, GRADS) == pytest.approx(sgd_reference(1.0, GRADS, **options), rel=1e-12)


def test_sgd_momentum_by_hand():
    """lr 0.1, momentum 0.9, gradient 1 twice: b = 1, p = 1 - 0.1 = 0.9; b = 0.9 + 1 = 1.9, p = 0.9 - 0.19."""
    p = param(1.0)
    assert run(SGD([p], lr=0.1, momentum=0.9), p, [1.0, 1.0]) == pytest.approx([0.9, 0.71], rel=1e-12)


def test_sgd_updates_every_element_and_every_parameter():
    w, b = param(1.0, -2.0, 3.0), param(0.5)
    optimizer = SGD([w, b], lr=0.1, momentum=0.5)
    for _ in range(2):
        w.grad, b.grad = tinytorch.tensor(np.array([1.0, 2.0, -1.0])), tinytorch.tensor(np.array([4.0]))
        optimizer.step()
    np.testing.assert_allclose(w.data, [1.0 - 0.25, -2.0 - 0.5, 3.0 + 0.25], rtol=1e-12)
    np.testing.assert_allclose(b.data, [0.5 - 1.0], rtol=1e-12)


# ---- Adam and AdamW ----------------------------------------------------------------------------------
ADAM_CASES = {
    "defaults but lr": (dict(lr=0.1), GRADS),
    "betas": (dict(lr=0.1, betas=(0.5, 0.9)), GRADS),
    "large eps": (dict(lr=0.1, eps=0.1), GRADS),
    "weight_decay (coupled)": (dict(lr=0.1, weight_decay=0.1), GRADS),
    "amsgrad": (dict(lr=0.1, amsgrad=True), SHRINKING),
    "amsgrad and weight_decay": (dict(lr=0.1, amsgrad=True, weight_decay=0.05), SHRINKING),
}


@pytest.mark.parametrize("case", ADAM_CASES)
def test_adam_follows_pytorchs_update_step_for_step(case):
    options, grads = ADAM_CASES[case]
    p = param(1.0)
    assert run(Adam([p], **options), p, grads) == pytest.approx(adam_reference(1.0, grads, **options), rel=1e-12)


ADAMW_CASES = {
    "default weight_decay 1e-2": (dict(lr=0.1), GRADS),
    "weight_decay 0.5": (dict(lr=0.1, weight_decay=0.5), GRADS),
    "amsgrad": (dict(lr=0.1, weight_decay=0.1, amsgrad=True), SHRINKING),
}


@pytest.mark.parametrize("case", ADAMW_CASES)
def test_adamw_decouples_weight_decay_step_for_step(case):
    options, grads = ADAMW_CASES[case]
    reference = adam_reference(1.0, grads, **{"weight_decay": 1e-2, **options}, decoupled=True)
    p = param(1.0)
    assert run(AdamW([p], **options), p, grads) == pytest.approx(reference, rel=1e-12)


def test_adams_first_step_moves_each_element_by_lr():
    """Step 1: m_hat = g and v_hat = g^2, so the step is lr * g / (|g| + eps), about lr * sign(g)."""
    p = param(0.0, 0.0, 0.0)
    optimizer = Adam([p], lr=0.01)
    p.grad = tinytorch.tensor(np.array([1e-3, -5.0, 100.0]))
    optimizer.step()
    np.testing.assert_allclose(p.data, [-0.01, 0.01, -0.01], rtol=1e-4)


def test_adamw_without_weight_decay_is_adam():
    p, q = param(1.0), param(1.0)
    assert run(AdamW([p], lr=0.1, weight_decay=0), p, GRADS) == pytest.approx(run(Adam([q], lr=0.1), q, GRADS),
                                                                             rel=1e-14)


@pytest.mark.parametrize("make", [lambda ps: SGD(ps, lr=0.1, momentum=0.9),
                                  lambda ps: SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.1, nesterov=True),
                                  lambda ps: Adam(ps, lr=0.1, weight_decay=0.1),
                                  lambda ps: AdamW(ps, lr=0.1, amsgrad=True)],
                         ids=["SGD momentum", "SGD nesterov weight_decay", "Adam", "AdamW"])
def test_step_never_changes_the_gradient(make):
    p = param(1.0, 2.0)
    optimizer = make([p])
    p.grad = tinytorch.tensor(np.array([0.5, -0.5]))
    for _ in range(3):
        optimizer.step()
    np.testing.assert_array_equal(p.grad.data, [0.5, -0.5])


@pytest.mark.parametrize("optimizer_class", [SGD, Adam, AdamW])
def test_step_skips_parameters_without_a_gradient(optimizer_class):
    used, unused = param(1.0), param(2.0)
    optimizer = optimizer_class([used, unused], lr=0.1, weight_decay=0.1)
    used.grad = tinytorch.tensor(np.array([1.0]))
    optimizer.step()
    assert unused.data[0] == 2.0
    assert used.data[0] != 1.0


@pytest.mark.parametrize("optimizer_class", [SGD, Adam, AdamW])
def test_an_optimizer_minimises_a_quadratic_through_autograd(optimizer_class):
    target = tinytorch.tensor(np.array([3.0, -2.0]))
    w = param(0.0, 0.0)
    optimizer = optimizer_class([w], lr=0.1)
    for _ in range(300):
        optimizer.zero_grad()
        loss = ((w - target) ** 2).sum()
        loss.backward()
        optimizer.step()
    np.testing.assert_allclose(w.data, target.data, atol=0.05)


# ---- the Optimizer base: groups, zero_grad, state_dict ---------------------------------------------
def test_param_groups_take_their_own_options_and_the_defaults_for_the_rest():
    a, b = param(1.0), param(1.0)
    optimizer = SGD([{"params": [a]}, {"params": b, "lr": 0.01, "momentum": 0.9}], lr=0.1, weight_decay=0.1)
    first, second = optimizer.param_groups
    assert (first["lr"], first["momentum"], first["weight_decay"]) == (0.1, 0, 0.1)
    assert (second["lr"], second["momentum"], second["weight_decay"]) == (0.01, 0.9, 0.1)
    for g in GRADS:
        a.grad, b.grad = tinytorch.tensor(np.array([g])), tinytorch.tensor(np.array([g]))
        optimizer.step()
    assert a.data[0] == pytest.approx(sgd_reference(1.0, GRADS, lr=0.1, weight_decay=0.1)[-1], rel=1e-12)
    assert b.data[0] == pytest.approx(sgd_reference(1.0, GRADS, lr=0.01, momentum=0.9, weight_decay=0.1)[-1],
                                      rel=1e-12)


def test_a_groups_lr_can_be_changed_between_steps():
    p = param(1.0)
    optimizer = SGD([p], lr=0.1)
    p.grad = tinytorch.tensor(np.array([1.0]))
    optimizer.step()
    optimizer.param_groups[0]["lr"] = 0.01
    optimizer.step()
    assert p.data[0] == pytest.approx(1.0 - 0.1 - 0.01, rel=1e-12)


def test_zero_grad_sets_grads_to_none_by_default_or_to_zeros():
    a, b = param(1.0, 2.0), param(3.0)
    optimizer = SGD([a, b], lr=0.1)
    a.grad, b.grad = tinytorch.tensor(np.array([1.0, 2.0])), tinytorch.tensor(np.array([3.0]))
    optimizer.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(a.grad.data, [0.0, 0.0])
    np.testing.assert_array_equal(b.grad.data, [0.0])
    optimizer.zero_grad()
    assert a.grad is None and b.grad is None


def test_state_dict_numbers_parameters_and_keeps_every_groups_options():
    a, b, c = param(1.0), param(2.0), param(3.0)
    optimizer = Adam([{"params": [a, b]}, {"params": [c], "lr": 0.5}], lr=0.1, betas=(0.8, 0.9))
    assert optimizer.state_dict()["state"] == {}
    a.grad = tinytorch.tensor(np.array([1.0]))
    optimizer.step()
    state = optimizer.state_dict()
    assert [g["params"] for g in state["param_groups"]] == [[0, 1], [2]]
    assert [g["lr"] for g in state["param_groups"]] == [0.1, 0.5]
    assert tuple(state["param_groups"][1]["betas"]) == (0.8, 0.9)
    assert list(state["state"]) == [0]
    assert set(state["state"][0]) == {"step", "exp_avg", "exp_avg_sq"}


@pytest.mark.parametrize("make", [lambda ps: SGD(ps, lr=0.1, momentum=0.9, nesterov=True),
                                  lambda ps: Adam(ps, lr=0.1, amsgrad=True, weight_decay=0.01),
                                  lambda ps: AdamW(ps, lr=0.05)], ids=["SGD", "Adam", "AdamW"])
def test_a_restored_optimizer_continues_exactly_like_the_original(make):
    original = param(1.0, -1.0)
    optimizer = make([original])
    grads = [np.array([g, -2 * g]) for g in SHRINKING]
    for g in grads[:3]:
        original.grad = tinytorch.tensor(g)
        optimizer.step()
    optimizer.param_groups[0]["lr"] = 0.02  # as a scheduler would
    restored = param(*original.data)
    twin = make([restored])
    twin.load_state_dict(optimizer.state_dict())
    assert twin.param_groups[0]["lr"] == 0.02
    for g in grads[3:]:
        original.grad, restored.grad = tinytorch.tensor(g), tinytorch.tensor(g.copy())
        optimizer.step()
        twin.step()
        np.testing.assert_array_equal(restored.data, original.data)


def test_state_is_kept_per_parameter_under_pytorchs_names():
    """Gradient 1 twice. SGD, momentum 0.9: buffer 1, then 0.9 + 1 = 1.9. Adam, betas (0.9, 0.999):
    exp_avg 0.1, then 0.09 + 0.1 = 0.19; exp_avg_sq 0.001, then 0.000999 + 0.001 = 0.001999."""
    p, q = param(1.0), param(1.0)
    sgd, adam = SGD([p], lr=0.1, momentum=0.9), Adam([q], lr=0.1)
    for _ in range(2):
        p.grad, q.grad = tinytorch.tensor(np.array([1.0])), tinytorch.tensor(np.array([1.0]))
        sgd.step()
        adam.step()
    np.testing.assert_allclose(sgd.state[p]["momentum_buffer"], [1.9], rtol=1e-12)
    assert adam.state[q]["step"] == 2
    np.testing.assert_allclose(adam.state[q]["exp_avg"], [0.19], rtol=1e-12)
    np.testing.assert_allclose(adam.state[q]["exp_avg_sq"], [0.001999], rtol=1e-12)


def test_load_state_dict_rejects_a_different_number_of_parameters():
    saved = SGD([param(1.0), param(2.0)], lr=0.1).state_dict()
    with pytest.raises(ValueError, match="parameter"):
        SGD([param(1.0)], lr=0.1).load_state_dict(saved)


# ---- bad arguments -----------------------------------------------------------------------------------
@pytest.mark.parametrize("options", [dict(lr=-0.1), dict(lr=0.1, momentum=-0.5), dict(lr=0.1, weight_decay=-1.0)],
                         ids=["negative lr", "negative momentum", "negative weight_decay"])
def test_sgd_rejects_negative_options(options):
    with pytest.raises(ValueError, match="Invalid"):
        SGD([param(1.0)], **options)


@pytest.mark.parametrize("options", [dict(nesterov=True), dict(nesterov=True, momentum=0.9, dampening=0.1)],
                         ids=["without momentum", "with dampening"])
def test_sgd_rejects_nesterov_without_momentum_or_with_dampening(options):
    with pytest.raises(ValueError, match="Nesterov"):
        SGD([param(1.0)], lr=0.1, **options)


@pytest.mark.parametrize("optimizer_class", [Adam, AdamW])
@pytest.mark.parametrize("options", [dict(betas=(1.0, 0.999)), dict(betas=(0.9, 1.0)), dict(betas=(-0.1, 0.999)),
                                     dict(lr=-1e-3), dict(eps=-1e-8), dict(weight_decay=-0.1)],
                         ids=["beta1 = 1", "beta2 = 1", "negative beta1", "negative lr", "negative eps",
                              "negative weight_decay"])
def test_adam_rejects_bad_options(optimizer_class, options):
    with pytest.raises(ValueError, match="Invalid"):
        optimizer_class([param(1.0)], **options)


@pytest.mark.parametrize("optimizer_class", [SGD, Adam, AdamW])
def test_an_empty_parameter_list_is_rejected(optimizer_class):
    with pytest.raises(ValueError, match="empty"):
        optimizer_class([], lr=0.1)


def test_bad_params_are_rejected():
    p = param(1.0, 2.0)
    with pytest.raises(TypeError, match="iterable"):
        SGD(p, lr=0.1)
    with pytest.raises(TypeError, match="Tensors"):
        SGD([1.0], lr=0.1)
    with pytest.raises(ValueError, match="more than one"):
        SGD([{"params": [p]}, {"params": [p]}], lr=0.1)


# ---- learning-rate schedules ----------------------------------------------------------------------
def schedule(make_scheduler, epochs, lrs=(0.1,)):
    """Each group's lr at epochs 0..epochs (the scheduler steps once per epoch), checked against
    get_last_lr() on the way."""
    params = [param(1.0) for _ in lrs]
    optimizer = SGD([{"params": [p], "lr": lr} for p, lr in zip(params, lrs, strict=True)])
    scheduler = make_scheduler(optimizer)
    history = []
    for epoch in range(epochs + 1):
        if epoch:
            scheduler.step()
        current = [group["lr"] for group in optimizer.param_groups]
        assert scheduler.get_last_lr() == pytest.approx(current, rel=1e-15), "get_last_lr() must be the lr in use"
        history.append(current)
    return np.array(history)


EPOCHS = np.arange(16)


def test_step_lr_decays_by_gamma_every_step_size_epochs():
    lrs = schedule(lambda opt: StepLR(opt, step_size=3, gamma=0.5), 15)
    np.testing.assert_allclose(lrs[:, 0], 0.1 * 0.5 ** (EPOCHS // 3), rtol=1e-12)


def test_multistep_lr_decays_at_each_milestone_and_twice_at_a_repeated_one():
    lrs = schedule(lambda opt: MultiStepLR(opt, milestones=[7, 2, 4, 4], gamma=0.1), 15)
    reached = np.array([sum(m <= e for m in (2, 4, 4, 7)) for e in EPOCHS])
    np.testing.assert_allclose(lrs[:, 0], 0.1 * 0.1**reached, rtol=1e-12)


def test_exponential_lr_decays_by_gamma_every_epoch():
    lrs = schedule(lambda opt: ExponentialLR(opt, gamma=0.8), 15)
    np.testing.assert_allclose(lrs[:, 0], 0.1 * 0.8**EPOCHS, rtol=1e-12)


@pytest.mark.parametrize("eta_min", [0.0, 0.01])
def test_cosine_annealing_lr_follows_the_cosine_down_and_back_up(eta_min):
    lrs = schedule(lambda opt: CosineAnnealingLR(opt, T_max=5, eta_min=eta_min), 15)
    expected = eta_min + (0.1 - eta_min) * (1 + np.cos(np.pi * EPOCHS / 5)) / 2
    np.testing.assert_allclose(lrs[:, 0], expected, rtol=1e-9, atol=1e-15)


@pytest.mark.parametrize("options, factors", [(dict(start_factor=0.25, total_iters=4), (0.25, 1.0, 4)),
                                              (dict(start_factor=1.0, end_factor=0.5, total_iters=3), (1.0, 0.5, 3)),
                                              ({}, (1 / 3, 1.0, 5))], ids=["warm-up", "decay", "defaults"])
def test_linear_lr_moves_the_factor_linearly_then_holds_it(options, factors):
    start, end, total = factors
    lrs = schedule(lambda opt: LinearLR(opt, **options), 15)
    expected = 0.1 * (start + (end - start) * np.minimum(EPOCHS, total) / total)
    np.testing.assert_allclose(lrs[:, 0], expected, rtol=1e-12)


def test_every_group_is_scheduled_from_its_own_initial_lr():
    lrs = schedule(lambda opt: StepLR(opt, step_size=2, gamma=0.1), 6, lrs=(0.1, 1.0))
    np.testing.assert_allclose(lrs, np.outer(0.1 ** (np.arange(7) // 2), [0.1, 1.0]), rtol=1e-12)


def test_the_optimizer_steps_with_the_scheduled_lr():
    p = param(0.0)
    optimizer = SGD([p], lr=1.0)
    scheduler = StepLR(optimizer, step_size=1, gamma=0.5)
    for _ in range(3):
        p.grad = tinytorch.tensor(np.array([1.0]))
        optimizer.step()
        scheduler.step()
    assert p.data[0] == pytest.approx(-(1.0 + 0.5 + 0.25), rel=1e-12)


@pytest.mark.parametrize("make", [lambda opt: StepLR(opt, step_size=2, gamma=0.5),
                                  lambda opt: MultiStepLR(opt, milestones=[1, 4], gamma=0.3),
                                  lambda opt: ExponentialLR(opt, gamma=0.9),
                                  lambda opt: CosineAnnealingLR(opt, T_max=4, eta_min=0.001),
                                  lambda opt: LinearLR(opt, start_factor=0.2, total_iters=5)],
                         ids=["StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "LinearLR"])
def test_a_restored_scheduler_continues_exactly_like_the_original(make):
    optimizer = SGD([param(1.0)], lr=0.1)
    scheduler = make(optimizer)
    for _ in range(3):
        scheduler.step()
    state = scheduler.state_dict()
    assert "optimizer" not in state
    twin_optimizer = SGD([param(1.0)], lr=0.1)
    twin = make(twin_optimizer)
    twin_optimizer.load_state_dict(optimizer.state_dict())
    twin.load_state_dict(state)
    assert twin.get_last_lr() == scheduler.get_last_lr()
    for _ in range(6):
        scheduler.step()
        twin.step()
        assert twin.get_last_lr() == scheduler.get_last_lr()
        assert twin_optimizer.param_groups[0]["lr"] == optimizer.param_groups[0]["lr"]


@pytest.mark.parametrize("options", [dict(start_factor=0.0), dict(start_factor=1.5), dict(end_factor=1.5)],
                         ids=["start_factor 0", "start_factor above 1", "end_factor above 1"])
def test_linear_lr_rejects_factors_out_of_range(options):
    with pytest.raises(ValueError, match="factor"):
        LinearLR(SGD([param(1.0)], lr=0.1), **options)


def test_a_scheduler_needs_an_optimizer():
    with pytest.raises(TypeError, match="Optimizer"):
        StepLR(object(), step_size=2)
