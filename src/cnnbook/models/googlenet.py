"""GoogLeNet (Inception v1), its BatchNorm variant, torchvision's port, and Inception-v3 factorisations.

Papers:

* C. Szegedy, W. Liu, Y. Jia, P. Sermanet, S. Reed, D. Anguelov, D. Erhan,
  V. Vanhoucke, A. Rabinovich, "Going Deeper with Convolutions", CVPR 2015
  (``szegedy2015going``) -- the Inception module and GoogLeNet (its Table 1).
* S. Ioffe, C. Szegedy, "Batch Normalization: Accelerating Deep Network
  Training by Reducing Internal Covariate Shift", ICML 2015
  (``ioffe2015batch``) -- BN after every convolution, LRN removed.
* C. Szegedy, V. Vanhoucke, S. Ioffe, J. Shlens, Z. Wojna, "Rethinking the
  Inception Architecture for Computer Vision", CVPR 2016
  (``szegedy2016rethinking``) -- factorising 5x5 into two 3x3 (Figure 5),
  n x n into 1 x n then n x 1 (Figure 6), and the expanded 1x3 / 3x1 filter
  bank (Figure 7).

What lives here:

* :data:`INCEPTION_V1` -- Table 1's six Inception columns, as data.
* :class:`Inception` -- the four-branch module, joined with ``torch.cat(dim=1)``.
* :class:`GoogLeNet` -- the full network, configured by a :class:`GoogLeNetConfig`:
  :data:`GOOGLENET_PAPER` (the 2014 paper), :data:`GOOGLENET_BN` (BN after
  every conv) and :data:`GOOGLENET_TORCHVISION` (torchvision's port, whose
  weights :func:`from_torchvision` copies in).
* :class:`AuxClassifier` and :func:`googlenet_loss` -- the auxiliary heads and
  the 0.3-weighted loss that combines them with the main one.
* :class:`StackedConv3x3`, :class:`AsymmetricConv`, :class:`ExpandedFilterBank`
  and :func:`factorised_pair` -- the v3 factorisations beside the convolutions
  they replace; :func:`conv_macs` counts what each costs.
* :class:`GoogLeNetSmall` -- a narrow GoogLeNet for 28-96 px grey images that
  trains on a CPU.

Registered names: ``googlenet`` (torchvision-compatible), ``googlenet_paper``,
``googlenet_bn`` and ``googlenet_small``.
"""
from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass, replace
from functools import partial
from typing import Callable, Optional, Sequence

import torch
from torch import nn
import torch.nn.functional as F

from .registry import register
from .transfer import copy_state_in_order
from .validation import guard_input

__all__ = [
    "INCEPTION_V1", "TABLE1_OUTPUT_SHAPES", "TABLE1_PARAMS_K", "TABLE1_OPS_M",
    "ConvReLU", "ConvBNReLU", "Inception", "AuxClassifier",
    "GoogLeNetConfig", "GOOGLENET_PAPER", "GOOGLENET_BN", "GOOGLENET_TORCHVISION",
    "GoogLeNet", "GoogLeNetOutputs", "GoogLeNetSmall", "googlenet_loss", "from_torchvision",
    "StackedConv3x3", "AsymmetricConv", "ExpandedFilterBank", "unfactorised_conv",
    "factorised_pair", "conv_macs",
]


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
#: Every row matches :func:`conv_macs` of our paper model to within 1%, except
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


