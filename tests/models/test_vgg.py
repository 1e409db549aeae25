"""Tests for cnnbook.models.vgg: Table 1 configs, Table 2 counts, torchvision parity, guards."""
from __future__ import annotations

import pytest
import torch
import torchvision
from torch import nn

from cnnbook.models import create_model, list_models
from cnnbook.models.vgg import CFGS, DEPTHS, VGG, from_torchvision, make_features, vgg_block
from cnnbook.models.validation import find_min_input_size
from helpers import count_params as n_params

TORCHVISION_NAMES = ["vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn", "vgg19", "vgg19_bn"]


def test_registered_names():
    assert set(TORCHVISION_NAMES + ["vgg_a_lrn", "vgg_c", "vgg11_small"]) <= set(list_models("vgg*"))


# --- the blocks and Table 1 ----------------------------------------------------------

def test_vgg_block_halves_the_size():
    block = vgg_block(2, 3, 16)
    assert [type(m) for m in block] == [nn.Conv2d, nn.ReLU, nn.Conv2d, nn.ReLU, nn.MaxPool2d]
    assert block(torch.zeros(1, 3, 20, 20)).shape == (1, 16, 10, 10)


def test_config_a_is_a_chain_of_vgg_blocks():
    """Column A = block(1, 64), block(1, 128), block(2, 256), block(2, 512), block(2, 512)."""
    with torch.device("meta"):
        flat = make_features(CFGS["A"], 3)
        blocks = nn.Sequential(vgg_block(1, 3, 64), vgg_block(1, 64, 128), vgg_block(2, 128, 256),
                               vgg_block(2, 256, 512), vgg_block(2, 512, 512))
    flat_layers = list(flat)
    block_layers = [m for b in blocks for m in b]
    assert [type(m) for m in flat_layers] == [type(m) for m in block_layers]
    assert [p.shape for p in flat.parameters()] == [p.shape for p in blocks.parameters()]


@pytest.mark.parametrize("cfg", list(CFGS))
def test_depth_counts_weight_layers(cfg):
    """Table 1's header: the number of conv layers plus the three FC layers."""
    convs = sum(1 for item in CFGS[cfg] if item not in ("M", "LRN"))
    assert convs + 3 == DEPTHS[cfg]
    assert CFGS[cfg].count("M") == 5


def test_config_c_has_1x1_convs_in_the_last_three_stages():
    with torch.device("meta"):
        model = VGG("C")
    kernels = [m.kernel_size[0] for m in model.features if isinstance(m, nn.Conv2d)]
    assert kernels == [3, 3, 3, 3, 3, 3, 1, 3, 3, 1, 3, 3, 1]
    ones = [m for m in model.features if isinstance(m, nn.Conv2d) and m.kernel_size == (1, 1)]
    assert [(m.in_channels, m.out_channels) for m in ones] == [(256, 256), (512, 512), (512, 512)]


def test_config_a_lrn_has_lrn_after_the_first_conv():
    with torch.device("meta"):
        model = VGG("A-LRN")
    types = [type(m) for m in model.features[:4]]
    assert types == [nn.Conv2d, nn.ReLU, nn.LocalResponseNorm, nn.MaxPool2d]
    lrn = model.features[2]
    assert (lrn.size, lrn.alpha, lrn.beta, lrn.k) == (5, 5e-4, 0.75, 2.0)   # AlexNet's constants


@pytest.mark.parametrize("cfg, millions", [("A", 133), ("A-LRN", 133), ("B", 133),
                                           ("C", 134), ("D", 138), ("E", 144)])
def test_table2_parameter_counts(cfg, millions):
    """Table 2 of the paper, in millions (1000 classes, RGB, 224x224 input)."""
    with torch.device("meta"):
        model = VGG(cfg, num_classes=1000, in_channels=3)
    assert model.classifier[0].in_features == 7 * 7 * 512
    assert round(n_params(model) / 1e6) == millions


# --- torchvision ---------------------------------------------------------------------

@pytest.mark.parametrize("name", TORCHVISION_NAMES)
def test_same_parameters_and_keys_as_torchvision(name):
    with torch.device("meta"):
        tv = torchvision.models.get_model(name, weights=None)
        ours = create_model(name, num_classes=1000, in_channels=3)
    assert n_params(ours) == n_params(tv)
    assert [(k, v.shape) for k, v in ours.state_dict().items()] == \
           [(k, v.shape) for k, v in tv.state_dict().items()]


def random_torchvision_vgg(name: str, num_classes: int = 10) -> nn.Module:
    """torchvision's ``name`` with random weights and BatchNorm statistics, in eval mode.

    Built on the meta device and then materialised, which skips torchvision's
    (slow, and here pointless) initialisation of ~130 M parameters. The random
    BatchNorm statistics make sure that buffers, not only parameters, are transferred.
    """
    with torch.device("meta"):
        tv = torchvision.models.get_model(name, weights=None, num_classes=num_classes)
    tv.to_empty(device="cpu")
    with torch.no_grad():
        for p in tv.parameters():
            p.uniform_(-0.05, 0.05)
        for m in tv.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.1, 0.1)
                m.running_var.uniform_(0.5, 1.5)
                m.weight.uniform_(0.5, 1.5)
                m.num_batches_tracked.fill_(7)
    return tv.eval()


@pytest.mark.parametrize("name", TORCHVISION_NAMES)
def test_from_torchvision_outputs_match(name):
    torch.manual_seed(0)
    tv = random_torchvision_vgg(name)
    ours = from_torchvision(tv)
    assert isinstance(ours, VGG) and not ours.training
    assert ours.classifier[-1].out_features == 10
    assert all(int(m.num_batches_tracked) == 7 for m in ours.modules() if isinstance(m, nn.BatchNorm2d))
    x = torch.randn(1, 3, 64, 64)       # adaptive pooling lets a small input through (2x2 -> 7x7)
    with torch.no_grad():
        assert torch.allclose(ours(x), tv(x))


# --- teaching size -------------------------------------------------------------------

def test_small_widths_and_min_size():
    model = create_model("vgg11_small")
    widths = [m.out_channels for m in model.features if isinstance(m, nn.Conv2d)]
    assert widths == [8, 16, 32, 32, 64, 64, 64, 64]
    assert model.classifier[0].out_features == 512
    assert model.input_spec.mean is None          # trained from scratch: the data's own statistics
    assert create_model("vgg11").input_spec.mean == (0.485, 0.456, 0.406)   # torchvision's weights


def test_declared_min_size_holds_for_other_columns():
    """Every Table 1 column has five pools; check C, with 1x1 convs, and a column of three pools."""
    model = VGG("C", num_classes=10, in_channels=1, width_divisor=16, pool_size=1)
    assert find_min_input_size(model, start=16) == model.input_spec.min_size == 32
    three = VGG([8, "M", 16, "M", 16, "M"], num_classes=10, in_channels=1, pool_size=1)
    assert find_min_input_size(three) == three.input_spec.min_size == 8


def test_bad_width_divisor():
    with pytest.raises(ValueError, match="width_divisor"):
        VGG("A", width_divisor=3)
