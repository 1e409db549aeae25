"""The residual blocks of ResNet: post-activation (He et al. 2016a) and pre-activation (2016b).

Papers: K. He, X. Zhang, S. Ren, J. Sun, "Deep Residual Learning for Image
Recognition", CVPR 2016 (``he2016deep``); "Identity Mappings in Deep Residual
Networks", ECCV 2016 (``he2016identity``).

* :func:`make_shortcut` -- the paper's shortcut options A (zero-padded identity,
  :class:`ZeroPadShortcut`), B (projection where the shape changes) and C (always);
* :class:`BasicBlock`, :class:`Bottleneck` and :class:`PreActBlock`.

:mod:`cnnbook.models.resnet` stacks them into networks.
"""
from __future__ import annotations

from typing import Optional

import torch
from torch import nn
import torch.nn.functional as F

__all__ = ["Shortcut", "conv3x3", "conv1x1", "with_bn", "ZeroPadShortcut", "make_shortcut",
           "BasicBlock", "Bottleneck", "PreActBlock"]

Shortcut = Optional[str]  # "A", "B", "C", or None for a plain (shortcut-free) block
_SHORTCUT_OPTIONS = ("A", "B", "C", None)


def conv3x3(in_channels: int, out_channels: int, stride: int = 1) -> nn.Conv2d:
    """3x3 convolution with padding 1 and no bias (a BatchNorm follows)."""
    return nn.Conv2d(in_channels, out_channels, kernel_size=3, stride=stride, padding=1, bias=False)


def conv1x1(in_channels: int, out_channels: int, stride: int = 1) -> nn.Conv2d:
    """1x1 convolution with no bias (a BatchNorm follows)."""
    return nn.Conv2d(in_channels, out_channels, kernel_size=1, stride=stride, bias=False)


def with_bn(conv: nn.Conv2d) -> tuple[nn.Conv2d, nn.BatchNorm2d]:
    """A convolution and the BatchNorm over its output channels, to assign as ``self.convN, self.bnN``."""
    return conv, nn.BatchNorm2d(conv.out_channels)


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
    return nn.Sequential(*with_bn(projection)) if norm else projection


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
        self.conv1, self.bn1 = with_bn(conv3x3(in_channels, channels, stride))
        self.relu1 = nn.ReLU()
        self.conv2, self.bn2 = with_bn(conv3x3(channels, out_channels))
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
        self.conv1, self.bn1 = with_bn(conv1x1(in_channels, channels, stride_1x1))    # reduce
        self.relu1 = nn.ReLU()
        self.conv2, self.bn2 = with_bn(conv3x3(channels, channels, stride_3x3))
        self.relu2 = nn.ReLU()
        self.conv3, self.bn3 = with_bn(conv1x1(channels, out_channels))               # restore
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