class AuxClassifier(nn.Module):
    """An auxiliary classifier, attached after inception 4a and 4d (Section 5).

    The paper's head: 5x5 average pooling with stride 3 (14x14 -> 4x4), a 1x1
    convolution with 128 filters + ReLU, a fully connected layer with 1024
    units + ReLU, dropout with 70% drop ratio, and a linear layer to the
    classes (softmax in the loss). Only used in training; its loss is added to
    the main one with weight 0.3 (see :func:`googlenet_loss`).

    ``pool="5x5/3"`` is the paper's pooling; it needs a 14-16 px map (the
    224x224 input) to give the 4x4 grid the FC layer is sized for.
    ``pool="adaptive"`` (torchvision, and :class:`GoogLeNetSmall`) averages to
    ``grid x grid`` from any size; at 14x14 its windows are 4 wide with stride
    3.5 instead of the paper's 5 wide with stride 3, so it is not identical.
    ``conv_channels`` and ``hidden`` default to the paper's 128 and 1024.
    """

    def __init__(self, in_channels: int, num_classes: int, *,
                 conv: Callable[..., nn.Module] = ConvReLU, pool: str = "5x5/3",
                 conv_channels: int = 128, hidden: int = 1024, grid: int = 4,
                 dropout: float = 0.7):
        super().__init__()
        if pool == "5x5/3":
            self.pool = nn.AvgPool2d(5, stride=3)
        elif pool == "adaptive":
            self.pool = nn.AdaptiveAvgPool2d(grid)
        else:
            raise ValueError(f"pool must be '5x5/3' or 'adaptive', not {pool!r}")
        self.grid = grid
        self.conv = conv(in_channels, conv_channels, 1)
        self.fc1 = nn.Linear(conv_channels * grid * grid, hidden)
        self.fc2 = nn.Linear(hidden, num_classes)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.pool(x)                       # (N, C, 4, 4) from (N, C, 14, 14)
        if x.shape[-2:] != (self.grid, self.grid):
            raise ValueError(f"the auxiliary classifier's 5x5/3 pooling needs a 14-16 px map (a "
                             f"224x224 input) to give {self.grid}x{self.grid}, but gave "
                             f"{tuple(x.shape[-2:])}. Use 224x224 images, build without aux "
                             "classifiers, or use the torchvision configuration (adaptive pooling).")
        x = self.conv(x)                       # (N, 128, 4, 4)
        x = F.relu(self.fc1(x.flatten(1)))     # (N, 1024)
        return self.fc2(self.dropout(x))       # (N, classes)


#: What :class:`GoogLeNet` returns in training mode when it has auxiliary
#: classifiers. (torchvision's namedtuple orders them (logits, aux2, aux1).)
GoogLeNetOutputs = namedtuple("GoogLeNetOutputs", ["logits", "aux1", "aux2"])


def googlenet_loss(output, target: torch.Tensor, *, aux_weight: float = 0.3,
                   criterion: Callable[..., torch.Tensor] = F.cross_entropy) -> torch.Tensor:
    """The paper's training loss: main loss + 0.3 x each auxiliary loss (Section 5).

    ``output`` is whatever the model returned: a plain logits tensor (eval
    mode, or no aux heads) or a :class:`GoogLeNetOutputs`. At inference the
    auxiliary networks are discarded, so eval-mode forward returns logits only.
    """
    if isinstance(output, GoogLeNetOutputs):
        loss = criterion(output.logits, target)
        for aux in (output.aux1, output.aux2):
            if aux is not None:
                loss = loss + aux_weight * criterion(aux, target)
        return loss
    return criterion(output, target)


# --- input-size arithmetic ------------------------------------------------------------

def _out_size(layer: nn.Module, n: int) -> int:
    """Spatial size after ``layer`` for an n x n input, by PyTorch's own formulas (< 1: fails)."""
    if isinstance(layer, (ConvReLU, ConvBNReLU)):
        layer = layer.conv
    if isinstance(layer, nn.Conv2d):
        k, s, p, d = layer.kernel_size[0], layer.stride[0], layer.padding[0], layer.dilation[0]
        return (n + 2 * p - d * (k - 1) - 1) // s + 1
    if isinstance(layer, (nn.MaxPool2d, nn.AvgPool2d)):
        k, s, p = (v if isinstance(v, int) else v[0]
                   for v in (layer.kernel_size, layer.stride, layer.padding))
        out = (n + 2 * p - k + ((s - 1) if layer.ceil_mode else 0)) // s + 1
        if layer.ceil_mode and (out - 1) * s >= n + p:   # last window must start inside
            out -= 1
        return out
    return n          # Inception blocks, LRN, adaptive pooling, ...: any size >= 1 passes


def _smallest_input(layers: Sequence[nn.Module], limit: int = 1024) -> int:
    """Smallest square input that survives ``layers`` (the main path, in forward order)."""
    for size in range(1, limit + 1):
        n = size
        for layer in layers:
            n = _out_size(layer, n)
            if n < 1:
                break
        else:
            return size
    raise ValueError(f"no input size up to {limit} survives these layers")


# --- the full GoogLeNet ---------------------------------------------------------------

