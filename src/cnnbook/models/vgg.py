"""VGG: the six configurations of the paper's Table 1, torchvision-compatible, and at teaching size.

Paper: K. Simonyan, A. Zisserman, "Very Deep Convolutional Networks for
Large-Scale Image Recognition", ICLR 2015 (``simonyan2015very``).

* :func:`vgg_block` -- the block of the study notes: ``num_convs`` 3x3
  convolutions (padding 1) with ReLU, then 2x2 max pooling.
* :data:`CFGS` -- Table 1 written the way the table is laid out, one list per
  column A, A-LRN, B, C, D, E.
* :class:`VGG` -- builds any configuration, optionally with BatchNorm and with
  every width divided by ``width_divisor``. Its modules are torchvision's, in
  torchvision's order, so :func:`from_torchvision` copies the weights of
  ``torchvision.models.vgg11`` ... ``vgg19_bn``.

Parameter counts (1000 classes, RGB, FC 4096-4096-1000 on a 7x7x512 map), which
round to the paper's Table 2 (133, 133, 133, 134, 138, 144 million):

=====  ========  ==============  ============  ===================
cfg    depth     registered as   parameters    with BatchNorm
=====  ========  ==============  ============  ===================
A      11        vgg11           132,863,336   132,868,840 (_bn)
A-LRN  11        vgg_a_lrn       132,863,336   --
B      13        vgg13           133,047,848   133,053,736 (_bn)
C      16        vgg_c           133,638,952   --
D      16        vgg16           138,357,544   138,365,992 (_bn)
E      19        vgg19           143,667,240   143,678,248 (_bn)
=====  ========  ==============  ============  ===================

Every full-size model takes inputs of 32x32 and up (five 2x2 pools); the
teaching model ``vgg11_small`` (~0.54 M parameters) is meant for 32-64 px grey
images and has the same 32-pixel minimum.
"""
from __future__ import annotations

import re
from typing import Sequence, Union

import torch
from torch import nn

from .alexnet import paper_lrn
from .init import kaiming_relu_
from .registry import register_model
from .transfer import load_by_name
from .validation import IMAGENET_MEAN, IMAGENET_STD, DeclaredInput, InputSpec, check_input

__all__ = ["vgg_block", "CFGS", "DEPTHS", "make_features", "VGG", "from_torchvision"]

CfgItem = Union[int, str]

#: Table 1 of the paper, column by column. The notation follows the table:
#: an int ``n`` is "conv3-n" (3x3 convolution with n channels, padding 1, then ReLU),
#: ``"conv1-n"`` is a 1x1 convolution with n channels (then ReLU), ``"LRN"`` is
#: local response normalisation (AlexNet's constants, as the paper says), and
#: ``"M"`` is "maxpool" (2x2, stride 2). The three FC layers and the softmax at
#: the bottom of the table are the same for every column and live in :class:`VGG`.
CFGS: dict[str, list[CfgItem]] = {
    "A":     [64, "M",
              128, "M",
              256, 256, "M",
              512, 512, "M",
              512, 512, "M"],
    "A-LRN": [64, "LRN", "M",
              128, "M",
              256, 256, "M",
              512, 512, "M",
              512, 512, "M"],
    "B":     [64, 64, "M",
              128, 128, "M",
              256, 256, "M",
              512, 512, "M",
              512, 512, "M"],
    "C":     [64, 64, "M",
              128, 128, "M",
              256, 256, "conv1-256", "M",
              512, 512, "conv1-512", "M",
              512, 512, "conv1-512", "M"],
    "D":     [64, 64, "M",
              128, 128, "M",
              256, 256, 256, "M",
              512, 512, 512, "M",
              512, 512, 512, "M"],
    "E":     [64, 64, "M",
              128, 128, "M",
              256, 256, 256, 256, "M",
              512, 512, 512, 512, "M",
              512, 512, 512, 512, "M"],
}

#: Weight layers per configuration (the table's header: "11 weight layers", ...).
DEPTHS = {"A": 11, "A-LRN": 11, "B": 13, "C": 16, "D": 16, "E": 19}

_CONV1 = re.compile(r"conv1-(\d+)$")


def vgg_block(num_convs: int, in_channels: int, out_channels: int) -> nn.Sequential:
    """The study notes' VGG block: ``num_convs`` x (3x3 conv, padding 1, ReLU), then 2x2 max pool.

    Padding 1 keeps the height and width, so only the pool changes them: it
    halves both. The first convolution maps ``in_channels`` to ``out_channels``,
    the others keep ``out_channels``.
    """
    layers: list[nn.Module] = []
    for _ in range(num_convs):
        layers += [nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1), nn.ReLU()]
        in_channels = out_channels
    layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
    return nn.Sequential(*layers)


