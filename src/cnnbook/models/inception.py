"""The Inception module of GoogLeNet and the paper's Table 1, as data.

Paper: C. Szegedy, W. Liu, Y. Jia, P. Sermanet, S. Reed, D. Anguelov, D. Erhan,
V. Vanhoucke, A. Rabinovich, "Going Deeper with Convolutions", CVPR 2015
(``szegedy2015going``).

* :data:`INCEPTION_V1` -- Table 1's six Inception columns, per module; and the
  table's output-size, params and ops columns (:data:`TABLE1_OUTPUT_SHAPES`, ...).
* :class:`ConvReLU` / :class:`ConvBNReLU` -- every convolution of the 2014 paper,
  and of the BatchNorm variant (Ioffe & Szegedy 2015).
* :class:`Inception` -- the four-branch module, joined with ``torch.cat(dim=1)``.

:mod:`cnnbook.models.googlenet` assembles them into the network.
"""
from __future__ import annotations

from functools import partial
from typing import Callable

import torch
from torch import nn

__all__ = ["INCEPTION_V1", "TABLE1_OUTPUT_SHAPES", "TABLE1_PARAMS_K", "TABLE1_OPS_M",
           "ConvReLU", "ConvBNReLU", "conv_block", "Inception"]


# --- Table 1 of Szegedy et al. 2015, as data ---------------------------------------

#: Table 1's Inception columns, per module:
#: (#1x1, #3x3 reduce, #3x3, #5x5 reduce, #5x5, pool proj).
#: The output depth of a module is #1x1 + #3x3 + #5x5 + pool proj (3a: 256).
INCEPTION_V1: dict[str, tuple[int, int, int, int, int, int]] = {
    "3a": (64, 96, 128, 16, 32, 32),
    "3b": (128, 128, 192, 32, 96, 64),
    "4a": (192, 96, 208, 16, 48, 64),
    "4b": (160, 112, 224, 24, 64, 64),
    "4c": (128, 128, 256, 24, 64, 64),
    "4d": (112, 144, 288, 32, 64, 64),
    "4e": (256, 160, 320, 32, 128, 128),
    "5a": (256, 160, 320, 32, 128, 128),
    "5b": (384, 192, 384, 48, 128, 128),
}

#: Table 1's "output size" column (C, H, W) at 224x224 input, keyed by the
#: attribute name of the layer in :class:`GoogLeNet` that produces it.
TABLE1_OUTPUT_SHAPES: dict[str, tuple[int, int, int]] = {
    "conv1": (64, 112, 112),
    "pool1": (64, 56, 56),
    "conv3": (192, 56, 56),
    "pool2": (192, 28, 28),
    "inception3a": (256, 28, 28),
    "inception3b": (480, 28, 28),
    "pool3": (480, 14, 14),
    "inception4a": (512, 14, 14),
    "inception4b": (512, 14, 14),
    "inception4c": (512, 14, 14),
    "inception4d": (528, 14, 14),
    "inception4e": (832, 14, 14),
    "pool4": (832, 7, 7),
    "inception5a": (832, 7, 7),
    "inception5b": (1024, 7, 7),
    "avgpool": (1024, 1, 1),
}

#: Table 1's "params" column, in thousands, keyed like :data:`TABLE1_OUTPUT_SHAPES`
#: ("conv2+conv3" is the table's single "convolution 3x3/1, #3x3 reduce 64" row).
#: The column counts K = 1024 (the linear layer's 1,025,000 reads "1000K") and
#: rounds loosely. Against the table's own channel columns, most rows agree to
#: within 2%, but 4c reads 463K where its columns give 498K, 5a 1072K where they
#: give 1019K, and conv1's 2.7K cannot be a 7x7x3 -> 64 conv (9.4K).
TABLE1_PARAMS_K: dict[str, float] = {
    "conv1": 2.7,
    "conv2+conv3": 112,
    "inception3a": 159,
    "inception3b": 380,
    "inception4a": 364,
    "inception4b": 437,
    "inception4c": 463,
    "inception4d": 580,
    "inception4e": 840,
    "inception5a": 1072,
    "inception5b": 1388,
    "fc": 1000,
}

#: Table 1's "ops" column: multiply-accumulates in millions (M = 10^6) at 224x224.
#: Every row matches the MACs (:func:`cnnbook.anatomy.anatomy`) of our paper model to within 1%, except
#: conv1 (34M goes with the table's 2.7K params; a 7x7x3 -> 64 conv costs 118M)
#: and 5a (54M vs 51.1M, the same excess as its params entry).
TABLE1_OPS_M: dict[str, float] = {
    "conv1": 34,
    "conv2+conv3": 360,
    "inception3a": 128,
    "inception3b": 304,
    "inception4a": 73,
    "inception4b": 88,
    "inception4c": 100,
    "inception4d": 119,
    "inception4e": 170,
    "inception5a": 54,
    "inception5b": 71,
    "fc": 1,
}