@dataclass(frozen=True)
class GoogLeNetConfig:
    """Every choice on which the paper's GoogLeNet, the BN variant and torchvision's port differ.

    * ``batch_norm`` / ``bn_eps`` -- conv-ReLU (paper) or conv-BN-ReLU.
    * ``lrn`` -- LocalResponseNorm after pool1 and after conv3 (the paper's Figure 3).
    * ``branch3`` -- the Inception "5x5" branch: ``"5x5"``, ``"3x3"`` or ``"double3x3"``.
    * ``pool4_kernel`` -- the max pool before inception 5a: 3x3/2 in Table 1.
    * ``global_pool`` -- ``"7x7"`` (Table 1's 7x7/1 average pool, which needs a
      224-255 px input) or ``"adaptive"`` (global average over any size).
    * ``dropout`` / ``aux_dropout`` -- before the final linear / in the aux heads.
    * ``aux_pool`` -- ``"5x5/3"`` (paper) or ``"adaptive"`` (see :class:`AuxClassifier`).
    * ``init`` -- ``"default"`` (PyTorch's) or ``"trunc_normal"`` (torchvision's
      N(0, 0.01) for convolutions and linear layers).

    All max pools use ``ceil_mode=True``: with it a 3x3/2 pool halves 112 -> 56 ->
    28 -> 14 -> 7 as Table 1 lists (the paper does not say how it rounds; the
    reference Caffe model rounds up too).
    """
    batch_norm: bool = False
    bn_eps: float = 1e-5
    lrn: bool = True
    branch3: str = "5x5"
    pool4_kernel: int = 3
    global_pool: str = "7x7"
    dropout: float = 0.4
    aux_pool: str = "5x5/3"
    aux_dropout: float = 0.7
    init: str = "default"


#: The 2014 paper: Table 1 and Figure 3. LRN hyper-parameters are not in the paper;
#: we use the reference Caffe model's (size 5, alpha 1e-4, beta 0.75, k 1).
GOOGLENET_PAPER = GoogLeNetConfig()

#: GoogLeNet with BatchNorm after every convolution and LRN removed, the first
#: two changes of Ioffe & Szegedy's Section 4.2.1 (everything else as the paper).
GOOGLENET_BN = replace(GOOGLENET_PAPER, batch_norm=True, lrn=False)

#: torchvision's ``googlenet``: BN (eps 0.001) everywhere, no LRN, a 3x3 conv in the
#: "5x5" branch, a 2x2/2 max pool before 5a, adaptive global and aux pooling,
#: dropout 0.2, N(0, 0.01) initialisation.
GOOGLENET_TORCHVISION = replace(GOOGLENET_PAPER, batch_norm=True, bn_eps=1e-3, lrn=False,
                                branch3="3x3", pool4_kernel=2, global_pool="adaptive",
                                dropout=0.2, aux_pool="adaptive", init="trunc_normal")

_IMAGENET_MEAN = (0.485, 0.456, 0.406)
_IMAGENET_STD = (0.229, 0.224, 0.225)


