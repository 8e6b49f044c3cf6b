"""A newcomer's common mistakes get errors that say what was wrong and what is valid."""

import numpy as np
import pytest

import tinytorch as torch

MISTAKES = {
    "optimizer given the module": (lambda: torch.optim.SGD(torch.nn.Linear(2, 2), lr=0.1),
                                   TypeError, "got a Linear; pass model.parameters()"),
    "float class indices": (lambda: torch.nn.CrossEntropyLoss()(torch.randn(4, 3), torch.tensor([0.0, 1.0, 2.0, 0.0])),
                            ValueError, "class indices must be int64"),
    "a function in Sequential": (lambda: torch.nn.Sequential(torch.nn.Linear(3, 2), lambda x: x),
                                 TypeError, "item 1 is a function, not a Module"),
    "negative layer size": (lambda: torch.nn.Linear(-1, 2), ValueError, "in_features and out_features must be >= 0"),
    "ragged nested lists": (lambda: torch.tensor([[1, 2], [3]]), ValueError, "nested lists must be rectangular"),
    "shape mismatch in add": (lambda: torch.ones(2, 3) + torch.ones(4, 5),
                              RuntimeError, "add: shapes (2, 3) and (4, 5)"),
    "wrong input width": (lambda: torch.nn.Linear(3, 2)(torch.randn(4, 5)), RuntimeError, "in_features=3"),
    "backward of a vector": (lambda: (torch.ones(3, requires_grad=True) * 2).backward(),
                             RuntimeError, "pass gradient="),
    "argmax over a dim that is not there": (lambda: torch.zeros(2, 3).argmax(dim=2), IndexError,
                                           "expected to be in range of [-2, 1], but got 2"),
    "numpy() of a leaf that requires grad": (lambda: torch.ones(2, requires_grad=True).numpy(),
                                             RuntimeError, "detach().numpy()"),
}


@pytest.mark.parametrize("name", MISTAKES)
def test_a_common_mistake_gets_a_message_that_says_what_to_do(name):
    make, error, words = MISTAKES[name]
    with pytest.raises(error) as caught:
        make()
    assert words in str(caught.value)


def test_loading_a_text_file_says_it_is_not_a_checkpoint(tmp_path):
    path = tmp_path / "notes.npz"
    path.write_text("hello")
    with pytest.raises(RuntimeError) as caught:
        torch.load(path)
    assert str(path) in str(caught.value) and "checkpoint" in str(caught.value)


def test_an_epoch_line_shows_milliseconds_not_a_rounded_zero():
    from tinytorch.training import Trainer

    model = torch.nn.Linear(2, 2)
    lines = []
    data = torch.utils.data.TensorDataset(torch.randn(8, 2), torch.tensor(np.arange(8) % 2))
    Trainer(model, torch.nn.CrossEntropyLoss(), torch.optim.SGD(model.parameters(), lr=0.1), log=lines.append).fit(
        torch.utils.data.DataLoader(data, batch_size=4), epochs=1)
    assert lines and lines[0].rstrip().endswith(" ms") and "0.00s" not in lines[0]


def test_register_parameter_none_removes_an_earlier_parameter():
    layer = torch.nn.Linear(2, 2)
    layer.register_parameter("bias", None)
    assert layer.bias is None and [name for name, _ in layer.named_parameters()] == ["weight"]
