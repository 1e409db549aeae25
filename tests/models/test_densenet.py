"""Tests for cnnbook.models.densenet: torchvision parity, the paper's counts, the channel walk."""
from __future__ import annotations

import pytest
import torch
import torchvision
from torch import nn

from cnnbook.models import create_model, list_models
from cnnbook.models.densenet import (DENSENET_CONFIGS, TORCHVISION_NAMES, DenseBlock, DenseLayer, Transition,
                                     from_torchvision)
from cnnbook.models.transfer import rename_key
from cnnbook.models.validation import find_min_input_size
from helpers import count_params as n_params

from helpers import assert_transfer_matches, on_meta, randomise_batchnorm

IMAGENET_DEPTHS = (121, 169, 201)


@pytest.fixture(scope="module")
def densenet121():
    """The book's DenseNet-121 (eval mode), built once for the tests that need a real full model."""
    torch.manual_seed(0)
    return create_model("densenet121", num_classes=1000, in_channels=3).eval()


# --- ImageNet DenseNets ----------------------------------------------------------------

@pytest.mark.parametrize("depth", IMAGENET_DEPTHS)
def test_parameter_count_equals_torchvision(depth):
    tv = on_meta(lambda: getattr(torchvision.models, f"densenet{depth}")(weights=None))
    ours = on_meta(lambda: create_model(f"densenet{depth}", num_classes=1000, in_channels=3))
    assert n_params(ours) == n_params(tv)


@pytest.mark.parametrize("depth", IMAGENET_DEPTHS)
def test_from_torchvision_gives_same_outputs(depth):
    torch.manual_seed(depth)
    tv = randomise_batchnorm(getattr(torchvision.models, f"densenet{depth}")(weights=None).eval(), seed=depth)
    assert_transfer_matches(tv, from_torchvision)


def test_min_input_size_of_a_full_model(densenet121):
    assert find_min_input_size(densenet121, start=20) == densenet121.input_spec.min_size == 29


@pytest.mark.parametrize("depth", [121, 169, 201, 264])
def test_depth_follows_table1(depth):
    """1 first conv + 2 per bottleneck layer + 3 transitions + 1 FC; "264" sums to 265."""
    blocks = DENSENET_CONFIGS[depth]
    expected = 265 if depth == 264 else depth
    assert 1 + 2 * sum(blocks) + 3 + 1 == expected
    model = on_meta(lambda: create_model(f"densenet{depth}", num_classes=1000, in_channels=3))
    assert sum(isinstance(m, (nn.Conv2d, nn.Linear)) for m in model.modules()) == expected


def test_densenet264_widths():
    model = on_meta(lambda: create_model("densenet264", num_classes=1000, in_channels=3))
    c = 64                                   # 2k with k = 32
    for i, n in enumerate(DENSENET_CONFIGS[264]):
        c += n * 32                          # each dense block adds n·k channels
        if i < 3:
            c //= 2                          # θ = 0.5
    assert model.num_features == c == 2688
    with torch.no_grad():
        assert model.eval()(torch.randn(1, 3, 32, 32, device="meta")).shape == (1, 1000)


# --- CIFAR networks (Table 2) -------------------------------------------------------------

@pytest.mark.parametrize("name, paper_millions", [("densenet_bc_100_12", "0.8"), ("densenet_40_12", "1.0")])
def test_cifar_parameter_counts_match_table2(name, paper_millions):
    model = create_model(name, num_classes=10, in_channels=3)
    assert f"{n_params(model) / 1e6:.1f}" == paper_millions
    depth = int(name.split("_")[-2])
    assert sum(isinstance(m, (nn.Conv2d, nn.Linear)) for m in model.modules()) == depth


