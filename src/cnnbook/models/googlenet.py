"""GoogLeNet (Inception v1), its BatchNorm variant, torchvision's port and a teaching-size configuration.

Papers:

* C. Szegedy, W. Liu, Y. Jia, P. Sermanet, S. Reed, D. Anguelov, D. Erhan,
  V. Vanhoucke, A. Rabinovich, "Going Deeper with Convolutions", CVPR 2015
  (``szegedy2015going``) -- the Inception module and GoogLeNet (its Table 1).
* S. Ioffe, C. Szegedy, "Batch Normalization: Accelerating Deep Network
  Training by Reducing Internal Covariate Shift", ICML 2015
  (``ioffe2015batch``) -- BN after every convolution, LRN removed.

Inception-v3's factorisations live in :mod:`cnnbook.models.inception_v3`.

What lives here:

* :data:`INCEPTION_V1` (Table 1's Inception columns) and :class:`Inception` (the
  four-branch module) come from :mod:`cnnbook.models.inception`.
* :class:`GoogLeNet` -- the full network, configured by a :class:`GoogLeNetConfig`:
  :data:`GOOGLENET_PAPER` (the 2014 paper), :data:`GOOGLENET_BN` (BN after
  every conv), :data:`GOOGLENET_TORCHVISION` (torchvision's port, whose
  weights :func:`from_torchvision` loads) and :data:`GOOGLENET_SMALL` (every
  width divided by 4 and a 3x3 stem, for 28-96 px grey images on a CPU).
* :class:`AuxClassifier` and :func:`googlenet_loss` -- the auxiliary heads and
  the 0.3-weighted loss that combines them with the main one.

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

from .inception import (INCEPTION_V1, TABLE1_OPS_M, TABLE1_OUTPUT_SHAPES, TABLE1_PARAMS_K,  # noqa: F401
                        ConvBNReLU, ConvReLU, Inception, conv_block)
from .init import trunc_normal_
from .registry import register_model
from .transfer import load_by_name
from .validation import IMAGENET_MEAN, IMAGENET_STD, DeclaredInput, InputSpec, check_input

__all__ = [
    "INCEPTION_V1", "TABLE1_OUTPUT_SHAPES", "TABLE1_PARAMS_K", "TABLE1_OPS_M",
    "ConvReLU", "ConvBNReLU", "Inception", "AuxClassifier",
    "GoogLeNetConfig", "GOOGLENET_PAPER", "GOOGLENET_BN", "GOOGLENET_TORCHVISION",
    "GOOGLENET_SMALL", "GoogLeNet", "GoogLeNetOutputs", "googlenet_loss", "from_torchvision",
]


class AuxClassifier(nn.Module):
    """An auxiliary classifier, attached after inception 4a and 4d (Section 5).

    The paper's head: 5x5 average pooling with stride 3 (14x14 -> 4x4), a 1x1
    convolution with 128 filters + ReLU, a fully connected layer with 1024
    units + ReLU, dropout with 70% drop ratio, and a linear layer to the
    classes (softmax in the loss). Only used in training; its loss is added to
    the main one with weight 0.3 (see :func:`googlenet_loss`).

    ``pool="5x5/3"`` is the paper's pooling; it needs a 14-16 px map (the
    224x224 input) to give the 4x4 grid the FC layer is sized for.
    ``pool="adaptive"`` (torchvision, and :data:`GOOGLENET_SMALL`) averages to
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


# --- the full GoogLeNet ---------------------------------------------------------------

