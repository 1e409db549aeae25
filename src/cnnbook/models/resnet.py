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

* :class:`BasicBlock` (two 3x3 convs) and :class:`Bottleneck` (1x1, 3x3, 1x1
  with expansion 4), post-activation as in ``he2016deep``;
* :class:`PreActBlock`, the pre-activation unit of ``he2016identity``;
* :class:`ResNet`, one class for all of them, configured by data:
  :data:`RESNET_CONFIGS` is the paper's Table 1, the CIFAR networks of section
  4.2 are ``3`` stages of 16/32/64 filters with 6n+2 layers, and
  ``shortcuts=False`` turns any of them into the *plain* network of the same
  depth (the degradation experiment of Fig. 1 and Fig. 6);
* :func:`from_torchvision`, which copies a torchvision ResNet-18/34/50/101/152
  into the book's model. Pretrained weights: ``from_torchvision(
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

Initialisation everywhere is torchvision's: Kaiming-normal convolutions
(``mode="fan_out"``, ReLU gain), BatchNorm gamma = 1 and beta = 0, PyTorch's
default for the final linear layer. The paper uses the same Kaiming (He et al.
2015) initialisation.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Optional, Sequence, Union

import torch
from torch import nn
import torch.nn.functional as F

from .registry import register
from .transfer import copy_state_in_order
from .validation import guard_input

__all__ = ["BasicBlock", "Bottleneck", "PreActBlock", "ZeroPadShortcut", "ResNet",
           "RESNET_CONFIGS", "cifar_blocks_per_stage", "from_torchvision"]

Shortcut = Optional[str]  # "A", "B", "C", or None for a plain (shortcut-free) block
_SHORTCUT_OPTIONS = ("A", "B", "C", None)


def conv3x3(in_channels: int, out_channels: int, stride: int = 1) -> nn.Conv2d:
    """3x3 convolution with padding 1 and no bias (a BatchNorm follows)."""
    return nn.Conv2d(in_channels, out_channels, kernel_size=3, stride=stride, padding=1, bias=False)


def conv1x1(in_channels: int, out_channels: int, stride: int = 1) -> nn.Conv2d:
    """1x1 convolution with no bias (a BatchNorm follows)."""
    return nn.Conv2d(in_channels, out_channels, kernel_size=1, stride=stride, bias=False)


