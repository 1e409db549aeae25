"""Network in Network: mlpconv blocks and global average pooling instead of dense layers.

Paper: M. Lin, Q. Chen, S. Yan, "Network In Network", ICLR 2014 (``lin2014network``).

* :func:`nin_block` -- the block of the study notes: a convolution with ReLU,
  then two 1x1 convolutions with ReLU (the paper's "mlpconv" layer: a small
  multilayer perceptron slid over the image, which a 1x1 convolution is).
* :class:`NiN` -- d2l's network, built from the notes' block: AlexNet's first three
  widths as mlpconv blocks, a last block with one channel per class, and global
  average pooling in place of the fully connected head.
* ``nin_small`` -- the same network configured at teaching size (:class:`NiNConfig`),
  for 64x64 grey images.

==================================  ===========  ============
model                               min input    parameters
==================================  ===========  ============
``nin`` (1000 classes, RGB)         67           7,439,608
``nin`` (10 classes, grey)          67           1,992,166
``nin_small`` (10 classes, grey)    29           145,414
==================================  ===========  ============
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from .init import kaiming_relu_
from .registry import register_model
from .validation import DeclaredInput, InputSpec, check_input

__all__ = ["nin_block", "NiNConfig", "NiN"]


def nin_block(in_channels: int, out_channels: int, kernel_size: int, stride: int,
              padding: int) -> nn.Sequential:
    """The study notes' NiN block: conv + ReLU, then two (1x1 conv + ReLU).

    The first convolution looks at a ``kernel_size`` neighbourhood; the two 1x1
    convolutions are a two-layer perceptron applied to the channel vector at
    every pixel, all with ``out_channels`` channels.
    """
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding), nn.ReLU(),
        nn.Conv2d(out_channels, out_channels, kernel_size=1), nn.ReLU(),
        nn.Conv2d(out_channels, out_channels, kernel_size=1), nn.ReLU(),
    )


@dataclass(frozen=True)
class NiNConfig:
    """The widths of the three mlpconv blocks before the class maps, block1's (kernel, stride,
    padding) -- blocks 2 and 3 are 5x5 and 3x3, 'same' padded -- and the input they imply."""
    widths: tuple[int, int, int] = (96, 256, 384)
    conv1: tuple[int, int, int] = (11, 4, 0)
    input: InputSpec = InputSpec(size=224, min_size=67)


class NiN(DeclaredInput, nn.Module):
    """d2l's NiN (Zhang et al., *Dive into Deep Learning*, Sec. 8.3), from the study notes' :func:`nin_block`.

    ======  =================================================  ================
    stage   what                                               output (224 in)
    ======  =================================================  ================
    block1  nin_block 96, 11x11 stride 4, padding 0            96 x 54 x 54
    pool1   3x3 max, stride 2                                  96 x 26 x 26
    block2  nin_block 256, 5x5, padding 2                      256 x 26 x 26
    pool2   3x3 max, stride 2                                  256 x 12 x 12
    block3  nin_block 384, 3x3, padding 1                      384 x 12 x 12
    pool3   3x3 max, stride 2, then dropout 0.5                384 x 5 x 5
    block4  nin_block num_classes, 3x3, padding 1              classes x 5 x 5
    gap     global average pooling, flatten                    classes
    ======  =================================================  ================

    There is no fully connected layer: the last mlpconv makes one map per class
    and the average of each map is that class's score. The last block ends in
    ReLU as in d2l, so the scores are non-negative; softmax does not mind.

    **Relation to the paper.** The paper's networks for CIFAR-10, CIFAR-100,
    SVHN and MNIST are three stacked mlpconv layers, each followed by max
    pooling, with dropout on the outputs of all but the last mlpconv layer and
    global average pooling at the end -- the design reproduced here. The paper
    does not tabulate their widths or kernel sizes (they are in the authors'
    released Caffe configuration files, which we have not reproduced), and it
    reports no ImageNet experiment at all (an ImageNet NiN was released
    separately by the authors as a Caffe model; we have not checked this code
    against it). The kernel sizes and widths above (96 11x11/4, 256 5x5, 384
    3x3) are AlexNet's, as in d2l, so that NiN can be compared with AlexNet on
    equal terms. Other departures: dropout only after the third block, and
    Kaiming initialisation.

    Minimum input 67x67: pool3 needs a 3x3 map, so block2 at least 7x7, so
    block1 at least 15x15, and floor((67 - 11)/4) + 1 = 15. Above that any size
    works (global pooling has no fixed size). Every convolution, the last one
    included, is followed by ReLU, so all get Kaiming (ReLU-gain) initialisation.
    """

    def __init__(self, num_classes: int = 1000, in_channels: int = 3, *, config: NiNConfig = NiNConfig(),
                 dropout: float = 0.5):
        super().__init__()
        c1, c2, c3 = config.widths
        kernel, stride, padding = config.conv1
        self.config, self.in_channels, self.input_spec = config, in_channels, config.input
        self.block1 = nin_block(in_channels, c1, kernel_size=kernel, stride=stride, padding=padding)
        self.pool1 = nn.MaxPool2d(kernel_size=3, stride=2)
        self.block2 = nin_block(c1, c2, kernel_size=5, stride=1, padding=2)
        self.pool2 = nn.MaxPool2d(kernel_size=3, stride=2)
        self.block3 = nin_block(c2, c3, kernel_size=3, stride=1, padding=1)
        self.pool3 = nn.MaxPool2d(kernel_size=3, stride=2)
        self.dropout = nn.Dropout(dropout)
        self.block4 = nin_block(c3, num_classes, kernel_size=3, stride=1, padding=1)
        self.gap = nn.AdaptiveAvgPool2d((1, 1))
        kaiming_relu_(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_input(self, x)
        x = self.pool1(self.block1(x))   # (N, 96, 54, 54) -> (N, 96, 26, 26)     [224x224 input]
        x = self.pool2(self.block2(x))   # (N, 256, 26, 26) -> (N, 256, 12, 12)
        x = self.pool3(self.block3(x))   # (N, 384, 12, 12) -> (N, 384, 5, 5)
        x = self.block4(self.dropout(x))  # (N, classes, 5, 5)
        return self.gap(x).flatten(1)    # (N, classes, 1, 1) -> (N, classes)


@register_model
def nin(num_classes: int = 1000, in_channels: int = 3, **kwargs) -> NiN:
    """d2l's Network in Network (224x224 input, min 67x67)."""
    return NiN(num_classes, in_channels, **kwargs)


@register_model
def nin_small(num_classes: int = 10, in_channels: int = 1, **kwargs) -> NiN:
    """NiN at teaching size, for 64x64 grey images: blocks of 32, 64 and 96 channels.

    The first block is 5x5 with stride 2 instead of 11x11/4; about 0.15 M parameters.
    Minimum input 29x29: pool3 needs a 3x3 map, so block1 must give 15x15, and
    floor((29 + 4 - 5)/2) + 1 = 15 (plain 28x28 images are one pixel short; resize them).
    """
    config = NiNConfig(widths=(32, 64, 96), conv1=(5, 2, 2), input=InputSpec(size=64, min_size=29))
    return NiN(num_classes, in_channels, config=config, **kwargs)
