"""Tests for cnnbook.models.resnet: torchvision parity, the paper's counts, the degradation switch."""
from __future__ import annotations

import pytest
import torch
import torchvision
from torch import nn

from cnnbook.models import create_model, list_models
from cnnbook.models.resnet import (RESNET_CONFIGS, BasicBlock, Bottleneck, PreActBlock, ZeroPadShortcut,
                                   from_torchvision)
from cnnbook.models.resnet import TORCHVISION_NAMES
from cnnbook.models.transfer import load_by_name, rename_key
from helpers import count_params as n_params

from helpers import assert_transfer_matches, on_meta, randomise_batchnorm

IMAGENET_DEPTHS = (18, 34, 50, 101, 152)


@pytest.fixture(scope="module")
def torchvision_resnet():
    """Each torchvision ResNet (weights=None, eval mode) built once per module, on first use."""
    cache: dict[int, nn.Module] = {}

    def get(depth: int) -> nn.Module:
        if depth not in cache:
            torch.manual_seed(depth)
            cache[depth] = getattr(torchvision.models, f"resnet{depth}")(weights=None).eval()
        return cache[depth]

    yield get
    cache.clear()


# --- ImageNet ResNets: torchvision parity and Table 1 -----------------------------------

@pytest.mark.parametrize("depth", IMAGENET_DEPTHS)
def test_parameter_count_equals_torchvision(depth):
    tv = on_meta(lambda: getattr(torchvision.models, f"resnet{depth}")(weights=None))
    for name in (f"resnet{depth}", f"resnet{depth}_paper"):
        if name in list_models():
            ours = on_meta(lambda: create_model(name, num_classes=1000, in_channels=3))
            assert n_params(ours) == n_params(tv), name


@pytest.mark.parametrize("depth", IMAGENET_DEPTHS)
def test_depth_matches_table1(depth):
    """Weighted layers on the main path (convs outside the shortcuts, plus the FC) = the name."""
    ours = on_meta(lambda: create_model(f"resnet{depth}", num_classes=1000, in_channels=3))
    layers = [n for n, m in ours.named_modules()
              if isinstance(m, (nn.Conv2d, nn.Linear)) and "shortcut" not in n]
    assert len(layers) == depth
    block, blocks = RESNET_CONFIGS[depth]
    assert [len(stage) for stage in ours.stages] == list(blocks)
    assert all(isinstance(b, block) for stage in ours.stages for b in stage)
    assert list(dict(ours.stages.named_children())) == ["conv2_x", "conv3_x", "conv4_x", "conv5_x"]


@pytest.mark.parametrize("depth", IMAGENET_DEPTHS)
def test_from_torchvision_gives_same_outputs(torchvision_resnet, depth):
    tv = randomise_batchnorm(torchvision_resnet(depth), seed=depth)
    assert_transfer_matches(tv, from_torchvision)


def test_paper_stride_placement_changes_outputs_only(torchvision_resnet):
    """resnet50_paper has torchvision's tensors (same shapes) but computes another function."""
    tv = torchvision_resnet(50)
    paper = create_model("resnet50_paper", num_classes=1000, in_channels=3).eval()
    load_by_name(paper, tv, TORCHVISION_NAMES)   # succeeds: only the stride moved
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        assert not torch.allclose(paper(x), tv(x), atol=1e-3)


def test_torchvision_names_are_the_papers_stages():
    assert rename_key("layer1.0.downsample.0.weight", TORCHVISION_NAMES) == "stages.conv2_x.0.shortcut.0.weight"
    assert rename_key("layer4.1.conv1.weight", TORCHVISION_NAMES) == "stages.conv5_x.1.conv1.weight"
    assert rename_key("conv1.weight", TORCHVISION_NAMES) == "stem.0.weight"
    assert rename_key("fc.bias", TORCHVISION_NAMES) == "fc.bias"


def test_from_torchvision_refuses_other_models():
    with pytest.raises(ValueError, match="size mismatch"), torch.device("meta"):
        from_torchvision(torchvision.models.wide_resnet50_2(weights=None))


# --- the blocks ----------------------------------------------------------------------

def test_bottleneck_stride_option():
    paper = Bottleneck(256, 128, stride=2)                          # default: the paper
    tv = Bottleneck(256, 128, stride=2, stride_in_1x1=False)        # torchvision / v1.5
    assert paper.conv1.stride == (2, 2) and paper.conv2.stride == (1, 1)
    assert tv.conv1.stride == (1, 1) and tv.conv2.stride == (2, 2)
    assert n_params(paper) == n_params(tv)
    x = torch.randn(2, 256, 8, 8)
    assert paper(x).shape == tv(x).shape == (2, 512, 4, 4)


