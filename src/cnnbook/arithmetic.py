"""Convolution arithmetic: small calculators a reader can try their own numbers on.

Conventions (the study notes insist on the first one):

* ``padding`` is counted **per side**. ``nn.Conv2d(..., padding=2)`` adds two
  rows on top *and* two at the bottom, so the height grows by ``2 * padding``.
* Sizes follow PyTorch's floor rounding:
  ``out = floor((n + 2p - d(k - 1) - 1) / s) + 1``.

Every formula here is checked against PyTorch in ``tests/test_arithmetic.py``
and in the convolution-arithmetic chapter.
"""
from __future__ import annotations

import math
from typing import Iterable

__all__ = ["conv_output_size", "pool_output_size", "padding_for_same", "conv_params",
           "conv_macs", "linear_params", "stacked_receptive_field"]


def conv_output_size(n: int, kernel_size: int, padding: int = 0, stride: int = 1,
                     dilation: int = 1, ceil_mode: bool = False) -> int:
    """Output height (or width) of a convolution or pooling on an ``n``-pixel input.

    ``padding`` is per side. ``ceil_mode`` rounds up as pooling layers may.
    """
    span = n + 2 * padding - dilation * (kernel_size - 1) - 1
    if span < 0:
        raise ValueError(f"a {kernel_size}x{kernel_size} window (dilation {dilation}) does not fit "
                         f"in {n} pixels + {padding} padding per side")
    out = (math.ceil(span / stride) if ceil_mode else span // stride) + 1
    if ceil_mode and (out - 1) * stride >= n + padding:  # PyTorch: last window must start inside
        out -= 1
    return out


def pool_output_size(n: int, kernel_size: int, stride: int | None = None, padding: int = 0,
                     ceil_mode: bool = False) -> int:
    """Output size of a pooling layer (stride defaults to the kernel size, as in PyTorch)."""
    return conv_output_size(n, kernel_size, padding, stride or kernel_size, ceil_mode=ceil_mode)


def padding_for_same(kernel_size: int, dilation: int = 1) -> int:
    """Per-side padding that keeps the size unchanged at stride 1 (odd kernels)."""
    span = dilation * (kernel_size - 1)
    if span % 2:
        raise ValueError(f"a {kernel_size}-wide kernel needs uneven padding to keep the size; "
                         "use an odd kernel size")
    return span // 2


def conv_params(in_channels: int, out_channels: int, kernel_size: int | tuple[int, int],
                bias: bool = True, groups: int = 1) -> int:
    """Weights (+ biases) of a convolution: ``c_out * (c_in / groups) * k_h * k_w (+ c_out)``."""
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    return out_channels * (in_channels // groups) * kh * kw + (out_channels if bias else 0)


def conv_macs(in_channels: int, out_channels: int, kernel_size: int | tuple[int, int],
              out_height: int, out_width: int | None = None, groups: int = 1) -> int:
    """Multiply-accumulates of one convolution for one image (biases not counted)."""
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    out_width = out_height if out_width is None else out_width
    return out_channels * out_height * out_width * (in_channels // groups) * kh * kw


def linear_params(in_features: int, out_features: int, bias: bool = True) -> int:
    """Weights (+ biases) of a fully connected layer."""
    return in_features * out_features + (out_features if bias else 0)


def stacked_receptive_field(layers: Iterable[tuple[int, int]]) -> int:
    """Receptive field of a stack of ``(kernel_size, stride)`` layers.

    Each layer grows the field by ``(k - 1) * j``, where the jump ``j`` is the
    product of the strides before it. Two 3x3 stride-1 convs: 1 + 2 + 2 = 5.
    """
    field, jump = 1, 1
    for kernel_size, stride in layers:
        field += (kernel_size - 1) * jump
        jump *= stride
    return field