class ZeroPadShortcut(nn.Module):
    """Option A shortcut: identity that subsamples by ``stride`` and zero-pads new channels.

    The paper (section 3.3 and 4.2) uses it for the CIFAR networks so that
    residual and plain nets have exactly the same parameters. Subsampling takes
    every ``stride``-th pixel (what a strided 1x1 identity does). The extra
    channels are appended after the existing ones; the paper does not say where
    its zeros go, and any placement gives the same network up to a permutation.
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1):
        super().__init__()
        if out_channels < in_channels:
            raise ValueError("ZeroPadShortcut can only add channels, not remove them")
        self.in_channels, self.out_channels, self.stride = in_channels, out_channels, stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x[:, :, ::self.stride, ::self.stride]                 # (N, C_in, H/s, W/s)
        extra = self.out_channels - self.in_channels
        return F.pad(x, (0, 0, 0, 0, 0, extra))                   # (N, C_out, H/s, W/s)

    def extra_repr(self) -> str:
        return f"{self.in_channels}, {self.out_channels}, stride={self.stride}"


def make_shortcut(option: Shortcut, in_channels: int, out_channels: int, stride: int, *,
                  norm: bool = True) -> Optional[nn.Module]:
    """The shortcut of one block: ``None`` (plain), identity, zero-pad (A) or projection (B, C).

    ``norm=False`` leaves the BatchNorm off the projection (pre-activation units,
    whose projection reads an already normalised input).
    """
    if option not in _SHORTCUT_OPTIONS:
        raise ValueError(f"shortcut must be one of 'A', 'B', 'C' or None (plain net), got {option!r}")
    if option is None:
        return None
    same_shape = stride == 1 and in_channels == out_channels
    if option == "A":
        return nn.Identity() if same_shape else ZeroPadShortcut(in_channels, out_channels, stride)
    if option == "B" and same_shape:
        return nn.Identity()
    projection = conv1x1(in_channels, out_channels, stride)          # W_s in the paper's eq. (2)
    return nn.Sequential(projection, nn.BatchNorm2d(out_channels)) if norm else projection


class BasicBlock(nn.Module):
    """The two-layer residual block of ``he2016deep`` Fig. 2 (ResNet-18/34 and the CIFAR nets).

    F(x) = BN(W_2 ReLU(BN(W_1 x))) with W_1, W_2 3x3 convolutions, and the block
    outputs y = ReLU(F(x) + W_s x): the second ReLU acts on the *sum*. The first
    convolution carries the stride. ``shortcut`` picks the paper's option A, B or
    C for W_s, or ``None`` for the plain block y = ReLU(F(x)).
    """

    expansion = 1

    def __init__(self, in_channels: int, channels: int, stride: int = 1, shortcut: Shortcut = "B"):
        super().__init__()
        out_channels = channels * self.expansion
        self.conv1 = conv3x3(in_channels, channels, stride)
        self.bn1 = nn.BatchNorm2d(channels)
        self.relu1 = nn.ReLU()
        self.conv2 = conv3x3(channels, out_channels)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.relu2 = nn.ReLU()
        self.shortcut = make_shortcut(shortcut, in_channels, out_channels, stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu1(self.bn1(self.conv1(x)))      # (N, C, H/s, W/s)
        out = self.bn2(self.conv2(out))                # (N, C, H/s, W/s): F(x)
        if self.shortcut is not None:
            out = out + self.shortcut(x)               # F(x) + x
        return self.relu2(out)                         # ReLU after the addition


class Bottleneck(nn.Module):
    """The three-layer bottleneck block of ``he2016deep`` Fig. 5 (ResNet-50/101/152).

    F(x): 1x1 conv reduces to ``channels`` (the paper's 64, 128, 256, 512), 3x3
    conv at that width, 1x1 conv restores ``4 * channels``; BN after each conv,
    ReLU after the first two; then y = ReLU(F(x) + W_s x).

    ``stride_in_1x1=True`` (the default) puts the block's stride in the first
    1x1 convolution as the paper does; ``False`` puts it in the 3x3 convolution
    as torchvision does ("ResNet v1.5"), which is what its ImageNet weights
    expect. Both have the same parameters.
    """

    expansion = 4

    def __init__(self, in_channels: int, channels: int, stride: int = 1, shortcut: Shortcut = "B",
                 stride_in_1x1: bool = True):
        super().__init__()
        out_channels = channels * self.expansion
        stride_1x1, stride_3x3 = (stride, 1) if stride_in_1x1 else (1, stride)
        self.conv1 = conv1x1(in_channels, channels, stride_1x1)
        self.bn1 = nn.BatchNorm2d(channels)
        self.relu1 = nn.ReLU()
        self.conv2 = conv3x3(channels, channels, stride_3x3)
        self.bn2 = nn.BatchNorm2d(channels)
        self.relu2 = nn.ReLU()
        self.conv3 = conv1x1(channels, out_channels)
        self.bn3 = nn.BatchNorm2d(out_channels)
        self.relu3 = nn.ReLU()
        self.shortcut = make_shortcut(shortcut, in_channels, out_channels, stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu1(self.bn1(self.conv1(x)))      # (N, C, H', W'): reduce
        out = self.relu2(self.bn2(self.conv2(out)))    # (N, C, H/s, W/s)
        out = self.bn3(self.conv3(out))                # (N, 4C, H/s, W/s): restore, F(x)
        if self.shortcut is not None:
            out = out + self.shortcut(x)               # F(x) + x
        return self.relu3(out)


class PreActBlock(nn.Module):
    """The full pre-activation unit of ``he2016identity`` Fig. 1(b) / Fig. 4(e).

    x_{l+1} = x_l + F(x_l) with F = conv(ReLU(BN(conv(ReLU(BN(x_l)))))): BN and
    ReLU come *before* each convolution and nothing follows the addition, so the
    shortcut path is a clean identity from any unit to any later one (the
    paper's eq. 4). :class:`ResNet` adds the one extra BN-ReLU after the last
    unit, as the paper does.

    A projection shortcut (option B or C) is a 1x1 convolution without BN that
    reads the *pre-activated* input ReLU(BN(x_l)), as common implementations
    (e.g. the Torch code released with ResNet follow-ups) do; the identity and
    option A shortcuts read x_l itself. Departure: the paper also
    moves the first unit's activation before the split; here the first unit of
    a stage whose shape does not change keeps a raw identity shortcut.
    """

    expansion = 1

    def __init__(self, in_channels: int, channels: int, stride: int = 1, shortcut: Shortcut = "B"):
        super().__init__()
        out_channels = channels * self.expansion
        self.bn1 = nn.BatchNorm2d(in_channels)
        self.relu1 = nn.ReLU()
        self.conv1 = conv3x3(in_channels, channels, stride)
        self.bn2 = nn.BatchNorm2d(channels)
        self.relu2 = nn.ReLU()
        self.conv2 = conv3x3(channels, out_channels)
        self.shortcut = make_shortcut(shortcut, in_channels, out_channels, stride, norm=False)
        self.shortcut_reads_preactivation = isinstance(self.shortcut, nn.Conv2d)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pre = self.relu1(self.bn1(x))                  # (N, C_in, H, W): pre-activation
        out = self.conv1(pre)                          # (N, C, H/s, W/s)
        out = self.conv2(self.relu2(self.bn2(out)))    # (N, C, H/s, W/s): F(x)
        if self.shortcut is None:
            return out
        return out + self.shortcut(pre if self.shortcut_reads_preactivation else x)  # no ReLU after


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


class ResNet(nn.Module):
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
    layers round up and the final pooling is adaptive.
    """

    def __init__(self, block: Block, blocks: Sequence[int], *, widths: Sequence[int] = (64, 128, 256, 512),
                 num_classes: int = 1000, in_channels: int = 3, stem: str = "imagenet",
                 shortcut: Shortcut = "B", stride_in_1x1: bool = True):
        super().__init__()
        if len(widths) != len(blocks):
            raise ValueError(f"need one width per stage: {len(blocks)} stages, {len(widths)} widths")
        preact = block is PreActBlock
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

        for m in self.modules():                  # torchvision's (and the paper's) initialisation
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
        guard_input(self, in_channels=in_channels, min_size=1)

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

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x)               # (N, w_1, H/4, W/4); "small" stem: (N, w_1, H, W)
        for stage in self.stages:      # conv2_x, conv3_x, ...
            x = stage(x)               # (N, w_s·e, ...): stages after the first halve H and W
        x = self.post(x)               # pre-activation nets only: the final BN-ReLU
        x = self.pool(x).flatten(1)    # (N, w_last·e): global average pooling
        return self.fc(x)              # (N, classes)


def _imagenet_resnet(depth: int, num_classes: int, in_channels: int, *,
                     stride_in_1x1: bool, **kwargs) -> ResNet:
    block, blocks = RESNET_CONFIGS[depth]
    return ResNet(block, blocks, num_classes=num_classes, in_channels=in_channels,
                  stride_in_1x1=stride_in_1x1, **kwargs)


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
    copy_state_in_order(tv_model, model)
    return model.train(tv_model.training)


# --- the registry -------------------------------------------------------------------

@register("resnet18")
def resnet18(num_classes: int = 1000, in_channels: int = 3, **kwargs) -> ResNet:
    """ResNet-18 of Table 1 (basic blocks 2-2-2-2), torchvision-compatible."""
    return _imagenet_resnet(18, num_classes, in_channels, stride_in_1x1=False, **kwargs)


@register("resnet34")
def resnet34(num_classes: int = 1000, in_channels: int = 3, **kwargs) -> ResNet:
    """ResNet-34 of Table 1 (basic blocks 3-4-6-3), torchvision-compatible."""
    return _imagenet_resnet(34, num_classes, in_channels, stride_in_1x1=False, **kwargs)


@register("resnet50")
def resnet50(num_classes: int = 1000, in_channels: int = 3, stride_in_1x1: bool = False,
             **kwargs) -> ResNet:
    """ResNet-50 (bottlenecks 3-4-6-3), stride in the 3x3 conv as torchvision; see ``resnet50_paper``."""
    return _imagenet_resnet(50, num_classes, in_channels, stride_in_1x1=stride_in_1x1, **kwargs)


@register("resnet101")
def resnet101(num_classes: int = 1000, in_channels: int = 3, stride_in_1x1: bool = False,
              **kwargs) -> ResNet:
    """ResNet-101 (bottlenecks 3-4-23-3), stride in the 3x3 conv as torchvision."""
    return _imagenet_resnet(101, num_classes, in_channels, stride_in_1x1=stride_in_1x1, **kwargs)


@register("resnet152")
def resnet152(num_classes: int = 1000, in_channels: int = 3, stride_in_1x1: bool = False,
              **kwargs) -> ResNet:
    """ResNet-152 (bottlenecks 3-8-36-3), stride in the 3x3 conv as torchvision."""
    return _imagenet_resnet(152, num_classes, in_channels, stride_in_1x1=stride_in_1x1, **kwargs)


@register("resnet50_paper")
def resnet50_paper(num_classes: int = 1000, in_channels: int = 3, **kwargs) -> ResNet:
    """ResNet-50 exactly as the paper: stride 2 in the bottleneck's first 1x1 conv."""
    return _imagenet_resnet(50, num_classes, in_channels, stride_in_1x1=True, **kwargs)


@register("resnet101_paper")
def resnet101_paper(num_classes: int = 1000, in_channels: int = 3, **kwargs) -> ResNet:
    """ResNet-101 exactly as the paper: stride 2 in the bottleneck's first 1x1 conv."""
    return _imagenet_resnet(101, num_classes, in_channels, stride_in_1x1=True, **kwargs)


@register("resnet152_paper")
def resnet152_paper(num_classes: int = 1000, in_channels: int = 3, **kwargs) -> ResNet:
    """ResNet-152 exactly as the paper: stride 2 in the bottleneck's first 1x1 conv."""
    return _imagenet_resnet(152, num_classes, in_channels, stride_in_1x1=True, **kwargs)


@register("preact_resnet18")
def preact_resnet18(num_classes: int = 1000, in_channels: int = 3, stem: str = "imagenet",
                    **kwargs) -> ResNet:
    """ResNet-18's layout with the pre-activation units of ``he2016identity``.

    ``stem="small"`` gives the 3x3-stem variant commonly trained on CIFAR.
    """
    return ResNet(PreActBlock, RESNET_CONFIGS[18][1], num_classes=num_classes,
                  in_channels=in_channels, stem=stem, **kwargs)


@register("resnet_cifar")
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


def _register_cifar(depth: int) -> None:
    def residual(num_classes: int = 10, in_channels: int = 3, **kwargs) -> ResNet:
        return resnet_cifar(num_classes, in_channels, depth=depth, shortcuts=True, **kwargs)

    def plain(num_classes: int = 10, in_channels: int = 3, **kwargs) -> ResNet:
        return resnet_cifar(num_classes, in_channels, depth=depth, shortcuts=False, **kwargs)

    residual.__doc__ = f"CIFAR ResNet-{depth} (section 4.2, option A shortcuts)."
    plain.__doc__ = f"CIFAR plain-{depth}: ResNet-{depth} without its shortcuts (Fig. 6)."
    register(f"resnet_cifar{depth}")(residual)
    register(f"plain_cifar{depth}")(plain)


for _depth in (20, 32, 44, 56, 110):
    _register_cifar(_depth)


@register("preact_resnet_cifar110")
def preact_resnet_cifar110(num_classes: int = 10, in_channels: int = 3, **kwargs) -> ResNet:
    """The pre-activation CIFAR ResNet-110 of ``he2016identity`` (basic units, option A here)."""
    return resnet_cifar(num_classes, in_channels, depth=110, preact=True, **kwargs)


@register("resnet_small")
def resnet_small(num_classes: int = 10, in_channels: int = 1, **kwargs) -> ResNet:
    """Teaching size: ResNet-18's layout (2-2-2-2 basic blocks) at 1/4 width, 3x3 stem.

    Widths 16/32/64/128 and no stem downsampling, so 32x32 grey images reach
    the last stage at 4x4; about 0.7M parameters and fast to train on a CPU.
    Not from a paper: it is Table 1's ResNet-18 sized for Fashion-MNIST.
    """
    return ResNet(BasicBlock, RESNET_CONFIGS[18][1], widths=(16, 32, 64, 128), num_classes=num_classes,
                  in_channels=in_channels, stem="small", **kwargs)