class GoogLeNet(nn.Module):
    """GoogLeNet, the "incarnation of the Inception architecture" of Table 1.

    ===================  =========  ===============  =========================
    layer                patch/s    output (224 in)  paper symbol / note
    ===================  =========  ===============  =========================
    conv1                7x7/2      64 x 112 x 112   convolution
    pool1 (+ lrn1)       3x3/2      64 x 56 x 56     max pool, LocalRespNorm
    conv2, conv3         1x1, 3x3   192 x 56 x 56    #3x3 reduce 64, #3x3 192
    (lrn2 +) pool2       3x3/2      192 x 28 x 28    LocalRespNorm, max pool
    inception3a, 3b                 256, 480 x 28^2  :data:`INCEPTION_V1`
    pool3                3x3/2      480 x 14 x 14
    inception4a ... 4e              512 ... 832      aux heads after 4a and 4d
    pool4                3x3/2      832 x 7 x 7
    inception5a, 5b                 832, 1024 x 7^2
    avgpool              7x7/1      1024 x 1 x 1
    dropout, fc                     classes          40% dropout, linear
    ===================  =========  ===============  =========================

    ``config`` picks the variant (see :class:`GoogLeNetConfig`):

    * :data:`GOOGLENET_PAPER` follows the paper. Departures: the LRN constants
      and the ceil rounding of the max pools come from the reference Caffe
      model (the paper gives neither); PyTorch's default initialisation; the
      paper's polyak averaging, SGD schedule and photometric distortions are
      training choices left to the caller. Table 1's fixed 7x7 average pool
      means it takes 224 px inputs (223-255 work).
    * :data:`GOOGLENET_BN` adds BatchNorm after every convolution (dropping the
      conv bias) and removes LRN, as Ioffe & Szegedy do. It keeps v1's widths,
      5x5 convolutions and max pools; their BN-Inception also replaces each 5x5
      by two 3x3 (``branch3="double3x3"``), changes widths, and drops dropout.
    * :data:`GOOGLENET_TORCHVISION` reproduces torchvision's ``googlenet`` so
      that :func:`from_torchvision` can copy its weights. torchvision departs
      from the paper in: BN (eps=0.001, no conv bias) after every conv, no LRN,
      a 3x3 instead of a 5x5 conv in the "#5x5" branch (torchvision issue #906),
      a 2x2/2 (not 3x3/2) max pool before 5a, adaptive average pooling instead
      of the fixed 7x7 (so any input >= 15 px works), dropout 0.2 instead of 0.4,
      aux heads with adaptive 4x4 pooling and BN in their 1x1 conv, and its
      ``transform_input`` option (see below).

    ``aux_logits=True`` adds the two auxiliary classifiers; in training mode
    ``forward`` then returns ``GoogLeNetOutputs(logits, aux1, aux2)``, to be
    combined with :func:`googlenet_loss`; in eval mode it returns the logits only.
    ``transform_input=True`` (3-channel only) re-maps ImageNet-normalised input
    to the ``(x - 0.5) / 0.5`` scaling that torchvision's ported weights expect.
    """

    def __init__(self, num_classes: int = 1000, in_channels: int = 3, *,
                 config: GoogLeNetConfig = GOOGLENET_PAPER, aux_logits: bool = False,
                 transform_input: bool = False):
        super().__init__()
        if transform_input and in_channels != 3:
            raise ValueError("transform_input re-normalises the three ImageNet RGB channels; "
                             f"build with in_channels=3 or transform_input=False (got {in_channels}).")
        self.config, self.transform_input = config, transform_input
        conv = conv_block(config.batch_norm, config.bn_eps)

        def lrn() -> nn.Module:
            return nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75, k=1.0) if config.lrn else nn.Identity()

        def inception(name: str, in_c: int) -> Inception:
            return Inception(in_c, *INCEPTION_V1[name], conv=conv, branch3=config.branch3)

        self.conv1 = conv(in_channels, 64, 7, stride=2, padding=3)
        self.pool1 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.lrn1 = lrn()
        self.conv2 = conv(64, 64, 1)
        self.conv3 = conv(64, 192, 3, padding=1)
        self.lrn2 = lrn()
        self.pool2 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.inception3a = inception("3a", 192)
        self.inception3b = inception("3b", self.inception3a.out_channels)
        self.pool3 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.inception4a = inception("4a", self.inception3b.out_channels)
        self.inception4b = inception("4b", self.inception4a.out_channels)
        self.inception4c = inception("4c", self.inception4b.out_channels)
        self.inception4d = inception("4d", self.inception4c.out_channels)
        self.inception4e = inception("4e", self.inception4d.out_channels)
        self.pool4 = nn.MaxPool2d(config.pool4_kernel, stride=2, ceil_mode=True)
        self.inception5a = inception("5a", self.inception4e.out_channels)
        self.inception5b = inception("5b", self.inception5a.out_channels)
        # Registered here (not beside 4a / 4d) so that the tensors come in
        # torchvision's order, which from_torchvision relies on.
        if aux_logits:
            aux = partial(AuxClassifier, num_classes=num_classes, conv=conv,
                          pool=config.aux_pool, dropout=config.aux_dropout)
            self.aux1 = aux(self.inception4a.out_channels)
            self.aux2 = aux(self.inception4d.out_channels)
        else:
            self.aux1 = self.aux2 = None
        if config.global_pool == "7x7":
            self.avgpool = nn.AvgPool2d(7, stride=1)
        elif config.global_pool == "adaptive":
            self.avgpool = nn.AdaptiveAvgPool2d(1)
        else:
            raise ValueError(f"global_pool must be '7x7' or 'adaptive', not {config.global_pool!r}")
        self.dropout = nn.Dropout(config.dropout)
        self.fc = nn.Linear(self.inception5b.out_channels, num_classes)

        if config.init == "trunc_normal":
            for m in self.modules():
                if isinstance(m, (nn.Conv2d, nn.Linear)):
                    nn.init.trunc_normal_(m.weight, mean=0.0, std=0.01, a=-2, b=2)
        # for transform_input; not in the state dict, so weight transfer ignores them
        self.register_buffer("input_mean", torch.tensor(_IMAGENET_MEAN).view(1, 3, 1, 1),
                             persistent=False)
        self.register_buffer("input_std", torch.tensor(_IMAGENET_STD).view(1, 3, 1, 1),
                             persistent=False)
        main_path = [self.conv1, self.pool1, self.conv2, self.conv3, self.pool2,
                     self.pool3, self.pool4, self.avgpool]
        guard_input(self, in_channels=in_channels, min_size=_smallest_input(main_path))

    @property
    def aux_logits(self) -> bool:
        return self.aux1 is not None

    def forward(self, x: torch.Tensor):
        if self.transform_input:
            x = x * (self.input_std / 0.5) + (self.input_mean - 0.5) / 0.5
        use_aux = self.aux_logits and self.training
        # shapes for a 224x224 input (Table 1)
        x = self.conv1(x)                                  # (N, 64, 112, 112)
        x = self.lrn1(self.pool1(x))                       # (N, 64, 56, 56)
        x = self.conv2(x)                                  # (N, 64, 56, 56)
        x = self.conv3(x)                                  # (N, 192, 56, 56)
        x = self.pool2(self.lrn2(x))                       # (N, 192, 28, 28)
        x = self.inception3a(x)                            # (N, 256, 28, 28)
        x = self.inception3b(x)                            # (N, 480, 28, 28)
        x = self.pool3(x)                                  # (N, 480, 14, 14)
        x = self.inception4a(x)                            # (N, 512, 14, 14)
        aux1 = self.aux1(x) if use_aux else None           # (N, classes)
        x = self.inception4b(x)                            # (N, 512, 14, 14)
        x = self.inception4c(x)                            # (N, 512, 14, 14)
        x = self.inception4d(x)                            # (N, 528, 14, 14)
        aux2 = self.aux2(x) if use_aux else None           # (N, classes)
        x = self.inception4e(x)                            # (N, 832, 14, 14)
        x = self.pool4(x)                                  # (N, 832, 7, 7)
        x = self.inception5a(x)                            # (N, 832, 7, 7)
        x = self.inception5b(x)                            # (N, 1024, 7, 7)
        x = self.avgpool(x)                                # (N, 1024, 1, 1)
        if x.shape[-2:] != (1, 1):
            raise ValueError(f"GoogLeNet's 7x7/1 average pool expects 7x7 maps (224x224 input; "
                             f"223-255 px work) but pooled to {tuple(x.shape[-2:])}. Resize or "
                             "crop to 224, or use config=GOOGLENET_TORCHVISION (adaptive pooling).")
        x = self.fc(self.dropout(x.flatten(1)))            # (N, classes)
        return GoogLeNetOutputs(x, aux1, aux2) if use_aux else x


