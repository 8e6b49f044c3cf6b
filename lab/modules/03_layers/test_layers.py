"""Module 03 - Layers: Module and Parameter, Linear, Sequential, Dropout, Flatten, Identity,
the activation layers, and F.linear, F.dropout, F.one_hot.

Names follow PyTorch ("encoder.fc1.weight", "0.bias"); outputs are compared with NumPy written here.
"""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinytorch
import tinytorch.nn as nn
import tinytorch.nn.functional as F


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 3)
        self.act = nn.ReLU()
        self.scale = nn.Parameter(tinytorch.full((3,), 2.0))
        self.offset = tinytorch.ones(3)  # a plain tensor is not a parameter

    def forward(self, x):
        return self.act(self.fc1(x)) * self.scale + self.offset


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = Block()
        self.head = nn.Sequential(nn.Linear(3, 2), nn.Tanh())

    def forward(self, x):
        return self.head(self.encoder(x))


NET_PARAMETERS = [
    ("encoder.scale", (3,)), ("encoder.fc1.weight", (3, 4)), ("encoder.fc1.bias", (3,)),
    ("head.0.weight", (2, 3)), ("head.0.bias", (2,)),
]  # fmt: skip


def float32_arrays(shape, low=-5, high=5):
    return hnp.arrays(np.float32, shape, elements=st.floats(low, high, width=32))


def affine(x, weight, bias=None):
    """x W^T + b in float64, summed over the input features with einsum."""
    out = np.einsum("...i,oi->...o", np.asarray(x, np.float64), np.asarray(weight, np.float64))
    return out if bias is None else out + np.asarray(bias, np.float64)


# ---- Parameter and Module ------------------------------------------------------------------------
def test_parameter_is_a_tensor_that_requires_grad():
    p = nn.Parameter(tinytorch.ones(2, 3))
    assert isinstance(p, tinytorch.Tensor) and p.requires_grad and p.shape == (2, 3)
    assert not nn.Parameter(tinytorch.ones(2), requires_grad=False).requires_grad


def test_named_parameters_uses_pytorch_dotted_names_in_registration_order():
    net = Net()
    assert [(name, p.shape) for name, p in net.named_parameters()] == NET_PARAMETERS
    assert all(isinstance(p, nn.Parameter) for _, p in net.named_parameters())
    assert net.encoder.fc1.weight is dict(net.named_parameters())["encoder.fc1.weight"]


def test_parameters_are_the_same_objects_as_named_parameters():
    net = Net()
    params = list(net.parameters())
    assert len(params) == len(NET_PARAMETERS)
    assert all(a is b for a, (_, b) in zip(params, net.named_parameters(), strict=True))
    assert [n for n, _ in net.encoder.named_parameters()] == ["scale", "fc1.weight", "fc1.bias"]


def test_assigning_a_plain_tensor_does_not_register_a_parameter():
    block = Block()
    assert "offset" not in dict(block.named_parameters())
    block.offset = nn.Parameter(tinytorch.zeros(3))
    assert "offset" in dict(block.named_parameters())


def test_reassigning_an_attribute_replaces_what_was_registered():
    net = Net()
    net.encoder.fc1 = nn.Linear(4, 3, bias=False)
    net.head = nn.Identity()
    assert [n for n, _ in net.named_parameters()] == ["encoder.scale", "encoder.fc1.weight"]
    net.encoder.scale = None
    assert [n for n, _ in net.named_parameters()] == ["encoder.fc1.weight"]


def test_a_shared_layer_or_parameter_is_listed_once():
    model = nn.Module()
    model.first = model.second = nn.Linear(2, 2)
    assert [n for n, _ in model.named_parameters()] == ["first.weight", "first.bias"]
    model.third = nn.Linear(2, 2)
    model.third.weight = model.first.weight  # tied weights
    assert [n for n, _ in model.named_parameters()] == ["first.weight", "first.bias", "third.bias"]
    assert len(list(model.parameters())) == 3