def test_shortcut_options():
    # option B: projection (1x1 conv + BN) only where the shape changes
    assert isinstance(BasicBlock(64, 64).shortcut, nn.Identity)
    proj = BasicBlock(64, 128, stride=2).shortcut
    assert isinstance(proj[0], nn.Conv2d) and proj[0].kernel_size == (1, 1) and proj[0].stride == (2, 2)
    assert isinstance(proj[1], nn.BatchNorm2d)
    assert isinstance(Bottleneck(64, 64).shortcut, nn.Sequential)   # 64 -> 256 channels
    # option A: no parameters at all; option C: projection everywhere; None: plain
    assert n_params(BasicBlock(16, 32, 2, shortcut="A")) == n_params(BasicBlock(16, 32, 2, shortcut=None))
    assert isinstance(BasicBlock(64, 64, shortcut="C").shortcut, nn.Sequential)
    assert BasicBlock(64, 64, shortcut=None).shortcut is None
    with pytest.raises(ValueError, match="'A', 'B', 'C' or None"):
        BasicBlock(64, 64, shortcut="D")


def test_zero_pad_shortcut():
    x = torch.randn(2, 16, 7, 7)
    y = ZeroPadShortcut(16, 32, stride=2)(x)
    assert y.shape == (2, 32, 4, 4)                       # 7 -> 4, like a padded 3x3/2 conv
    assert torch.equal(y[:, :16], x[:, :, ::2, ::2])
    assert torch.count_nonzero(y[:, 16:]) == 0


def test_basic_block_relu_acts_on_the_sum():
    """With F(x) = 0 (last BN's gamma = beta = 0) the block outputs ReLU(x)."""
    block = BasicBlock(8, 8).eval()
    nn.init.zeros_(block.bn2.weight)
    x = torch.randn(2, 8, 5, 5)
    assert torch.equal(block(x), torch.relu(x))


def test_preact_block_has_clean_identity_path():
    """With F(x) = 0 a pre-activation unit passes x through untouched, negatives included."""
    block = PreActBlock(8, 8).eval()
    nn.init.zeros_(block.conv2.weight)
    x = torch.randn(2, 8, 5, 5)
    assert torch.equal(block(x), x)
    block = PreActBlock(8, 16, stride=2)                  # projection reads ReLU(BN(x))
    assert isinstance(block.shortcut, nn.Conv2d) and block.shortcut_reads_preactivation
    assert block(x).shape == (2, 16, 3, 3)


def test_preact_resnet18():
    model = create_model("preact_resnet18", num_classes=10, in_channels=3)
    assert isinstance(model.post[0], nn.BatchNorm2d)      # the extra BN-ReLU after the last unit
    assert all(isinstance(b, PreActBlock) for stage in model.stages for b in stage)
    assert model(torch.randn(2, 3, 32, 32)).shape == (2, 10)
    small = create_model("preact_resnet18", num_classes=10, in_channels=1, stem="small")
    assert small.input_spec.size == 32 and small.input_spec.mean is None


# --- CIFAR networks (section 4.2) -----------------------------------------------------

@pytest.mark.parametrize("depth, paper_millions", [(20, "0.27"), (32, "0.46"), (44, "0.66"),
                                                   (56, "0.85"), (110, "1.7")])
def test_cifar_parameter_counts_match_table6(depth, paper_millions):
    model = create_model(f"resnet_cifar{depth}", num_classes=10, in_channels=3)
    decimals = len(paper_millions.split(".")[1])
    assert f"{n_params(model) / 1e6:.{decimals}f}" == paper_millions
    layers = [m for n, m in model.named_modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    assert len(layers) == depth                           # option A adds no layers
    assert [m.out_channels for m in model.modules() if isinstance(m, nn.Conv2d)][-1] == 64


def test_cifar_depth_must_be_6n_plus_2():
    with pytest.raises(ValueError, match="6n \\+ 2"):
        create_model("resnet_cifar", depth=21)


@pytest.mark.parametrize("depth", [20, 56])
def test_degradation_switch(depth):
    """plain-d and ResNet-d: identical parameters, so the same weights; only the shortcuts differ."""
    torch.manual_seed(0)
    residual = create_model(f"resnet_cifar{depth}", num_classes=10, in_channels=3).eval()
    plain = create_model("resnet_cifar", num_classes=10, in_channels=3, depth=depth, shortcuts=False).eval()
    assert n_params(plain) == n_params(residual)
    assert all(b.shortcut is None for stage in plain.stages for b in stage)
    assert sum(isinstance(m, ZeroPadShortcut) for m in residual.modules()) == 2   # into 32 and 64 filters
    plain.load_state_dict(residual.state_dict())
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        assert not torch.allclose(plain(x), residual(x), atol=1e-3)
    assert n_params(create_model(f"plain_cifar{depth}", num_classes=10, in_channels=3)) == n_params(plain)


# --- teaching model, input sizes and errors ---------------------------------------------

def test_resnet_small_is_small():
    model = create_model("resnet_small", num_classes=10, in_channels=1)
    assert n_params(model) < 1_000_000
    assert [len(s) for s in model.stages] == [2, 2, 2, 2]


def test_registered_names():
    names = set(list_models())
    expected = {f"resnet{d}" for d in IMAGENET_DEPTHS}
    expected |= {"resnet50_paper", "resnet101_paper", "resnet152_paper", "preact_resnet18",
                 "resnet_cifar", "preact_resnet_cifar110", "resnet_small"}
    expected |= {f"{kind}_cifar{d}" for kind in ("resnet", "plain") for d in (20, 32, 44, 56, 110)}
    assert expected <= names