def make_features(cfg: Sequence[CfgItem], in_channels: int = 3, *, batch_norm: bool = False,
                  width_divisor: int = 1) -> nn.Sequential:
    """Turn a Table 1 column into one flat ``nn.Sequential`` (torchvision's layout).

    Each convolution is followed by ``BatchNorm2d`` when ``batch_norm`` is set,
    then ReLU. For the columns without LRN and 1x1 layers this is exactly the
    concatenation of :func:`vgg_block` s, e.g. A = block(1, 64), block(1, 128),
    block(2, 256), block(2, 512), block(2, 512).
    """
    layers: list[nn.Module] = []
    for item in cfg:
        if item == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
            continue
        if item == "LRN":
            layers.append(paper_lrn())
            continue
        if isinstance(item, int):
            kernel_size, width = 3, item
        elif isinstance(item, str) and _CONV1.match(item):
            kernel_size, width = 1, int(_CONV1.match(item).group(1))
        else:
            raise ValueError(f"unknown VGG config entry {item!r}: use an int (conv3-n), "
                             "'conv1-n', 'LRN' or 'M'.")
        if width % width_divisor:
            raise ValueError(f"width_divisor={width_divisor} does not divide the width {width}; "
                             "use a power of two up to 64.")
        width //= width_divisor
        layers.append(nn.Conv2d(in_channels, width, kernel_size=kernel_size, padding=kernel_size // 2))
        if batch_norm:
            layers.append(nn.BatchNorm2d(width))
        layers.append(nn.ReLU(inplace=True))
        in_channels = width
    return nn.Sequential(*layers)


class VGG(DeclaredInput, nn.Module):
    """A VGG network from a Table 1 column: conv stack, then FC-4096, FC-4096, FC-classes.

    ``features`` is the column of Table 1 (see :data:`CFGS`), ``avgpool`` is
    ``AdaptiveAvgPool2d(pool_size)``, ``classifier`` is
    FC -> ReLU -> dropout -> FC -> ReLU -> dropout -> FC, dropout 0.5 on the first
    two FC layers as in the paper (Section 3.1). With the defaults the modules,
    their order and the ``state_dict`` keys are torchvision's, so its weights
    load with :func:`from_torchvision` (or plain ``load_state_dict``).

    Arguments beyond the paper:

    * ``batch_norm`` -- BatchNorm2d after every convolution (torchvision's
      ``*_bn`` models; Ioffe & Szegedy 2015, after the VGG paper).
    * ``width_divisor`` -- divides every convolution width and the FC width
      (4096), e.g. 8 gives 8-16-32-64-64 channels and FC 512 for teaching-size models.
    * ``pool_size`` -- side of the adaptive pooling before the head (7).

    **Departures from the paper.** The paper's network is fixed at 224x224 and
    has no pooling between the last max pool and FC-4096 (which sees 7x7x512);
    torchvision's adaptive average pool to 7x7 is the identity at 224 and lets
    other sizes, down to 32x32, through. At test time the paper converts the FC
    layers to convolutions and averages the class scores over a dense grid; that
    is an evaluation procedure, not a different network. The paper initialised
    A with weights drawn from a normal distribution with zero mean and variance
    10^-2 (standard deviation 0.1) and zero biases, and the deeper nets partly
    from A, noting afterwards that Glorot initialisation trains them from
    scratch; we use Kaiming-normal initialisation (He et al., 2015), which was
    derived for exactly such deep ReLU stacks, with standard deviation 0.01 for
    the last FC layer (:func:`~cnnbook.models.init.kaiming_relu_`).

    Input: the five 2x2 pools of every Table 1 column need at least 32x32 pixels
    (a configuration with p pools needs 2^p); 224 is the paper's size.
    """

    input_spec = InputSpec(size=224, min_size=32, mean=IMAGENET_MEAN, std=IMAGENET_STD)

    def __init__(self, cfg: Union[str, Sequence[CfgItem]] = "D", num_classes: int = 1000,
                 in_channels: int = 3, *, batch_norm: bool = False, width_divisor: int = 1,
                 pool_size: int = 7, dropout: float = 0.5):
        super().__init__()
        self.cfg_name = cfg if isinstance(cfg, str) else None
        items = CFGS[cfg] if isinstance(cfg, str) else list(cfg)
        self.in_channels = in_channels
        if items.count("M") != 5:                       # a column of your own
            self.input_spec = InputSpec(size=224, min_size=2 ** items.count("M"))
        self.features = make_features(items, in_channels, batch_norm=batch_norm,
                                      width_divisor=width_divisor)
        last_width = [m for m in self.features if isinstance(m, nn.Conv2d)][-1].out_channels
        fc = 4096 // width_divisor
        self.avgpool = nn.AdaptiveAvgPool2d((pool_size, pool_size))
        self.classifier = nn.Sequential(
            nn.Linear(last_width * pool_size * pool_size, fc),
            nn.ReLU(inplace=True),
            nn.Dropout(p=dropout),
            nn.Linear(fc, fc),
            nn.ReLU(inplace=True),
            nn.Dropout(p=dropout),
            nn.Linear(fc, num_classes),
        )
        kaiming_relu_(self)

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        return self.features(x)    # (N, 512, 7, 7) for 224x224 (each "M" halves: 224 -> 112 -> ... -> 7)

    def forward_head(self, x: torch.Tensor) -> torch.Tensor:
        x = self.avgpool(x)        # (N, 512, 7, 7) whatever the input size
        x = torch.flatten(x, 1)    # (N, 25088)
        return self.classifier(x)  # (N, 4096) -> (N, 4096) -> (N, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_input(self, x)
        return self.forward_head(self.forward_features(x))


def from_torchvision(tv_model: nn.Module) -> VGG:
    """Build the matching :class:`VGG` and copy a ``torchvision.models.VGG``'s weights into it.

    The configuration (widths, pools, BatchNorm), the class count, the input
    channels and the dropout rate are read off ``tv_model``, so this works for
    vgg11 ... vgg19_bn. Our model is built without initialising its weights
    (they are overwritten anyway), which saves a few seconds per model.
    """
    cfg: list[CfgItem] = []
    batch_norm = False
    for m in tv_model.features:
        if isinstance(m, nn.Conv2d):
            cfg.append(m.out_channels if m.kernel_size == (3, 3) else f"conv1-{m.out_channels}")
        elif isinstance(m, nn.MaxPool2d):
            cfg.append("M")
        elif isinstance(m, nn.BatchNorm2d):
            batch_norm = True
        elif isinstance(m, nn.LocalResponseNorm):
            cfg.append("LRN")
    first = next(m for m in tv_model.features if isinstance(m, nn.Conv2d))
    pool = tv_model.avgpool.output_size
    with torch.device("meta"):
        model = VGG(cfg, num_classes=tv_model.classifier[-1].out_features,
                    in_channels=first.in_channels, batch_norm=batch_norm,
                    pool_size=pool if isinstance(pool, int) else pool[0],
                    dropout=tv_model.classifier[2].p)
    model.to_empty(device=first.weight.device)
    return load_by_name(model, tv_model).train(tv_model.training)   # same keys, BN counters included


# torchvision's names (torchvision.models.vgg11 ... vgg19_bn) and the two columns torchvision leaves out.

@register_model
def vgg11(**kwargs) -> VGG:
    """VGG-11, Table 1 column A (torchvision's vgg11)."""
    return VGG("A", **kwargs)


@register_model
def vgg11_bn(**kwargs) -> VGG:
    """VGG-11 (column A) with BatchNorm (torchvision's vgg11_bn)."""
    return VGG("A", batch_norm=True, **kwargs)


@register_model
def vgg13(**kwargs) -> VGG:
    """VGG-13, Table 1 column B (torchvision's vgg13)."""
    return VGG("B", **kwargs)


@register_model
def vgg13_bn(**kwargs) -> VGG:
    """VGG-13 (column B) with BatchNorm (torchvision's vgg13_bn)."""
    return VGG("B", batch_norm=True, **kwargs)


@register_model
def vgg16(**kwargs) -> VGG:
    """VGG-16, Table 1 column D (torchvision's vgg16)."""
    return VGG("D", **kwargs)


@register_model
def vgg16_bn(**kwargs) -> VGG:
    """VGG-16 (column D) with BatchNorm (torchvision's vgg16_bn)."""
    return VGG("D", batch_norm=True, **kwargs)


@register_model
def vgg19(**kwargs) -> VGG:
    """VGG-19, Table 1 column E (torchvision's vgg19)."""
    return VGG("E", **kwargs)


@register_model
def vgg19_bn(**kwargs) -> VGG:
    """VGG-19 (column E) with BatchNorm (torchvision's vgg19_bn)."""
    return VGG("E", batch_norm=True, **kwargs)


@register_model
def vgg_a_lrn(**kwargs) -> VGG:
    """Table 1 column A-LRN: A with LRN after the first convolution."""
    return VGG("A-LRN", **kwargs)


@register_model
def vgg_c(**kwargs) -> VGG:
    """Table 1 column C: B plus a 1x1 convolution in each of the last three stages."""
    return VGG("C", **kwargs)


@register_model
def vgg11_small(num_classes: int = 10, in_channels: int = 1, width_divisor: int = 8, pool_size: int = 2,
                **kwargs) -> VGG:
    """Teaching-size VGG-11 for 32-64 px grey images: widths 8-16-32-64-64, FC 512.

    Column A with ``width_divisor=8`` and a 2x2 adaptive pool before the head
    (the identity for 64x64 inputs, whose five pools leave 2x2; a 32x32 input
    leaves 1x1, copied to 2x2). Minimum input 32x32; about 0.54 M parameters.
    Pass ``batch_norm=True`` for faster, steadier training.
    """
    model = VGG("A", num_classes=num_classes, in_channels=in_channels, width_divisor=width_divisor,
                pool_size=pool_size, **kwargs)
    model.input_spec = InputSpec(size=64, min_size=32)    # trained here from scratch: no ImageNet statistics
    return model
