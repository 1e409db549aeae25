"""Tests for cnnbook.models.nin: the block, the d2l layout, the teaching model, guards."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from cnnbook.models import create_model, list_models
from cnnbook.models.nin import NiN, nin_block
from helpers import count_params as n_params


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


def test_small_is_a_configuration_of_nin():
    """nin_small is NiN with narrower blocks and a 5x5/2 first convolution, nothing else."""
    model = create_model("nin_small")
    assert type(model) is NiN
    assert n_params(model) == (block_params(1, 32, 5) + block_params(32, 64, 5)
                               + block_params(64, 96, 3) + block_params(96, 10, 3)) == 145_414
    assert model.block1[0].kernel_size == (5, 5) and model.block1[0].stride == (2, 2)
