"""ResNet: residual learning, the ImageNet networks of Table 1, the CIFAR nets and pre-activation.

Papers: K. He, X. Zhang, S. Ren, J. Sun, "Deep Residual Learning for Image
Recognition", CVPR 2016 (``he2016deep``); K. He, X. Zhang, S. Ren, J. Sun,
"Identity Mappings in Deep Residual Networks", ECCV 2016 (``he2016identity``).

A residual block learns F(x) and outputs y = ReLU(F(x) + x): the stacked layers
fit the *residual* F(x) = H(x) - x of the wanted mapping H(x), and the shortcut
carries x through unchanged. Where the shape changes (more channels, stride 2)
the shortcut cannot be the identity; the paper's options are

* **A** -- identity, with zero-padded extra channels (no parameters);
* **B** -- a 1x1 projection W_s x (conv + BN) only where the shape changes;
* **C** -- a projection on every shortcut.

What lives here:

* the blocks, from :mod:`cnnbook.models.resnet_blocks`: :class:`BasicBlock` (two
  3x3 convs) and :class:`Bottleneck` (1x1, 3x3, 1x1 with expansion 4),
  post-activation as in ``he2016deep``, and :class:`PreActBlock`, the
  pre-activation unit of ``he2016identity``;
* :class:`ResNet`, one class for all of them, configured by data:
  :data:`RESNET_CONFIGS` is the paper's Table 1, the CIFAR networks of section
  4.2 are ``3`` stages of 16/32/64 filters with 6n+2 layers, and
  ``shortcuts=False`` turns any of them into the *plain* network of the same
  depth (the degradation experiment of Fig. 1 and Fig. 6);
* :func:`from_torchvision`, which loads a torchvision ResNet-18/34/50/101/152
  into the book's model by name (:data:`TORCHVISION_NAMES`: torchvision's
  ``layer1`` is the paper's ``conv2_x``, its ``downsample`` the paper's
  shortcut). Pretrained weights: ``from_torchvision(
  cnnbook.models.transfer.load_pretrained("resnet50"))``.

**Stride placement.** The paper's bottleneck puts the stride 2 of the first
block of conv3_x, conv4_x and conv5_x in its *first 1x1* convolution;
torchvision ("ResNet v1.5") puts it in the *3x3* convolution, which sees every
input pixel instead of a quarter of them and is slightly more accurate.
:class:`Bottleneck` defaults to the paper (``stride_in_1x1=True``); the
registered ``"resnet50"``, ``"resnet101"`` and ``"resnet152"`` use the
torchvision placement so that ImageNet weights transfer, and
``"resnet50_paper"`` etc. use the paper's. Parameter counts are identical;
outputs differ.

Initialisation everywhere is torchvision's (:func:`~cnnbook.models.init.kaiming_bn_`):
Kaiming-normal convolutions (``mode="fan_out"``, ReLU gain), BatchNorm gamma = 1
and beta = 0, PyTorch's default for the final linear layer. The paper uses the same Kaiming (He et al.
2015) initialisation.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Sequence, Union

import torch
from torch import nn

from .init import kaiming_bn_
from .resnet_blocks import (BasicBlock, Bottleneck, PreActBlock, Shortcut, ZeroPadShortcut,  # noqa: F401
                            conv3x3, make_shortcut)
from .registry import register_model
from .transfer import load_by_name
from .validation import IMAGENET_MEAN, IMAGENET_STD, DeclaredInput, InputSpec, check_input

__all__ = ["BasicBlock", "Bottleneck", "PreActBlock", "ZeroPadShortcut", "make_shortcut", "ResNet",
           "RESNET_CONFIGS", "TORCHVISION_NAMES", "cifar_blocks_per_stage", "from_torchvision"]

Block = Union[type[BasicBlock], type[Bottleneck], type[PreActBlock]]

#: Table 1 of ``he2016deep``: block type and number of blocks in conv2_x ... conv5_x.
#: Depth = 2 (first conv, FC) + blocks x convs per block, e.g. 2 + 16 x 3 = 50.
RESNET_CONFIGS: dict[int, tuple[Block, tuple[int, ...]]] = {
    18: (BasicBlock, (2, 2, 2, 2)),
    34: (BasicBlock, (3, 4, 6, 3)),
    50: (Bottleneck, (3, 4, 6, 3)),
    101: (Bottleneck, (3, 4, 23, 3)),
    152: (Bottleneck, (3, 8, 36, 3)),
}

#: Filters per stage of the CIFAR networks (section 4.2): 16, 32, 64 on 32, 16, 8 pixel maps.
CIFAR_WIDTHS = (16, 32, 64)


def cifar_blocks_per_stage(depth: int) -> int:
    """n for the CIFAR networks of section 4.2: depth = 6n + 2 (first conv, 3 x 2n convs, FC)."""
    if depth < 8 or (depth - 2) % 6:
        raise ValueError(f"CIFAR ResNets have depth 6n + 2 (20, 32, 44, 56, 110, ...); got {depth}")
    return (depth - 2) // 6


class ResNet(DeclaredInput, nn.Module):
    """A ResNet built from a block type and the number of blocks per stage.

    ``stem="imagenet"`` is the paper's conv1 (7x7/2, 64 filters) and 3x3/2 max
    pool, so a 224x224 image reaches conv2_x at 56x56. ``stem="small"`` is a
    single 3x3/1 convolution, as in the CIFAR networks of section 4.2. Each
    stage after the first halves H and W in its first block (stride 2) and the
    network ends with global average pooling and one fully connected layer.

    =================  =======================  ================================
    argument           ImageNet (Table 1)       CIFAR (section 4.2)
    =================  =======================  ================================
    ``widths``         64, 128, 256, 512        16, 32, 64
    ``blocks``         e.g. 3, 4, 6, 3          n, n, n (depth 6n + 2)
    ``stem``           ``"imagenet"``           ``"small"``
    ``shortcut``       ``"B"``                  ``"A"``
    =================  =======================  ================================

    ``shortcut=None`` removes every shortcut: the plain network of the same
    depth. With option A the residual and plain nets have the same parameters.

    With :class:`PreActBlock` the stem is only the convolution (and max pool;
    the first unit normalises its own input) and a final BN-ReLU follows the
    last unit (``he2016identity`` section 4.1).

    Any input of at least 1x1 pixel works: every convolution is padded, strided
    layers round up and the final pooling is adaptive. The ImageNet stem is meant
    for 224 px and ImageNet statistics, the small stem for 32 px.
    """

    input_spec = InputSpec(size=224, min_size=1, mean=IMAGENET_MEAN, std=IMAGENET_STD)
    small_input_spec = InputSpec(size=32, min_size=1)

    def __init__(self, block: Block, blocks: Sequence[int], *, widths: Sequence[int] = (64, 128, 256, 512),
                 num_classes: int = 1000, in_channels: int = 3, stem: str = "imagenet",
                 shortcut: Shortcut = "B", stride_in_1x1: bool = True):
        super().__init__()
        if len(widths) != len(blocks):
            raise ValueError(f"need one width per stage: {len(blocks)} stages, {len(widths)} widths")
        preact = block is PreActBlock
        self.in_channels = in_channels
        if stem == "small":
            self.input_spec = self.small_input_spec
        self.stem = self._make_stem(stem, in_channels, widths[0], preact)

        stages, channels = [], widths[0]
        for s, (num_blocks, width) in enumerate(zip(blocks, widths)):
            layers = []
            for b in range(num_blocks):
                stride = 2 if s > 0 and b == 0 else 1
                extra = {"stride_in_1x1": stride_in_1x1} if block is Bottleneck else {}
                layers.append(block(channels, width, stride, shortcut=shortcut, **extra))
                channels = width * block.expansion
            stages.append((f"conv{s + 2}_x", nn.Sequential(*layers)))   # the paper's stage names
        self.stages = nn.Sequential(OrderedDict(stages))

        # Pre-activation nets end with the BN-ReLU that the last unit does not apply.
        self.post = nn.Sequential(nn.BatchNorm2d(channels), nn.ReLU()) if preact else nn.Identity()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(channels, num_classes)
        self.num_features = channels

        kaiming_bn_(self, mode="fan_out")         # torchvision's (and the paper's) initialisation

    @staticmethod
    def _make_stem(kind: str, in_channels: int, channels: int, preact: bool) -> nn.Sequential:
        if kind == "imagenet":
            layers = [nn.Conv2d(in_channels, channels, kernel_size=7, stride=2, padding=3, bias=False)]
            if not preact:
                layers += [nn.BatchNorm2d(channels), nn.ReLU()]
            layers.append(nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
        elif kind == "small":
            layers = [conv3x3(in_channels, channels)]
            if not preact:
                layers += [nn.BatchNorm2d(channels), nn.ReLU()]
        else:
            raise ValueError(f"stem must be 'imagenet' (7x7/2 conv + max pool) or 'small' "
                             f"(3x3 conv, for 32x32 images), got {kind!r}")
        return nn.Sequential(*layers)

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x)               # (N, w_1, H/4, W/4); "small" stem: (N, w_1, H, W)
        x = self.stages(x)             # conv2_x ... conv5_x; each stage after the first halves H and W
        return self.post(x)            # pre-activation nets only: the final BN-ReLU

    def forward_head(self, x: torch.Tensor) -> torch.Tensor:
        x = self.pool(x).flatten(1)    # (N, w_last·e): global average pooling
        return self.fc(x)              # (N, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_input(self, x)
        return self.forward_head(self.forward_features(x))


def _imagenet_resnet(depth: int, num_classes: int, in_channels: int, *,
                     stride_in_1x1: bool, **kwargs) -> ResNet:
    block, blocks = RESNET_CONFIGS[depth]
    return ResNet(block, blocks, num_classes=num_classes, in_channels=in_channels,
                  stride_in_1x1=stride_in_1x1, **kwargs)


#: torchvision's names for the parts of a ResNet -> the book's (the paper's) names.
#: An entry renames the start of a state-dict key; one with a leading dot renames
#: that part anywhere (see :func:`~cnnbook.models.transfer.rename_key`).
TORCHVISION_NAMES = {
    "conv1": "stem.0",                  # conv1, 7x7/2
    "bn1": "stem.1",
    "layer1": "stages.conv2_x",
    "layer2": "stages.conv3_x",
    "layer3": "stages.conv4_x",
    "layer4": "stages.conv5_x",
    ".downsample": ".shortcut",         # the projection shortcut W_s (option B)
}


def from_torchvision(tv_model: nn.Module) -> ResNet:
    """The book's ResNet with the weights (and BN statistics) of a torchvision ResNet-18 ... 152.

    The architecture is read off ``tv_model`` (block type, blocks per stage,
    classes, input channels); the result uses torchvision's stride placement
    (``stride_in_1x1=False``) so it computes the same function. Wide ResNets and
    ResNeXts are refused with a shape mismatch.
    """
    from torchvision.models import resnet as tv_resnet

    first = tv_model.layer1[0]
    if isinstance(first, tv_resnet.Bottleneck):
        block = Bottleneck
    elif isinstance(first, tv_resnet.BasicBlock):
        block = BasicBlock
    else:
        raise TypeError(f"expected a torchvision ResNet, got {type(tv_model).__name__}")
    blocks = tuple(len(getattr(tv_model, f"layer{i}")) for i in range(1, 5))
    model = ResNet(block, blocks, num_classes=tv_model.fc.out_features,
                   in_channels=tv_model.conv1.in_channels, stride_in_1x1=False)
    return load_by_name(model, tv_model, TORCHVISION_NAMES).train(tv_model.training)


# --- the registry -------------------------------------------------------------------

@register_model
def resnet18(num_classes: int = 1000, in_channels: int = 3, **kwargs) -> ResNet:
    """ResNet-18 of Table 1 (basic blocks 2-2-2-2), torchvision-compatible."""
    return _imagenet_resnet(18, num_classes, in_channels, stride_in_1x1=False, **kwargs)


@register_model
def resnet34(num_classes: int = 1000, in_channels: int = 3, **kwargs) -> ResNet:
    """ResNet-34 of Table 1 (basic blocks 3-4-6-3), torchvision-compatible."""
    return _imagenet_resnet(34, num_classes, in_channels, stride_in_1x1=False, **kwargs)


@register_model
def resnet50(num_classes: int = 1000, in_channels: int = 3, stride_in_1x1: bool = False,
             **kwargs) -> ResNet:
    """ResNet-50 (bottlenecks 3-4-6-3), stride in the 3x3 conv as torchvision; see ``resnet50_paper``."""
    return _imagenet_resnet(50, num_classes, in_channels, stride_in_1x1=stride_in_1x1, **kwargs)


@register_model
def resnet101(num_classes: int = 1000, in_channels: int = 3, stride_in_1x1: bool = False,
              **kwargs) -> ResNet:
    """ResNet-101 (bottlenecks 3-4-23-3), stride in the 3x3 conv as torchvision."""
    return _imagenet_resnet(101, num_classes, in_channels, stride_in_1x1=stride_in_1x1, **kwargs)


@register_model
def resnet152(num_classes: int = 1000, in_channels: int = 3, stride_in_1x1: bool = False,
              **kwargs) -> ResNet:
    """ResNet-152 (bottlenecks 3-8-36-3), stride in the 3x3 conv as torchvision."""
    return _imagenet_resnet(152, num_classes, in_channels, stride_in_1x1=stride_in_1x1, **kwargs)


@register_model
def resnet50_paper(num_classes: int = 1000, in_channels: int = 3, **kwargs) -> ResNet:
    """ResNet-50 exactly as the paper: stride 2 in the bottleneck's first 1x1 conv."""
    return _imagenet_resnet(50, num_classes, in_channels, stride_in_1x1=True, **kwargs)