# --- building blocks ------------------------------------------------------------------

class ConvReLU(nn.Module):
    """Convolution (with bias) then ReLU: every convolution of the 2014 paper.

    "All the convolutions, including those inside the Inception modules, use
    rectified linear activation" (Section 5).
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride: int = 1,
                 padding=0):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, stride=stride, padding=padding)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.relu(self.conv(x))


class ConvBNReLU(nn.Module):
    """Convolution (no bias) -> BatchNorm -> ReLU, as Ioffe & Szegedy place it.

    BN normalises the pre-activation ``Wu`` and its shift beta takes over the
    conv bias b, which "can be ignored" (Section 3.2 of ``ioffe2015batch``).
    ``eps`` is the epsilon of Algorithm 1; torchvision's GoogLeNet uses 0.001.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride: int = 1,
                 padding=0, eps: float = 1e-5):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, stride=stride,
                              padding=padding, bias=False)
        self.bn = nn.BatchNorm2d(out_channels, eps=eps)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.relu(self.bn(self.conv(x)))


def conv_block(batch_norm: bool, eps: float = 1e-5) -> Callable[..., nn.Module]:
    """The conv factory a network uses: ``ConvReLU`` or ``ConvBNReLU`` with the given eps."""
    return partial(ConvBNReLU, eps=eps) if batch_norm else ConvReLU


class Inception(nn.Module):
    """The Inception module of Figure 2(b), "with dimension reductions".

    Four branches read the same input and are concatenated along channels:

    1. ``#1x1`` 1x1 convolutions;
    2. ``#3x3 reduce`` 1x1 convolutions, then ``#3x3`` 3x3 convolutions;
    3. ``#5x5 reduce`` 1x1 convolutions, then ``#5x5`` 5x5 convolutions;
    4. 3x3 max pooling (stride 1), then ``pool proj`` 1x1 convolutions.

    Every branch pads so that H x W is kept, hence ``torch.cat(dim=1)`` works and
    ``out_channels = #1x1 + #3x3 + #5x5 + pool proj``.

    ``branch3`` chooses the third branch's spatial convolution: ``"5x5"`` (the
    paper), ``"3x3"`` (torchvision's port: a single 3x3 where the paper has a
    5x5) or ``"double3x3"`` (two stacked 3x3, ``#5x5 reduce -> #5x5 -> #5x5``:
    Figure 5 of ``szegedy2016rethinking``, also BN-Inception's choice).
    ``conv`` builds each convolution (``ConvReLU`` or ``ConvBNReLU``).
    """

    def __init__(self, in_channels: int, ch1x1: int, ch3x3red: int, ch3x3: int,
                 ch5x5red: int, ch5x5: int, pool_proj: int, *,
                 conv: Callable[..., nn.Module] = ConvReLU, branch3: str = "5x5"):
        super().__init__()
        if branch3 == "5x5":
            spatial = [conv(ch5x5red, ch5x5, 5, padding=2)]
        elif branch3 == "3x3":
            spatial = [conv(ch5x5red, ch5x5, 3, padding=1)]
        elif branch3 == "double3x3":
            spatial = [conv(ch5x5red, ch5x5, 3, padding=1), conv(ch5x5, ch5x5, 3, padding=1)]
        else:
            raise ValueError(f"branch3 must be '5x5', '3x3' or 'double3x3', not {branch3!r}")
        self.branch1 = conv(in_channels, ch1x1, 1)
        self.branch2 = nn.Sequential(conv(in_channels, ch3x3red, 1),
                                     conv(ch3x3red, ch3x3, 3, padding=1))
        self.branch3 = nn.Sequential(conv(in_channels, ch5x5red, 1), *spatial)
        self.branch4 = nn.Sequential(nn.MaxPool2d(3, stride=1, padding=1),
                                     conv(in_channels, pool_proj, 1))
        self.in_channels = in_channels
        self.out_channels = ch1x1 + ch3x3 + ch5x5 + pool_proj

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # x: (N, in, H, W) -> each branch keeps H x W
        return torch.cat([self.branch1(x),    # (N, #1x1, H, W)
                          self.branch2(x),    # (N, #3x3, H, W)
                          self.branch3(x),    # (N, #5x5, H, W)
                          self.branch4(x)],   # (N, pool proj, H, W)
                         dim=1)               # (N, out_channels, H, W)
