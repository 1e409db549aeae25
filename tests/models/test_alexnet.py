"""Tests for cnnbook.models.alexnet: paper counts, LRN constant, torchvision parity, guards."""
from __future__ import annotations

import pytest
import torch
import torchvision
from torch import nn

from cnnbook.models import create_model, list_models
from cnnbook.models.alexnet import (ALEXNET_PAPER, ALEXNET_PAPER_224, AlexNet, AlexNetPaper, from_torchvision,
                                    paper_lrn)
from cnnbook.models.validation import find_max_input_size, find_min_input_size
from helpers import count_params as n_params


def conv_params(c_in: int, c_out: int, k: int, groups: int = 1) -> int:
    """A k x k convolution: each of c_out kernels sees c_in / groups maps, plus one bias each."""
    return c_out * (c_in // groups) * k * k + c_out


def fc_params(n_in: int, n_out: int) -> int:
    return n_in * n_out + n_out


def paper_count(num_classes: int = 1000, groups: int = 1) -> int:
    """Section 3.5 of the paper, layer by layer (groups=2: conv2, conv4, conv5 see one GPU's half)."""
    return (conv_params(3, 96, 11)                     # conv1: 96 kernels 11x11x3
            + conv_params(96, 256, 5, groups)           # conv2: 256 kernels 5x5x48 on two GPUs
            + conv_params(256, 384, 3)                  # conv3: 384 kernels 3x3x256 (crosses GPUs)
            + conv_params(384, 384, 3, groups)          # conv4: 384 kernels 3x3x192
            + conv_params(384, 256, 3, groups)          # conv5: 256 kernels 3x3x192
            + fc_params(256 * 6 * 6, 4096) + fc_params(4096, 4096) + fc_params(4096, num_classes))


def meta(name: str, **kwargs) -> nn.Module:
    """Build on the meta device: shapes only, no memory, no init time."""
    with torch.device("meta"):
        return create_model(name, **kwargs)


@pytest.fixture(scope="module")
def paper_model() -> AlexNetPaper:
    torch.manual_seed(0)
    return create_model("alexnet_paper", num_classes=1000, in_channels=3).eval()


@pytest.fixture(scope="module")
def tv_pair():
    torch.manual_seed(0)
    tv = torchvision.models.alexnet(weights=None, num_classes=7).eval()
    return tv, from_torchvision(tv).eval()


def test_registered_names():
    names = set(list_models("alexnet*"))
    assert {"alexnet", "alexnet_paper", "alexnet_paper_2gpu", "alexnet_notes", "alexnet_d2l",
            "alexnet_small"} <= names


# --- the 2012 paper ------------------------------------------------------------------

def test_lrn_constant_matches_paper_formula():
    """b_i = a_i / (k + alpha * sum_{|j-i| <= n/2} a_j^2)^beta with k=2, n=5, alpha=1e-4, beta=0.75."""
    torch.manual_seed(0)
    a = torch.randn(2, 12, 4, 4) * 30      # large activations so that the sum matters
    k, n, alpha, beta = 2.0, 5, 1e-4, 0.75
    channels = a.shape[1]
    expected = torch.empty_like(a)
    for i in range(channels):
        lo, hi = max(0, i - n // 2), min(channels - 1, i + n // 2)
        s = (a[:, lo:hi + 1] ** 2).sum(dim=1)
        expected[:, i] = a[:, i] / (k + alpha * s) ** beta
    got = paper_lrn()(a)
    assert torch.allclose(got, expected, rtol=1e-5, atol=1e-6)
    # ... and the naive constant (PyTorch's alpha = 1e-4) would be wrong:
    naive = nn.LocalResponseNorm(n, alpha=1e-4, beta=beta, k=k)(a)
    assert not torch.allclose(naive, expected, rtol=1e-3)


@pytest.mark.parametrize("name, groups", [("alexnet_paper", 1), ("alexnet_paper_2gpu", 2)])
def test_paper_param_count_from_layer_formula(name, groups):
    model = meta(name)
    assert n_params(model) == paper_count(1000, groups)
    # The numbers quoted in the module docstring.
    assert n_params(model) == {1: 62_378_344, 2: 60_965_224}[groups]


def test_two_gpu_grouping_is_closer_to_the_papers_60_million():
    plain = n_params(meta("alexnet_paper", num_classes=1000, in_channels=3))
    grouped = n_params(meta("alexnet_paper_2gpu", num_classes=1000, in_channels=3))
    assert abs(grouped - 60e6) < abs(plain - 60e6)
    # Grouping saves half the weights of conv2, conv4 and conv5, nothing else.
    assert plain - grouped == (96 * 256 * 25 + 384 * 384 * 9 + 384 * 256 * 9) // 2
    m = meta("alexnet_paper_2gpu", num_classes=1000, in_channels=3)
    assert [c.groups for c in (m.conv1, m.conv2, m.conv3, m.conv4, m.conv5)] == [1, 2, 1, 2, 2]


@pytest.mark.parametrize("config, size", [(ALEXNET_PAPER, 227), (ALEXNET_PAPER_224, 224)])
def test_paper_conv1_gives_55x55(config, size):
    with torch.device("meta"):
        model = AlexNetPaper(config=config)
    out = model.conv1(torch.zeros(1, 3, size, size, device="meta"))
    assert tuple(out.shape) == (1, 96, 55, 55)


def test_paper_forward(paper_model):
    with torch.no_grad():
        assert paper_model(torch.randn(1, 3, 227, 227)).shape == (1, 1000)


def test_224_configuration_declares_its_true_range():
    """The fixed 9216-input head caps the size too: 223-254 with 2 pixels of padding."""
    with torch.device("meta"):
        model = AlexNetPaper(num_classes=10, config=ALEXNET_PAPER_224).eval()
    spec = model.input_spec
    assert (spec.min_size, spec.max_size) == (223, 254)
    assert find_min_input_size(model, start=220, stop=230) == 223
    assert find_max_input_size(model, start=250, stop=260) == 254


def test_paper_init_option():
    model = AlexNetPaper(num_classes=10, init="paper")
    assert all(float(m.bias.detach().abs().max()) == 0 for m in (model.conv1, model.conv3, model.fc8))
    assert all(bool((m.bias == 1).all()) for m in (model.conv2, model.conv4, model.conv5,
                                                   model.fc6, model.fc7))
    assert abs(float(model.fc6.weight.detach().std()) - 0.01) < 1e-3


# --- torchvision's single-column AlexNet ---------------------------------------------

def test_param_count_equals_torchvision():
    with torch.device("meta"):
        tv = torchvision.models.alexnet(weights=None)
    ours = meta("alexnet", num_classes=1000, in_channels=3)
    assert n_params(ours) == n_params(tv) == 61_100_840
    assert [(k, v.shape) for k, v in ours.state_dict().items()] == \
           [(k, v.shape) for k, v in tv.state_dict().items()]


def test_from_torchvision_outputs_match(tv_pair):
    tv, ours = tv_pair
    x = torch.randn(2, 3, 63, 63)                 # the smallest size torchvision's AlexNet takes
    assert isinstance(ours, AlexNet) and ours.classifier[-1].out_features == 7
    assert not ours.training
    with torch.no_grad():
        expected = tv(x)
        assert torch.allclose(ours(x), expected)


# --- d2l's version and the teaching model --------------------------------------------

def layer_count(widths, fc, grid, in_channels, num_classes):
    """The paper layout's parameters, layer by layer, for any widths, FC width and last map size."""
    c = (in_channels, *widths)
    kernels = (11, 5, 3, 3, 3)
    return (sum(conv_params(c[i], c[i + 1], kernels[i]) for i in range(5))
            + fc_params(widths[-1] * grid * grid, fc) + fc_params(fc, fc) + fc_params(fc, num_classes))


@pytest.mark.parametrize("name, widths, fc, grid, in_channels, classes, expected", [
    # d2l's (Sec. 8.1): the paper's widths, padding 1 on 224, so a 5x5 last map (6400 features)
    ("alexnet_d2l", (96, 256, 384, 384, 256), 4096, 5, 1, 10, 46_764_746),
    # the study notes' class (seed 002): 227, no padding, one GPU's half widths, FC 2048
    ("alexnet_notes", (48, 128, 192, 192, 128), 2048, 6, 3, 1000, 16_630_440),
])
def test_configurations_count_their_layers(name, widths, fc, grid, in_channels, classes, expected):
    model = meta(name)
    assert n_params(model) == layer_count(widths, fc, grid, in_channels, classes) == expected
    size = model.input_spec.size
    out = model.forward_features(torch.zeros(1, in_channels, size, size, device="meta"))
    assert out.shape[1:] == (widths[-1], grid, grid)


def test_d2l_last_map_and_the_notes_without_lrn():
    model = meta("alexnet_d2l")
    for size, final in [(224, 5), (193, 5), (192, 4)]:
        assert model.forward_features(torch.zeros(1, 1, size, size, device="meta")).shape[-1] == final
    assert not isinstance(meta("alexnet_notes").lrn1, nn.LocalResponseNorm)


def test_small_is_a_configuration_of_the_paper_layout():
    model = create_model("alexnet_small")
    assert type(model) is AlexNetPaper and n_params(model) == 809_098
    assert model.forward_features(torch.zeros(1, 1, 64, 64)).shape[1:] == (64, 3, 3)
