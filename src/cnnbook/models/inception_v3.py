"""Inception-v3's factorisations, each beside the convolution it replaces.

Paper: C. Szegedy, V. Vanhoucke, S. Ioffe, J. Shlens, Z. Wojna, "Rethinking the
Inception Architecture for Computer Vision", CVPR 2016 (``szegedy2016rethinking``):
factorising 5x5 into two 3x3 (Figure 5), n x n into 1 x n then n x 1 (Figure 6),
and the expanded 1x3 / 3x1 filter bank (Figure 7).

* :class:`StackedConv3x3`, :class:`AsymmetricConv`, :class:`ExpandedFilterBank`;
* :func:`unfactorised_conv` and :func:`factorised_pair` -- a factorisation and the
  single convolution it replaces, ready to compare; count their multiply-accumulates
  with :func:`cnnbook.anatomy.anatomy` (``.total_macs``).

The GoogLeNet chapter uses them; the full Inception-v3 network is not built here.
"""
from __future__ import annotations

from typing import Optional

import torch
from torch import nn

__all__ = ["StackedConv3x3", "AsymmetricConv", "ExpandedFilterBank", "unfactorised_conv", "factorised_pair"]


class StackedConv3x3(nn.Module):
    """Two stacked 3x3 convolutions in place of one 5x5 (Figure 5 of ``szegedy2016rethinking``).

    Same receptive field (5x5) and output shape; at C -> C channels the weights
    drop from 25 C^2 to 2 x 9 C^2 = 18 C^2 (the paper's "28% relative gain").
    A ReLU sits between the two layers (``relu_between``): the paper found this
    better than a linear first layer. ``mid_channels`` defaults to ``out_channels``.
    """

    def __init__(self, in_channels: int, out_channels: int, mid_channels: Optional[int] = None, *,
                 bias: bool = False, relu_between: bool = True):
        super().__init__()
        mid = mid_channels or out_channels
        self.conv_a = nn.Conv2d(in_channels, mid, 3, padding=1, bias=bias)
        self.relu = nn.ReLU() if relu_between else nn.Identity()
        self.conv_b = nn.Conv2d(mid, out_channels, 3, padding=1, bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(self.conv_a(x))     # (N, mid, H, W), receptive field 3x3
        return self.conv_b(x)             # (N, out, H, W), receptive field 5x5


class AsymmetricConv(nn.Module):
    """An n x n convolution factorised into 1 x n then n x 1 (Figure 6 of ``szegedy2016rethinking``).

    Same receptive field and output shape; at C -> C the weights drop from
    n^2 C^2 to 2n C^2 (n = 3: 33% cheaper; n = 7, the paper's choice on 17x17
    grids: 2/7 of the cost). ``n`` must be odd so that padding keeps H x W.
    """

    def __init__(self, in_channels: int, out_channels: int, n: int = 3,
                 mid_channels: Optional[int] = None, *, bias: bool = False, relu_between: bool = True):
        super().__init__()
        if n % 2 == 0:
            raise ValueError(f"n must be odd so that 'same' padding keeps H x W; got n={n}")
        mid = mid_channels or out_channels
        self.conv_1xn = nn.Conv2d(in_channels, mid, (1, n), padding=(0, n // 2), bias=bias)
        self.relu = nn.ReLU() if relu_between else nn.Identity()
        self.conv_nx1 = nn.Conv2d(mid, out_channels, (n, 1), padding=(n // 2, 0), bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(self.conv_1xn(x))   # (N, mid, H, W), receptive field 1 x n
        return self.conv_nx1(x)           # (N, out, H, W), receptive field n x n


class ExpandedFilterBank(nn.Module):
    """Parallel 1x3 and 3x1 convolutions, concatenated (Figure 7 of ``szegedy2016rethinking``).

    The v3 paper uses it on the coarsest (8x8) grid to widen the filter bank
    outputs. It replaces a 3x3 convolution with ``out_channels`` outputs: each
    half comes from one of the two branches. At C -> C weights drop from 9 C^2
    to 3 C x C/2 x 2 = 3 C^2 (a third). Each output sees a 1x3 or 3x1 window,
    not a full 3x3 one: the paper trades that for width where the grid is small.
    """

    def __init__(self, in_channels: int, out_channels: int, *, bias: bool = False):
        super().__init__()
        if out_channels % 2:
            raise ValueError(f"out_channels must be even (half per branch); got {out_channels}")
        self.conv_1x3 = nn.Conv2d(in_channels, out_channels // 2, (1, 3), padding=(0, 1), bias=bias)
        self.conv_3x1 = nn.Conv2d(in_channels, out_channels // 2, (3, 1), padding=(1, 0), bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.conv_1x3(x),   # (N, out/2, H, W)
                          self.conv_3x1(x)],  # (N, out/2, H, W)
                         dim=1)               # (N, out, H, W)


_FACTORISATIONS = {
    "5x5": lambda i, o, n, bias: StackedConv3x3(i, o, bias=bias),
    "nxn": lambda i, o, n, bias: AsymmetricConv(i, o, n, bias=bias),
    "expanded": lambda i, o, n, bias: ExpandedFilterBank(i, o, bias=bias),
}


def unfactorised_conv(kind: str, in_channels: int, out_channels: int, *, n: int = 3,
                      bias: bool = False) -> nn.Conv2d:
    """The single convolution a factorisation replaces: 5x5, n x n or 3x3 ("expanded"), 'same' padded."""
    k = {"5x5": 5, "nxn": n, "expanded": 3}[kind]
    return nn.Conv2d(in_channels, out_channels, k, padding=k // 2, bias=bias)


def factorised_pair(kind: str, in_channels: int, out_channels: int, *, n: int = 3,
                    bias: bool = False) -> tuple[nn.Module, nn.Module]:
    """``(reference, factorised)`` for ``kind`` in ``"5x5"``, ``"nxn"``, ``"expanded"``.

    Both map (N, in, H, W) to (N, out, H, W), so a chapter can compare their
    parameters and multiply-accumulates (:func:`cnnbook.anatomy.anatomy`) side by side.
    """
    if kind not in _FACTORISATIONS:
        raise ValueError(f"kind must be one of {sorted(_FACTORISATIONS)}, not {kind!r}")
    return (unfactorised_conv(kind, in_channels, out_channels, n=n, bias=bias),
            _FACTORISATIONS[kind](in_channels, out_channels, n, bias))