@register_model
def resnet101_paper(num_classes: int = 1000, in_channels: int = 3, **kwargs) -> ResNet:
    """ResNet-101 exactly as the paper: stride 2 in the bottleneck's first 1x1 conv."""
    return _imagenet_resnet(101, num_classes, in_channels, stride_in_1x1=True, **kwargs)


@register_model
def resnet152_paper(num_classes: int = 1000, in_channels: int = 3, **kwargs) -> ResNet:
    """ResNet-152 exactly as the paper: stride 2 in the bottleneck's first 1x1 conv."""
    return _imagenet_resnet(152, num_classes, in_channels, stride_in_1x1=True, **kwargs)


@register_model
def preact_resnet18(num_classes: int = 1000, in_channels: int = 3, stem: str = "imagenet",
                    **kwargs) -> ResNet:
    """ResNet-18's layout with the pre-activation units of ``he2016identity``.

    ``stem="small"`` gives the 3x3-stem variant commonly trained on CIFAR.
    """
    return ResNet(PreActBlock, RESNET_CONFIGS[18][1], num_classes=num_classes,
                  in_channels=in_channels, stem=stem, **kwargs)


@register_model
def resnet_cifar(num_classes: int = 10, in_channels: int = 3, depth: int = 20, shortcuts: bool = True,
                 preact: bool = False, shortcut: Shortcut = "A") -> ResNet:
    """The CIFAR-10 networks of ``he2016deep`` section 4.2: 6n+2 layers, 16/32/64 filters.

    Option A shortcuts (zero-padding identity), as in the paper, so every
    network has the parameters of its plain counterpart. ``shortcuts=False``
    gives that plain net (Fig. 6, left); ``preact=True`` uses the pre-activation
    units of ``he2016identity``; ``shortcut="B"`` swaps in 1x1 projections.
    Paper parameter counts (Table 6): 20 -> 0.27M, 32 -> 0.46M, 44 -> 0.66M,
    56 -> 0.85M, 110 -> 1.7M.
    """
    n = cifar_blocks_per_stage(depth)
    return ResNet(PreActBlock if preact else BasicBlock, (n, n, n), widths=CIFAR_WIDTHS,
                  num_classes=num_classes, in_channels=in_channels, stem="small",
                  shortcut=shortcut if shortcuts else None)