def test_assigning_before_super_init_is_a_clear_error():
    class Forgetful(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(2, 2)

    with pytest.raises(AttributeError, match="super"):
        Forgetful()


def test_children_and_modules_walk_the_tree():
    net = Net()
    assert list(net.children()) == [net.encoder, net.head]
    names = [type(m).__name__ for m in net.modules()]
    assert names == ["Net", "Block", "Linear", "ReLU", "Sequential", "Linear", "Tanh"]


def test_train_and_eval_switch_every_submodule():
    net = Net()
    assert all(m.training for m in net.modules())
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    net.train(False)
    assert not net.head[0].training


def test_zero_grad_clears_every_parameter_gradient():
    net = Net()
    for p in net.parameters():
        p.grad = tinytorch.ones_like(p)
    net.zero_grad(set_to_none=False)
    assert all(np.all(p.grad.data == 0) for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_calling_a_module_runs_forward():
    tinytorch.manual_seed(0)
    net = Net()
    x = np.linspace(-2, 2, 20, dtype=np.float32).reshape(5, 4)
    params = {name: p.data for name, p in net.named_parameters()}
    hidden = np.maximum(affine(x, params["encoder.fc1.weight"], params["encoder.fc1.bias"]), 0)
    hidden = hidden * params["encoder.scale"] + 1.0
    expected = np.tanh(affine(hidden, params["head.0.weight"], params["head.0.bias"]))
    out = net(tinytorch.tensor(x))
    assert out.shape == (5, 2) and out.dtype == tinytorch.float32
    np.testing.assert_allclose(out.data, expected, rtol=1e-5, atol=1e-6)


def test_a_module_without_forward_says_so():
    with pytest.raises(NotImplementedError, match="forward"):
        nn.Module()(tinytorch.ones(1))


# ---- state_dict and load_state_dict ---------------------------------------------------------------
def test_state_dict_has_every_parameter_by_dotted_name():
    net = Net()
    state = net.state_dict()
    assert list(state) == [name for name, _ in NET_PARAMETERS]
    for name, p in net.named_parameters():
        np.testing.assert_array_equal(np.asarray(state[name].data), p.data)


def test_load_state_dict_copies_values_into_the_parameters():
    tinytorch.manual_seed(1)
    source, target = Net(), Net()
    x = tinytorch.randn(6, 4)
    assert not np.allclose(source(x).data, target(x).data)
    weight = target.encoder.fc1.weight
    result = target.load_state_dict(source.state_dict())
    assert list(result.missing_keys) == [] and list(result.unexpected_keys) == []
    assert target.encoder.fc1.weight is weight, "load_state_dict must copy into the existing parameters"
    np.testing.assert_array_equal(target(x).data, source(x).data)
    source.encoder.fc1.weight.data[...] = 0.0
    assert np.any(target.encoder.fc1.weight.data != 0), "the loaded values must be copies"


def test_load_state_dict_reports_missing_keys():
    state = Net().state_dict()
    del state["head.0.bias"]
    with pytest.raises(RuntimeError, match=r"(?s)Missing key.*head\.0\.bias"):
        Net().load_state_dict(state)


def test_load_state_dict_reports_unexpected_keys():
    state = Net().state_dict()
    state["head.1.weight"] = tinytorch.ones(2)
    with pytest.raises(RuntimeError, match=r"(?s)Unexpected key.*head\.1\.weight"):
        Net().load_state_dict(state)


def test_load_state_dict_reports_size_mismatch(raises_naming):
    state = Net().state_dict()
    state["encoder.fc1.weight"] = tinytorch.ones(4, 3)
    with raises_naming(RuntimeError, "encoder.fc1.weight", (4, 3), (3, 4)):
        Net().load_state_dict(state)


def test_load_state_dict_non_strict_loads_what_matches():
    source, target = Net(), Net()
    state = {"head.0.weight": source.head[0].weight, "extra": tinytorch.ones(1)}
    result = target.load_state_dict(state, strict=False)
    assert "extra" in result.unexpected_keys and "encoder.scale" in result.missing_keys
    np.testing.assert_array_equal(target.head[0].weight.data, source.head[0].weight.data)


def test_repr_shows_the_tree_like_pytorch():
    assert repr(Net()) == (
        "Net(\n"
        "  (encoder): Block(\n"
        "    (fc1): Linear(in_features=4, out_features=3, bias=True)\n"
        "    (act): ReLU()\n"
        "  )\n"
        "  (head): Sequential(\n"
        "    (0): Linear(in_features=3, out_features=2, bias=True)\n"
        "    (1): Tanh()\n"
        "  )\n"
        ")"
    )


# ---- Linear and F.linear --------------------------------------------------------------------------------
def test_linear_weight_is_out_by_in_and_bias_is_out():
    layer = nn.Linear(5, 3)
    assert layer.weight.shape == (3, 5) and layer.bias.shape == (3,)
    assert layer.weight.dtype == layer.bias.dtype == tinytorch.float32
    assert [n for n, _ in layer.named_parameters()] == ["weight", "bias"]
    assert repr(layer) == "Linear(in_features=5, out_features=3, bias=True)"


def test_linear_init_is_uniform_within_pytorch_bounds():
    tinytorch.manual_seed(0)
    layer = nn.Linear(300, 200)
    bound = 1 / math.sqrt(300)
    w, b = layer.weight.data, layer.bias.data
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert np.abs(w).max() > 0.99 * bound and np.abs(b).max() > 0.9 * bound
    assert abs(w.mean()) < 0.01 * bound
    np.testing.assert_allclose(w.std(), bound / math.sqrt(3), rtol=0.02)  # the std of U(-a, a)


def test_linear_init_is_repeatable_with_manual_seed():
    tinytorch.manual_seed(7)
    first = nn.Linear(4, 3)
    tinytorch.manual_seed(7)
    second = nn.Linear(4, 3)
    np.testing.assert_array_equal(first.weight.data, second.weight.data)
    np.testing.assert_array_equal(first.bias.data, second.bias.data)
    assert not np.array_equal(nn.Linear(4, 3).weight.data, first.weight.data)


@given(batch=hnp.array_shapes(min_dims=0, max_dims=3, max_side=4), features=st.integers(1, 5),
       outputs=st.integers(1, 5), data=st.data())
def test_linear_forward_matches_numpy_for_any_batch_shape(batch, features, outputs, data):
    layer = nn.Linear(features, outputs)
    x = data.draw(float32_arrays(batch + (features,)))
    out = layer(tinytorch.tensor(x))
    assert out.shape == batch + (outputs,) and out.dtype == tinytorch.float32
    np.testing.assert_allclose(out.data, affine(x, layer.weight.data, layer.bias.data), rtol=1e-5, atol=1e-5)


def test_linear_without_bias():
    layer = nn.Linear(4, 2, bias=False)
    assert layer.bias is None and [n for n, _ in layer.named_parameters()] == ["weight"]
    x = np.arange(8, dtype=np.float32).reshape(2, 4)
    np.testing.assert_allclose(layer(tinytorch.tensor(x)).data, affine(x, layer.weight.data), rtol=1e-6)


@given(data=st.data(), with_bias=st.booleans())
def test_functional_linear_matches_numpy(data, with_bias):
    x = data.draw(float32_arrays((3, 4)))
    w = data.draw(float32_arrays((2, 4)))
    b = data.draw(float32_arrays((2,))) if with_bias else None
    out = F.linear(tinytorch.tensor(x), tinytorch.tensor(w), None if b is None else tinytorch.tensor(b))
    np.testing.assert_allclose(out.data, affine(x, w, b), rtol=1e-5, atol=1e-5)


def test_linear_output_records_a_graph_node_for_its_weights():
    out = nn.Linear(3, 2)(tinytorch.ones(4, 3))
    assert out.requires_grad and out.grad_fn is not None


def test_linear_shape_mismatch_names_both_shapes(raises_naming):
    with raises_naming(RuntimeError, "linear", (4, 5), (2, 3)):
        nn.Linear(3, 2)(tinytorch.ones(4, 5))


# ---- Sequential --------------------------------------------------------------------------------------
def test_sequential_applies_modules_in_order():
    first, second = nn.Linear(3, 4), nn.Linear(4, 2)
    model = nn.Sequential(first, nn.ReLU(), second)
    x = np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3)
    hidden = np.maximum(affine(x, first.weight.data, first.bias.data), 0)
    np.testing.assert_allclose(model(tinytorch.tensor(x)).data, affine(hidden, second.weight.data, second.bias.data),
                               rtol=1e-5, atol=1e-6)


def test_sequential_names_indexing_len_and_iteration():
    layers = [nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1)]
    model = nn.Sequential(*layers)
    assert len(model) == 3 and list(model) == layers
    assert model[0] is layers[0] and model[-1] is layers[2]
    assert [n for n, _ in model.named_parameters()] == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_sequential_index_out_of_range_is_an_index_error():
    with pytest.raises(IndexError, match="out of range"):
        nn.Sequential(nn.ReLU(), nn.Tanh())[2]