def test_densenet_bc_100_12_layout():
    model = create_model("densenet_bc_100_12", num_classes=10, in_channels=3)
    assert model.stem.conv0.out_channels == 24                  # 2k
    blocks = [m for m in model.body if isinstance(m, DenseBlock)]
    assert [len(b) for b in blocks] == [16, 16, 16]      # (100 - 4) / 6
    transitions = [m for m in model.body if isinstance(m, Transition)]
    assert [t.conv.out_channels for t in transitions] == [(24 + 16 * 12) // 2, (108 + 16 * 12) // 2]
    assert model.num_features == 150 + 16 * 12
    with pytest.raises(ValueError, match="4 \\+ 6n"):
        create_model("densenet_cifar", depth=101)


# --- the parts -----------------------------------------------------------------------

@pytest.mark.parametrize("bottleneck", [True, False])
def test_channel_walk_through_a_dense_block(bottleneck):
    c0, k, num_layers = 24, 12, 5
    block = DenseBlock(num_layers, c0, k, bottleneck=bottleneck)
    seen = []
    for layer in block.values():
        layer.register_forward_hook(lambda mod, inp, out: seen.append((inp[0].shape[1], out.shape[1])))
    out = block(torch.randn(2, c0, 8, 8))
    assert seen == [(c0 + i * k, k) for i in range(num_layers)]
    assert out.shape == (2, c0 + num_layers * k, 8, 8) and block.out_channels == c0 + num_layers * k
    convs = [m for m in block["denselayer1"].modules() if isinstance(m, nn.Conv2d)]
    if bottleneck:                           # BN-ReLU-Conv1x1(4k)-BN-ReLU-Conv3x3(k)
        assert [(c.kernel_size, c.out_channels) for c in convs] == [((1, 1), 4 * k), ((3, 3), k)]
    else:                                    # BN-ReLU-Conv3x3(k)
        assert [(c.kernel_size, c.out_channels) for c in convs] == [((3, 3), k)]


def test_dense_block_keeps_its_input():
    """Concatenation, not addition: the block's first c0 output channels are its input."""
    block = DenseBlock(3, 8, 4).eval()
    x = torch.randn(2, 8, 6, 6)
    assert torch.equal(block(x)[:, :8], x)


def test_transition_compresses_and_halves():
    t = Transition(100, 50)                  # θ = 0.5
    assert [type(m) for m in t] == [nn.BatchNorm2d, nn.ReLU, nn.Conv2d, nn.AvgPool2d]
    assert t(torch.randn(2, 100, 7, 7)).shape == (2, 50, 3, 3)


def test_compression_is_validated():
    with pytest.raises(ValueError, match="compression"):
        create_model("densenet_small", compression=0)


def test_torchvision_names():
    key = "features.denseblock2.denselayer3.conv1.weight"
    assert rename_key(key, TORCHVISION_NAMES) == "body.denseblock2.denselayer3.conv1.weight"
    assert rename_key("features.norm5.running_var", TORCHVISION_NAMES) == "norm.running_var"
    assert rename_key("features.conv0.weight", TORCHVISION_NAMES) == "stem.conv0.weight"


def test_from_torchvision_reads_the_configuration():
    """A densenet161-like net (k = 48, 96 first-conv filters, bn_size 4) is read off the model."""
    tv = torchvision.models.DenseNet(growth_rate=48, block_config=(2, 3, 4, 2), num_init_features=96,
                                     num_classes=5).eval()
    ours = from_torchvision(tv)
    assert n_params(ours) == n_params(tv)
    x = torch.randn(1, 3, 32, 32)
    with torch.no_grad():
        torch.testing.assert_close(ours(x), tv(x), rtol=1e-4, atol=1e-5)


# --- teaching model, input sizes and errors ---------------------------------------------

def test_teaching_model_is_small():
    assert n_params(create_model("densenet_small")) < 200_000


def test_bad_input_names_the_fix(densenet121):
    ours = densenet121
    with pytest.raises(ValueError, match="at least 29×29.*interpolate"):
        ours(torch.randn(1, 3, 28, 28))
    small = create_model("densenet_small", num_classes=10, in_channels=1)
    with pytest.raises(ValueError, match="in_channels=3"):
        small(torch.randn(2, 3, 32, 32))
    with pytest.raises(ValueError, match="at least 4×4"):
        small(torch.randn(2, 1, 3, 3))
    with pytest.raises(ValueError, match="expand"):
        ours(torch.randn(1, 1, 64, 64))


def test_registered_names():
    expected = {"densenet121", "densenet169", "densenet201", "densenet264", "densenet_cifar",
                "densenet_bc_100_12", "densenet_40_12", "densenet_small"}
    assert expected <= set(list_models("densenet*"))


def test_dense_layer_dropout_only_in_training():
    layer = DenseLayer(8, 4, drop_rate=0.5)
    x = torch.randn(2, 8, 4, 4)
    layer.eval()
    assert torch.equal(layer(x), layer(x))