@register_model
def resnet_cifar20(**kwargs) -> ResNet:
    """CIFAR ResNet-20 (section 4.2, option A shortcuts)."""
    return resnet_cifar(depth=20, **kwargs)


@register_model
def plain_cifar20(**kwargs) -> ResNet:
    """CIFAR plain-20: ResNet-20 without its shortcuts (Fig. 6)."""
    return resnet_cifar(depth=20, shortcuts=False, **kwargs)


@register_model
def resnet_cifar32(**kwargs) -> ResNet:
    """CIFAR ResNet-32 (section 4.2, option A shortcuts)."""
    return resnet_cifar(depth=32, **kwargs)


@register_model
def plain_cifar32(**kwargs) -> ResNet:
    """CIFAR plain-32: ResNet-32 without its shortcuts (Fig. 6)."""
    return resnet_cifar(depth=32, shortcuts=False, **kwargs)


@register_model
def resnet_cifar44(**kwargs) -> ResNet:
    """CIFAR ResNet-44 (section 4.2, option A shortcuts)."""
    return resnet_cifar(depth=44, **kwargs)


@register_model
def plain_cifar44(**kwargs) -> ResNet:
    """CIFAR plain-44: ResNet-44 without its shortcuts (Fig. 6)."""
    return resnet_cifar(depth=44, shortcuts=False, **kwargs)