# ---- Dropout -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_zeroes_about_p_and_scales_the_rest(p):
    tinytorch.manual_seed(0)
    x = np.linspace(1, 2, 40000, dtype=np.float32).reshape(200, 200)
    out = F.dropout(tinytorch.tensor(x), p=p)
    assert out.shape == x.shape and out.dtype == tinytorch.float32
    kept = out.data != 0
    assert abs(1 - kept.mean() - p) < 0.015, f"dropped {1 - kept.mean():.3f} of the elements, expected {p}"
    np.testing.assert_allclose(out.data[kept], x[kept] / (1 - p), rtol=1e-6)
    assert len({tuple(row) for row in kept[:20]}) == 20, "each element needs its own random draw"


def test_dropout_is_repeatable_with_manual_seed():
    x = tinytorch.ones(50, 20)
    tinytorch.manual_seed(3)
    first = F.dropout(x, 0.5).data
    tinytorch.manual_seed(3)
    np.testing.assert_array_equal(F.dropout(x, 0.5).data, first)
    assert not np.array_equal(F.dropout(x, 0.5).data, first)


def test_dropout_edge_probabilities_and_eval_mode():
    x = tinytorch.tensor([[1.0, -2.0, 3.0]])
    np.testing.assert_array_equal(F.dropout(x, p=0.0).data, x.data)
    np.testing.assert_array_equal(F.dropout(x, p=1.0).data, np.zeros((1, 3)))
    np.testing.assert_array_equal(F.dropout(x, p=0.9, training=False).data, x.data)