def from_torchvision(tv_model: nn.Module, target: Optional[GoogLeNet] = None) -> GoogLeNet:
    """Copy a torchvision ``GoogLeNet`` (its weights and BN statistics) into ours.

    Without ``target``, builds ``GoogLeNet(config=GOOGLENET_TORCHVISION)`` with
    the same classes, input channels, aux heads and ``transform_input``. If
    only one side has aux heads they are left out of the transfer (the other
    side's stay as initialised). Outputs then agree with torchvision's in eval
    mode, and in training mode for the same RNG seed (with ``GoogLeNetOutputs``
    ordered ``(logits, aux1, aux2)`` where torchvision has ``(logits, aux2, aux1)``).
    """
    src_aux = getattr(tv_model, "aux1", None) is not None
    if target is None:
        target = GoogLeNet(num_classes=tv_model.fc.out_features,
                           in_channels=tv_model.conv1.conv.in_channels,
                           config=GOOGLENET_TORCHVISION, aux_logits=src_aux,
                           transform_input=bool(getattr(tv_model, "transform_input", False)))
    is_aux = lambda key: key.startswith("aux")  # noqa: E731
    return copy_state_in_order(tv_model, target,
                               skip_source=is_aux if src_aux and not target.aux_logits else None,
                               skip_target=is_aux if target.aux_logits and not src_aux else None)