@register_model
def resnet_cifar56(**kwargs) -> ResNet:
    """CIFAR ResNet-56 (section 4.2, option A shortcuts)."""
    return resnet_cifar(depth=56, **kwargs)


@register_model
def plain_cifar56(**kwargs) -> ResNet:
    """CIFAR plain-56: ResNet-56 without its shortcuts (Fig. 6)."""
    return resnet_cifar(depth=56, shortcuts=False, **kwargs)


@register_model
def resnet_cifar110(**kwargs) -> ResNet:
    """CIFAR ResNet-110 (section 4.2, option A shortcuts)."""
    return resnet_cifar(depth=110, **kwargs)


@register_model
def plain_cifar110(**kwargs) -> ResNet:
    """CIFAR plain-110: ResNet-110 without its shortcuts (Fig. 6)."""
    return resnet_cifar(depth=110, shortcuts=False, **kwargs)


@register_model
def preact_resnet_cifar110(num_classes: int = 10, in_channels: int = 3, **kwargs) -> ResNet:
    """The pre-activation CIFAR ResNet-110 of ``he2016identity`` (basic units, option A here)."""
    return resnet_cifar(num_classes, in_channels, depth=110, preact=True, **kwargs)


@register_model
def resnet_small(num_classes: int = 10, in_channels: int = 1, **kwargs) -> ResNet:
    """Teaching size: ResNet-18's layout (2-2-2-2 basic blocks) at 1/4 width, 3x3 stem.

    Widths 16/32/64/128 and no stem downsampling, so 32x32 grey images reach
    the last stage at 4x4; about 0.7M parameters and fast to train on a CPU.
    Not from a paper: it is Table 1's ResNet-18 sized for Fashion-MNIST.
    """
    return ResNet(BasicBlock, RESNET_CONFIGS[18][1], widths=(16, 32, 64, 128), num_classes=num_classes,
                  in_channels=in_channels, stem="small", **kwargs)