def test_dropout_layer_drops_in_training_and_is_the_identity_in_eval():
    tinytorch.manual_seed(0)
    layer = nn.Dropout(0.5)
    x = tinytorch.ones(100, 100)
    assert 0.4 < (layer(x).data == 0).mean() < 0.6
    layer.eval()
    np.testing.assert_array_equal(layer(x).data, x.data)
    assert nn.Dropout().p == 0.5


@pytest.mark.parametrize("p", [-0.1, 1.5])
def test_dropout_probability_outside_0_1_is_a_value_error(p):
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout(p)
    with pytest.raises(ValueError, match="between 0 and 1"):
        F.dropout(tinytorch.ones(2), p)


# ---- Flatten, Identity and the activation layers ------------------------------------------------------
def test_flatten_and_identity():
    x = tinytorch.tensor(np.arange(24, dtype=np.float32).reshape(2, 3, 4))
    assert nn.Flatten()(x).shape == (2, 12)
    assert nn.Flatten(0)(x).shape == (24,)
    assert nn.Flatten(1, 1)(x).shape == (2, 3, 4)
    np.testing.assert_array_equal(nn.Flatten()(x).data, x.data.reshape(2, 12))
    np.testing.assert_array_equal(nn.Identity()(x).data, x.data)


LAYERS = {  # a layer's name: (how to make it, the function it must agree with)
    "ReLU": (nn.ReLU, F.relu), "Sigmoid": (nn.Sigmoid, F.sigmoid), "Tanh": (nn.Tanh, F.tanh),
    "LeakyReLU": (lambda: nn.LeakyReLU(0.2), lambda x: F.leaky_relu(x, 0.2)), "GELU": (nn.GELU, F.gelu),
    "GELU_tanh": (lambda: nn.GELU(approximate="tanh"), lambda x: F.gelu(x, approximate="tanh")),
    "Softmax": (lambda: nn.Softmax(dim=0), lambda x: F.softmax(x, dim=0)),
    "LogSoftmax": (lambda: nn.LogSoftmax(dim=1), lambda x: F.log_softmax(x, dim=1)),
}  # fmt: skip


@pytest.mark.parametrize("name", LAYERS)
def test_activation_layer_matches_its_function_and_has_no_parameters(name):
    make, function = LAYERS[name]
    layer = make()
    x = tinytorch.tensor([[-2.0, 0.5, 3.0], [1.0, -0.25, 0.0]])
    np.testing.assert_array_equal(layer(x).data, function(x).data)
    assert list(layer.parameters()) == []


def test_leaky_relu_layer_uses_its_slope():
    np.testing.assert_allclose(nn.LeakyReLU(0.5)(tinytorch.tensor([-2.0, 2.0])).data, [-1.0, 2.0])
    np.testing.assert_allclose(nn.LeakyReLU()(tinytorch.tensor([-2.0])).data, [-0.02], rtol=1e-6)


# ---- F.one_hot ---------------------------------------------------------------------------------------------
@given(labels=hnp.arrays(np.int64, hnp.array_shapes(min_dims=1, max_dims=2, max_side=5), elements=st.integers(0, 4)))
def test_one_hot_puts_a_one_at_each_label(labels):
    out = F.one_hot(tinytorch.tensor(labels), num_classes=6)
    assert out.shape == labels.shape + (6,) and out.dtype == tinytorch.int64
    for index in np.ndindex(labels.shape):
        expected = [1 if c == labels[index] else 0 for c in range(6)]
        assert out.data[index].tolist() == expected
    assert F.one_hot(tinytorch.tensor(labels)).shape == labels.shape + (labels.max() + 1,)


def test_one_hot_rejects_float_labels_and_labels_out_of_range():
    with pytest.raises(RuntimeError, match="int64"):
        F.one_hot(tinytorch.tensor([0.0, 1.0]))
    with pytest.raises(RuntimeError, match="(?i)class values"):
        F.one_hot(tinytorch.tensor([0, 3]), num_classes=3)