# --- Inception-v3 factorisations ------------------------------------------------------

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
    parameters and :func:`conv_macs` side by side.
    """
    if kind not in _FACTORISATIONS:
        raise ValueError(f"kind must be one of {sorted(_FACTORISATIONS)}, not {kind!r}")
    return (unfactorised_conv(kind, in_channels, out_channels, n=n, bias=bias),
            _FACTORISATIONS[kind](in_channels, out_channels, n, bias))


def conv_macs(module: nn.Module, input_shape: Sequence[int]) -> int:
    """Multiply-accumulates of every ``nn.Conv2d`` / ``nn.Linear`` in ``module`` for one input.

    ``input_shape`` is (C, H, W). Each conv costs out_elements x (in/groups) x kh x kw;
    biases, activations and pooling are not counted.
    """
    total = 0

    def hook(layer: nn.Module, args: tuple, out: torch.Tensor) -> None:
        nonlocal total
        if isinstance(layer, nn.Conv2d):
            total += out[0].numel() * layer.weight[0].numel()
        else:
            total += out[0].numel() * layer.in_features

    handles = [m.register_forward_hook(hook) for m in module.modules()
               if isinstance(m, (nn.Conv2d, nn.Linear))]
    was_training = module.training
    try:
        module.eval()
        with torch.no_grad():
            module(torch.zeros(1, *input_shape))
    finally:
        module.train(was_training)
        for h in handles:
            h.remove()
    return total


# --- the teaching-size GoogLeNet ------------------------------------------------------

class GoogLeNetSmall(nn.Module):
    """GoogLeNet's nine Inception modules, narrowed, for small grey images on a CPU.

    Not from a paper. Same structure as :class:`GoogLeNet` -- stem, 3a-3b,
    pool, 4a-4e, pool, 5a-5b, global average pool, dropout, linear -- with
    these departures:

    * every width of Table 1 (stem and :data:`INCEPTION_V1`) divided by
      ``width_divisor`` (default 4: 256 -> 64 channels after 3a, 1024 -> 256 at
      the end; ~0.4 M parameters);
    * the stem is a 3x3 convolution (stride ``stem_stride``) instead of the
      7x7/2 conv and 3x3/2 pool, so a 32x32 image reaches inception 3a at 16x16
      (the paper reaches 3a at 28x28 from 224x224); use ``stem_stride=2`` for
      64-96 px inputs to keep it fast;
    * BatchNorm after every conv (``batch_norm=True``, the ``ioffe2015batch``
      idea) and no LRN; adaptive global average pooling, so any size from
      :attr:`min_input_size` (8 px, or 15 px with ``stem_stride=2``) works;
    * optional aux heads (``aux_logits``) with adaptive 4x4 pooling and their
      128 / 1024 widths divided by ``width_divisor`` too.
    """

    def __init__(self, num_classes: int = 10, in_channels: int = 1, *, width_divisor: int = 4,
                 batch_norm: bool = True, stem_stride: int = 1, dropout: float = 0.4,
                 aux_logits: bool = False, branch3: str = "5x5"):
        super().__init__()

        def w(c: int) -> int:
            return max(1, c // width_divisor)

        conv = conv_block(batch_norm)

        def inception(name: str, in_c: int) -> Inception:
            return Inception(in_c, *(w(c) for c in INCEPTION_V1[name]), conv=conv, branch3=branch3)

        self.conv1 = conv(in_channels, w(64), 3, stride=stem_stride, padding=1)
        self.conv2 = conv(w(64), w(64), 1)
        self.conv3 = conv(w(64), w(192), 3, padding=1)
        self.pool2 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.inception3a = inception("3a", w(192))
        self.inception3b = inception("3b", self.inception3a.out_channels)
        self.pool3 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.inception4a = inception("4a", self.inception3b.out_channels)
        self.inception4b = inception("4b", self.inception4a.out_channels)
        self.inception4c = inception("4c", self.inception4b.out_channels)
        self.inception4d = inception("4d", self.inception4c.out_channels)
        self.inception4e = inception("4e", self.inception4d.out_channels)
        self.pool4 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.inception5a = inception("5a", self.inception4e.out_channels)
        self.inception5b = inception("5b", self.inception5a.out_channels)
        if aux_logits:
            aux = partial(AuxClassifier, num_classes=num_classes, conv=conv, pool="adaptive",
                          conv_channels=w(128), hidden=w(1024))
            self.aux1 = aux(self.inception4a.out_channels)
            self.aux2 = aux(self.inception4d.out_channels)
        else:
            self.aux1 = self.aux2 = None
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(self.inception5b.out_channels, num_classes)
        main_path = [self.conv1, self.conv2, self.conv3, self.pool2, self.pool3, self.pool4]
        guard_input(self, in_channels=in_channels, min_size=_smallest_input(main_path))

    @property
    def aux_logits(self) -> bool:
        return self.aux1 is not None

    def forward(self, x: torch.Tensor):
        use_aux = self.aux_logits and self.training
        # shapes for a 32x32 grey input with the defaults (width_divisor=4, stem_stride=1)
        x = self.conv1(x)                                  # (N, 16, 32, 32)
        x = self.conv2(x)                                  # (N, 16, 32, 32)
        x = self.conv3(x)                                  # (N, 48, 32, 32)
        x = self.pool2(x)                                  # (N, 48, 16, 16)
        x = self.inception3a(x)                            # (N, 64, 16, 16)
        x = self.inception3b(x)                            # (N, 120, 16, 16)
        x = self.pool3(x)                                  # (N, 120, 8, 8)
        x = self.inception4a(x)                            # (N, 128, 8, 8)
        aux1 = self.aux1(x) if use_aux else None           # (N, classes)
        x = self.inception4b(x)                            # (N, 128, 8, 8)
        x = self.inception4c(x)                            # (N, 128, 8, 8)
        x = self.inception4d(x)                            # (N, 132, 8, 8)
        aux2 = self.aux2(x) if use_aux else None           # (N, classes)
        x = self.inception4e(x)                            # (N, 208, 8, 8)
        x = self.pool4(x)                                  # (N, 208, 4, 4)
        x = self.inception5a(x)                            # (N, 208, 4, 4)
        x = self.inception5b(x)                            # (N, 256, 4, 4)
        x = self.avgpool(x).flatten(1)                     # (N, 256)
        x = self.fc(self.dropout(x))                       # (N, classes)
        return GoogLeNetOutputs(x, aux1, aux2) if use_aux else x


# --- registered factories -------------------------------------------------------------

@register("googlenet")
def googlenet(num_classes: int = 10, in_channels: int = 1, *, aux_logits: bool = False,
              transform_input: bool = False) -> GoogLeNet:
    """torchvision-compatible GoogLeNet (BN, 3x3 "5x5" branch); takes weights via from_torchvision."""
    return GoogLeNet(num_classes, in_channels, config=GOOGLENET_TORCHVISION,
                     aux_logits=aux_logits, transform_input=transform_input)


@register("googlenet_paper")
def googlenet_paper(num_classes: int = 10, in_channels: int = 1, *,
                    aux_logits: bool = False) -> GoogLeNet:
    """The 2014 paper's GoogLeNet (LRN, 5x5 branch, 7x7 average pool; 224x224 input)."""
    return GoogLeNet(num_classes, in_channels, config=GOOGLENET_PAPER, aux_logits=aux_logits)


@register("googlenet_bn")
def googlenet_bn(num_classes: int = 10, in_channels: int = 1, *,
                 aux_logits: bool = False) -> GoogLeNet:
    """The paper's GoogLeNet with BatchNorm after every conv and no LRN (224x224 input)."""
    return GoogLeNet(num_classes, in_channels, config=GOOGLENET_BN, aux_logits=aux_logits)


@register("googlenet_small")
def googlenet_small(num_classes: int = 10, in_channels: int = 1, **kwargs) -> GoogLeNetSmall:
    """A narrow GoogLeNet for 28-96 px grey images that trains on a CPU."""
    return GoogLeNetSmall(num_classes=num_classes, in_channels=in_channels, **kwargs)