@dataclass(frozen=True)
class GoogLeNetConfig:
    """Every choice on which the paper's GoogLeNet, the BN variant and torchvision's port differ.

    * ``batch_norm`` / ``bn_eps`` -- conv-ReLU (paper) or conv-BN-ReLU.
    * ``lrn`` -- LocalResponseNorm after pool1 and after conv3 (the paper's Figure 3).
    * ``branch3`` -- the Inception "5x5" branch: ``"5x5"``, ``"3x3"`` or ``"double3x3"``.
    * ``pool4_kernel`` -- the max pool before inception 5a: 3x3/2 in Table 1.
    * ``global_pool`` -- ``"7x7"`` (Table 1's 7x7/1 average pool, which needs a
      223-254 px input) or ``"adaptive"`` (global average over any size).
    * ``dropout`` / ``aux_dropout`` -- before the final linear / in the aux heads.
    * ``aux_pool`` -- ``"5x5/3"`` (paper) or ``"adaptive"`` (see :class:`AuxClassifier`).
    * ``init`` -- ``"default"`` (PyTorch's) or ``"trunc_normal"`` (torchvision's
      N(0, 0.01) for convolutions and linear layers).
    * ``stem`` -- ``"7x7"`` (Table 1: 7x7/2 conv, 3x3/2 max pool) or ``"3x3"`` (one
      3x3 conv with stride ``stem_stride``, no pool: the teaching-size model).
    * ``width_divisor`` -- divides every width of Table 1 (and of the aux heads).
    * ``input`` -- the :class:`InputSpec` these choices imply.

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
    stem: str = "7x7"
    stem_stride: int = 2
    width_divisor: int = 1
    input: InputSpec = InputSpec(size=224, min_size=223, max_size=254,
                                 fix="resize or crop to 224, or use GOOGLENET_TORCHVISION (adaptive pooling)")


#: The 2014 paper: Table 1 and Figure 3. LRN hyper-parameters are not in the paper;
#: we use the reference Caffe model's (size 5, alpha 1e-4, beta 0.75, k 1).
GOOGLENET_PAPER = GoogLeNetConfig()

#: GoogLeNet with BatchNorm after every convolution (Ioffe & Szegedy, Section 3.2)
#: and without LRN. Their Section 4.2.1 lists what else made the BN network train
#: fast (BN-x5): a larger learning rate, no dropout, 5x less L2 weight decay, a 6x
#: faster learning-rate decay, no LRN, more thorough shuffling and fewer photometric
#: distortions. Of these only "no LRN" is taken here; dropout stays, and the rest
#: is training recipe, left to the caller. (Their BN-Inception also changes the
#: modules -- two 3x3 for each 5x5, other widths -- which this configuration does not.)
GOOGLENET_BN = replace(GOOGLENET_PAPER, batch_norm=True, lrn=False)

#: torchvision's ``googlenet``: BN (eps 0.001) everywhere, no LRN, a 3x3 conv in the
#: "5x5" branch, a 2x2/2 max pool before 5a, adaptive global and aux pooling,
#: dropout 0.2, N(0, 0.01) initialisation.
GOOGLENET_TORCHVISION = replace(GOOGLENET_PAPER, batch_norm=True, bn_eps=1e-3, lrn=False,
                                branch3="3x3", pool4_kernel=2, global_pool="adaptive",
                                dropout=0.2, aux_pool="adaptive", init="trunc_normal",
                                input=InputSpec(size=224, min_size=15, mean=IMAGENET_MEAN, std=IMAGENET_STD))

#: Not from a paper: Table 1's widths divided by 4 (256 -> 64 channels after 3a,
#: 1024 -> 256 at the end; ~0.4 M parameters), a 3x3 stem so that a 32x32 image
#: reaches inception 3a at 16x16 (``stem_stride=2`` for 64-96 px inputs), BN after
#: every conv, no LRN, adaptive pooling, aux heads (if any) with adaptive 4x4 pooling.
GOOGLENET_SMALL = replace(GOOGLENET_PAPER, batch_norm=True, lrn=False, stem="3x3", stem_stride=1,
                          width_divisor=4, global_pool="adaptive", aux_pool="adaptive",
                          input=InputSpec(size=32, min_size=8))
SMALL_INPUT_BY_STEM_STRIDE = {1: GOOGLENET_SMALL.input, 2: InputSpec(size=64, min_size=15)}


class GoogLeNet(DeclaredInput, nn.Module):
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
      means it takes 224 px inputs (223-254 work).
    * :data:`GOOGLENET_BN` adds BatchNorm after every convolution (dropping the
      conv bias) and removes LRN, as Ioffe & Szegedy do. It keeps v1's widths,
      5x5 convolutions, max pools and dropout; their BN-Inception also replaces
      each 5x5 by two 3x3 (``branch3="double3x3"``) and changes widths, and their
      BN-x5 recipe drops dropout (see :data:`GOOGLENET_BN`).
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
        self.in_channels, self.input_spec = in_channels, config.input
        conv = conv_block(config.batch_norm, config.bn_eps)

        def w(c: int) -> int:
            return max(1, c // config.width_divisor)

        def lrn() -> nn.Module:
            return nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75, k=1.0) if config.lrn else nn.Identity()

        def inception(name: str, in_c: int) -> Inception:
            return Inception(in_c, *(w(c) for c in INCEPTION_V1[name]), conv=conv, branch3=config.branch3)

        if config.stem == "7x7":
            self.conv1 = conv(in_channels, w(64), 7, stride=2, padding=3)
            self.pool1 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        elif config.stem == "3x3":
            self.conv1 = conv(in_channels, w(64), 3, stride=config.stem_stride, padding=1)
            self.pool1 = nn.Identity()
        else:
            raise ValueError(f"stem must be '7x7' or '3x3', not {config.stem!r}")
        self.lrn1 = lrn()
        self.conv2 = conv(w(64), w(64), 1)
        self.conv3 = conv(w(64), w(192), 3, padding=1)
        self.lrn2 = lrn()
        self.pool2 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.inception3a = inception("3a", w(192))
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
            aux = partial(AuxClassifier, num_classes=num_classes, conv=conv, pool=config.aux_pool,
                          conv_channels=w(128), hidden=w(1024), dropout=config.aux_dropout)
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
            trunc_normal_(self, std=0.01)
        # for transform_input; not in the state dict, so weight transfer ignores them
        self.register_buffer("input_mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("input_std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1), persistent=False)

    @property
    def aux_logits(self) -> bool:
        return self.aux1 is not None

    def forward(self, x: torch.Tensor):
        check_input(self, x)
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
        x = self.avgpool(x).flatten(1)                     # (N, 1024)
        x = self.fc(self.dropout(x))                       # (N, classes)
        return GoogLeNetOutputs(x, aux1, aux2) if use_aux else x


def from_torchvision(tv_model: nn.Module, target: Optional[GoogLeNet] = None) -> GoogLeNet:
    """Load a torchvision ``GoogLeNet``'s weights and BN statistics into ours (same module names).

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
    ignore = ("aux1.", "aux2.") if src_aux != target.aux_logits else ()
    return load_by_name(target, tv_model, ignore=ignore).train(tv_model.training)


