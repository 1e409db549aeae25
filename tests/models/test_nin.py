"""Tests for cnnbook.models.nin: the block, the d2l layout, the teaching model, guards."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from cnnbook.models import create_model, list_models
from cnnbook.models.nin import NiN, SmallNiN, nin_block
from cnnbook.models.validation import find_min_input_size


def n_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def block_params(c_in: int, c_out: int, k: int) -> int:
    """A k x k conv and two 1x1 convs, all with biases."""
    return (c_out * c_in * k * k + c_out) + 2 * (c_out * c_out + c_out)


def test_registered_names():
    assert {"nin", "nin_small"} <= set(list_models("nin*"))


def test_nin_block_layout():
    block = nin_block(3, 8, kernel_size=5, stride=2, padding=2)
    assert [type(m) for m in block] == [nn.Conv2d, nn.ReLU] * 3
    assert [m.kernel_size for m in block if isinstance(m, nn.Conv2d)] == [(5, 5), (1, 1), (1, 1)]
    assert block(torch.zeros(1, 3, 16, 16)).shape == (1, 8, 8, 8)


@pytest.mark.parametrize("num_classes, in_channels", [(10, 1), (1000, 3)])
def test_param_count_from_block_formula(num_classes, in_channels):
    with torch.device("meta"):
        model = create_model("nin", num_classes=num_classes, in_channels=in_channels)
    expected = (block_params(in_channels, 96, 11) + block_params(96, 256, 5)
                + block_params(256, 384, 3) + block_params(384, num_classes, 3))
    assert n_params(model) == expected
    assert not any(isinstance(m, nn.Linear) for m in model.modules())   # no dense layers at all


def test_shapes_at_224():
    """The stage table in NiN's docstring."""
    with torch.device("meta"):
        model = NiN(num_classes=10, in_channels=1)
        x = torch.zeros(2, 1, 224, 224)
    shapes = []
    for stage in (model.block1, model.pool1, model.block2, model.pool2, model.block3,
                  model.pool3, model.block4):
        x = stage(x)
        shapes.append(tuple(x.shape[1:]))
    assert shapes == [(96, 54, 54), (96, 26, 26), (256, 26, 26), (256, 12, 12),
                      (384, 12, 12), (384, 5, 5), (10, 5, 5)]
    assert model(torch.zeros(2, 1, 224, 224)).shape == (2, 10)


def test_full_model_min_size_is_true():
    model = create_model("nin", num_classes=10, in_channels=1)
    assert find_min_input_size(model) == model.min_input_size == 67


def test_small_min_size_is_true():
    model = create_model("nin_small")
    assert isinstance(model, SmallNiN)
    assert find_min_input_size(model) == model.min_input_size == 29


def test_small_trains_one_step():
    torch.manual_seed(0)
    model = create_model("nin_small", num_classes=10, in_channels=1).train()
    x, y = torch.randn(4, 1, 64, 64), torch.randint(0, 10, (4,))
    out = model(x)
    assert out.shape == (4, 10)
    nn.functional.cross_entropy(out, y).backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in model.parameters())
    assert float(model.block1[0].weight.grad.abs().sum()) > 0


def test_wrong_channels_names_the_fix():
    model = create_model("nin_small", in_channels=3)
    with pytest.raises(ValueError, match=r"3-channel.*1 channel"):
        model(torch.zeros(1, 1, 64, 64))


@pytest.mark.parametrize("name, size", [("nin_small", 28), ("nin", 66)])
def test_too_small_names_the_minimum(name, size):
    with torch.device("meta"):
        model = create_model(name, num_classes=10, in_channels=1)
        x = torch.zeros(1, 1, size, size)
    minimum = model.min_input_size
    with pytest.raises(ValueError, match=f"{minimum}×{minimum}"):
        model(x)