# --- registered factories -------------------------------------------------------------

@register_model
def googlenet(num_classes: int = 1000, in_channels: int = 3, **kwargs) -> GoogLeNet:
    """torchvision-compatible GoogLeNet (BN, 3x3 "5x5" branch); takes weights via from_torchvision."""
    return GoogLeNet(num_classes, in_channels, config=GOOGLENET_TORCHVISION, **kwargs)


@register_model
def googlenet_paper(num_classes: int = 1000, in_channels: int = 3, **kwargs) -> GoogLeNet:
    """The 2014 paper's GoogLeNet (LRN, 5x5 branch, 7x7 average pool; 224x224 input)."""
    return GoogLeNet(num_classes, in_channels, config=GOOGLENET_PAPER, **kwargs)


@register_model
def googlenet_bn(num_classes: int = 1000, in_channels: int = 3, **kwargs) -> GoogLeNet:
    """The paper's GoogLeNet with BatchNorm after every conv and no LRN (224x224 input)."""
    return GoogLeNet(num_classes, in_channels, config=GOOGLENET_BN, **kwargs)


@register_model
def googlenet_small(num_classes: int = 10, in_channels: int = 1, *, width_divisor: int = 4,
                    batch_norm: bool = True, stem_stride: int = 1, branch3: str = "5x5",
                    dropout: float = 0.4, aux_logits: bool = False) -> GoogLeNet:
    """A narrow GoogLeNet for 28-96 px grey images that trains on a CPU (:data:`GOOGLENET_SMALL`).

    ``stem_stride=2`` halves 64-96 px inputs in the stem, which raises the
    smallest input from 8 to 15 px (the three 3x3/2 pools need a 2x2 map after it).
    """
    config = replace(GOOGLENET_SMALL, width_divisor=width_divisor, batch_norm=batch_norm,
                     stem_stride=stem_stride, branch3=branch3, dropout=dropout,
                     input=SMALL_INPUT_BY_STEM_STRIDE[stem_stride])
    return GoogLeNet(num_classes, in_channels, config=config, aux_logits=aux_logits)
