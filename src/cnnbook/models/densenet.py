"""DenseNet: every layer sees the feature maps of all layers before it in its block.

Paper: G. Huang, Z. Liu, L. van der Maaten, K. Q. Weinberger, "Densely
Connected Convolutional Networks", CVPR 2017 (``huang2017densely``).

Inside a dense block layer l computes x_l = H_l([x_0, x_1, ..., x_{l-1}]): its
input is the *concatenation* of the block input and every earlier layer's
output (the paper's eq. 2). Each H_l produces k feature maps (the *growth
rate*), so with c_0 input channels layer l reads c_0 + (l - 1)·k channels and
the block returns c_0 + L·k. Between blocks a *transition layer* shrinks the
channels by the *compression* factor θ and halves H and W.

What lives here:

* :class:`DenseLayer` -- H_l, with bottleneck (BN-ReLU-Conv1x1(4k)-BN-ReLU-
  Conv3x3(k), the paper's "-B") or without (BN-ReLU-Conv3x3(k));
* :class:`DenseBlock` and :class:`Transition`;
* :class:`DenseNet` -- the ImageNet networks of Table 1 (:data:`DENSENET_CONFIGS`:
  DenseNet-121/169/201/264, k = 32, θ = 0.5), the three-block CIFAR networks of
  section 4 (DenseNet-BC with L = 100, k = 12 and the plain L = 40, k = 12
  DenseNet) and a teaching-size DenseNet-BC for small grey images;
* :func:`from_torchvision`, which loads a torchvision DenseNet-121/169/201
  (torchvision has no 264) into the book's model by name (:data:`TORCHVISION_NAMES`).

The ImageNet networks keep torchvision's final BatchNorm (``norm5``) before the
closing ReLU and global pooling; the paper's Table 1 omits that BN-ReLU but its
released code has it. Initialisation
is torchvision's (:func:`~cnnbook.models.init.kaiming_bn_`): Kaiming-normal
convolutions (``fan_in``, ReLU gain), BN gamma = 1 and beta = 0, zero bias in the classifier.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Optional, Sequence

import torch
from torch import nn

from .init import kaiming_bn_
from .registry import register_model
from .transfer import load_by_name
from .validation import IMAGENET_MEAN, IMAGENET_STD, DeclaredInput, InputSpec, check_input

__all__ = ["DenseLayer", "DenseBlock", "Transition", "DenseNet", "DENSENET_CONFIGS",
           "TORCHVISION_NAMES", "from_torchvision"]


class DenseLayer(nn.Module):
    """H_l: one layer of a dense block, producing k = ``growth_rate`` new feature maps.

    ``bottleneck=True`` (DenseNet-B): BN-ReLU-Conv(1x1, ``bn_size``·k)-BN-ReLU-
    Conv(3x3, k); the paper's ``bn_size`` is 4. ``bottleneck=False``: BN-ReLU-
    Conv(3x3, k). ``drop_rate`` > 0 adds dropout to the k new maps (the paper
    uses 0.2 after every convolution for CIFAR without augmentation; here, as in
    torchvision, only after the 3x3 one).
    """

    def __init__(self, in_channels: int, growth_rate: int, *, bottleneck: bool = True,
                 bn_size: int = 4, drop_rate: float = 0.0):
        super().__init__()
        self.in_channels, self.growth_rate = in_channels, growth_rate
        if bottleneck:
            width = bn_size * growth_rate
            self.norm1 = nn.BatchNorm2d(in_channels)
            self.relu1 = nn.ReLU()
            self.conv1 = nn.Conv2d(in_channels, width, kernel_size=1, bias=False)
            self.norm2 = nn.BatchNorm2d(width)
            self.relu2 = nn.ReLU()
            self.conv2 = nn.Conv2d(width, growth_rate, kernel_size=3, padding=1, bias=False)
        else:
            self.norm1 = nn.BatchNorm2d(in_channels)
            self.relu1 = nn.ReLU()
            self.conv1 = nn.Conv2d(in_channels, growth_rate, kernel_size=3, padding=1, bias=False)
        self.bottleneck = bottleneck
        self.dropout = nn.Dropout(drop_rate)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv1(self.relu1(self.norm1(x)))         # (N, 4k or k, H, W)
        if self.bottleneck:
            out = self.conv2(self.relu2(self.norm2(out)))   # (N, k, H, W)
        return self.dropout(out)


class DenseBlock(nn.ModuleDict):
    """L dense layers; layer i (from 1) reads c_0 + (i-1)·k channels, the block returns c_0 + L·k.

    Written as the paper states it: after each layer the new k maps are
    concatenated onto everything so far. (torchvision keeps a list and
    concatenates inside each layer; the arithmetic is the same.) The layers are
    named ``denselayer1`` ... as in torchvision.
    """

    def __init__(self, num_layers: int, in_channels: int, growth_rate: int, **layer_kwargs):
        super().__init__({f"denselayer{i + 1}": DenseLayer(in_channels + i * growth_rate, growth_rate,
                                                             **layer_kwargs)
                          for i in range(num_layers)})
        self.in_channels = in_channels
        self.out_channels = in_channels + num_layers * growth_rate

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.values():              # x: (N, c_0 + i·k, H, W) before layer i + 1
            x = torch.cat([x, layer(x)], dim=1)  # [x_0, ..., x_i]: (N, c_0 + (i+1)·k, H, W)
        return x


class Transition(nn.Sequential):
    """Between dense blocks: BN-ReLU-Conv(1x1, ⌊θ·m⌋)-AvgPool(2x2, stride 2).

    m input channels become ⌊θ·m⌋ (θ = ``compression``; the paper's "-C" nets use
    θ = 0.5, θ = 1 keeps m) and H, W are halved, rounding down.
    """

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__(OrderedDict(
            norm=nn.BatchNorm2d(in_channels),
            relu=nn.ReLU(),
            conv=nn.Conv2d(in_channels, out_channels, kernel_size=1, bias=False),  # (N, ⌊θm⌋, H, W)
            pool=nn.AvgPool2d(kernel_size=2, stride=2),                            # (N, ⌊θm⌋, H/2, W/2)
        ))


#: Table 1 of the paper: dense layers per block for DenseNet-121/169/201/264 (k = 32).
#: Depth = 1 (first conv) + 2 per bottleneck layer + 3 transitions + 1 (FC): 121, 169,
#: 201 -- and 265 for "264", whose name the paper gives although its table sums to 265.
DENSENET_CONFIGS: dict[int, tuple[int, ...]] = {
    121: (6, 12, 24, 16),
    169: (6, 12, 32, 32),
    201: (6, 12, 48, 32),
    264: (6, 12, 64, 48),
}


class DenseNet(DeclaredInput, nn.Module):
    """A DenseNet: stem, dense blocks joined by transitions, BN-ReLU, global pool, FC.

    ``stem="imagenet"`` is the paper's 7x7/2 convolution with 2k filters and a
    3x3/2 max pool (section 3, "Implementation Details", ImageNet);
    ``stem="cifar"`` is one 3x3 convolution (with 2k filters for DenseNet-BC,
    16 for the plain DenseNet). ``bottleneck`` and ``compression`` < 1 make the
    paper's DenseNet-B, -C and -BC variants.

    The final BN-ReLU (``norm`` below) follows the last dense block as in
    torchvision and the authors' code; Table 1 shows only the pooling and the
    classifier.

    Input: the ImageNet stem and three transitions (Table 1) need 29 px (the stem
    halves twice rounding up, each transition halves rounding down); the CIFAR
    stem and two transitions need 4 px.
    """

    input_spec = InputSpec(size=224, min_size=29, mean=IMAGENET_MEAN, std=IMAGENET_STD)
    cifar_input_spec = InputSpec(size=32, min_size=4)

    def __init__(self, block_config: Sequence[int], *, growth_rate: int = 32,
                 num_init_features: Optional[int] = None, bottleneck: bool = True,
                 compression: float = 0.5, bn_size: int = 4, drop_rate: float = 0.0,
                 stem: str = "imagenet", num_classes: int = 1000, in_channels: int = 3):
        super().__init__()
        if not 0 < compression <= 1:
            raise ValueError(f"compression θ must be in (0, 1], got {compression}")
        k = growth_rate
        self.in_channels = in_channels
        if stem == "cifar":
            self.input_spec = self.cifar_input_spec
        channels = num_init_features or 2 * k
        self.stem = self._make_stem(stem, in_channels, channels)

        body = []
        for i, num_layers in enumerate(block_config):
            block = DenseBlock(num_layers, channels, k, bottleneck=bottleneck,
                               bn_size=bn_size, drop_rate=drop_rate)
            body.append((f"denseblock{i + 1}", block))
            channels = block.out_channels                       # c_0 + L·k
            if i < len(block_config) - 1:
                out = int(compression * channels)               # ⌊θ·m⌋
                body.append((f"transition{i + 1}", Transition(channels, out)))
                channels = out
        self.body = nn.Sequential(OrderedDict(body))

        self.norm = nn.BatchNorm2d(channels)
        self.relu = nn.ReLU()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(channels, num_classes)
        self.num_features = channels

        kaiming_bn_(self, mode="fan_in", zero_linear_bias=True)   # torchvision's initialisation

    @staticmethod
    def _make_stem(kind: str, in_channels: int, channels: int) -> nn.Sequential:
        if kind == "imagenet":
            return nn.Sequential(OrderedDict(
                conv0=nn.Conv2d(in_channels, channels, kernel_size=7, stride=2, padding=3, bias=False),
                norm0=nn.BatchNorm2d(channels),
                relu0=nn.ReLU(),
                pool0=nn.MaxPool2d(kernel_size=3, stride=2, padding=1),
            ))
        if kind == "cifar":
            return nn.Sequential(OrderedDict(
                conv0=nn.Conv2d(in_channels, channels, kernel_size=3, padding=1, bias=False),
            ))
        raise ValueError(f"stem must be 'imagenet' (7x7/2 conv + max pool) or 'cifar' "
                         f"(one 3x3 conv, for 32x32 images), got {kind!r}")

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x)              # (N, 2k, H/4, W/4); "cifar" stem: (N, 2k, H, W)
        x = self.body(x)              # each block adds L·k channels, each transition
                                      # keeps ⌊θ·m⌋ and halves H, W: (N, m, H', W')
        return self.relu(self.norm(x))  # (N, m, H', W')

    def forward_head(self, x: torch.Tensor) -> torch.Tensor:
        x = self.pool(x).flatten(1)   # (N, m): global average pooling
        return self.classifier(x)     # (N, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_input(self, x)
        return self.forward_head(self.forward_features(x))


#: torchvision's names for the parts of a DenseNet -> the book's. torchvision keeps
#: everything but the classifier in one ``features`` Sequential; the book splits it
#: into the stem, the body (dense blocks and transitions) and the final BN ``norm``.
#: The first entry that fits a key's start renames it (:func:`~cnnbook.models.transfer.rename_key`).
TORCHVISION_NAMES = {
    "features.conv0": "stem.conv0",
    "features.norm0": "stem.norm0",
    "features.norm5": "norm",
    "features": "body",                 # features.denseblock1 ... -> body.denseblock1 ...
}


def from_torchvision(tv_model: nn.Module) -> DenseNet:
    """The book's DenseNet with the weights (and BN statistics) of a torchvision DenseNet.

    The configuration (growth rate, layers per block, first-conv width,
    classes, input channels) is read off ``tv_model``, so DenseNet-121, 169, 201
    and 161 (k = 48) all work; the result computes the same function.
    """
    features = tv_model.features
    blocks = [m for name, m in features.named_children() if name.startswith("denseblock")]
    if not blocks:
        raise TypeError(f"expected a torchvision DenseNet, got {type(tv_model).__name__}")
    first_layer = next(iter(blocks[0].children()))
    model = DenseNet([len(b) for b in blocks], growth_rate=first_layer.conv2.out_channels,
                     num_init_features=features.conv0.out_channels,
                     bn_size=first_layer.conv1.out_channels // first_layer.conv2.out_channels,
                     num_classes=tv_model.classifier.out_features,
                     in_channels=features.conv0.in_channels)
    return load_by_name(model, tv_model, TORCHVISION_NAMES).train(tv_model.training)


# --- the registry -------------------------------------------------------------------

def _imagenet_densenet(depth: int, num_classes: int, in_channels: int, **kwargs) -> DenseNet:
    return DenseNet(DENSENET_CONFIGS[depth], growth_rate=32, compression=0.5,
                    num_classes=num_classes, in_channels=in_channels, **kwargs)


@register_model
def densenet121(num_classes: int = 1000, in_channels: int = 3, **kwargs) -> DenseNet:
    """DenseNet-121 (6-12-24-16 layers, k = 32, θ = 0.5), torchvision-compatible."""
    return _imagenet_densenet(121, num_classes, in_channels, **kwargs)


@register_model
def densenet169(num_classes: int = 1000, in_channels: int = 3, **kwargs) -> DenseNet:
    """DenseNet-169 (6-12-32-32 layers, k = 32, θ = 0.5), torchvision-compatible."""
    return _imagenet_densenet(169, num_classes, in_channels, **kwargs)


@register_model
def densenet201(num_classes: int = 1000, in_channels: int = 3, **kwargs) -> DenseNet:
    """DenseNet-201 (6-12-48-32 layers, k = 32, θ = 0.5), torchvision-compatible."""
    return _imagenet_densenet(201, num_classes, in_channels, **kwargs)


@register_model
def densenet264(num_classes: int = 1000, in_channels: int = 3, **kwargs) -> DenseNet:
    """DenseNet-264 (6-12-64-48 layers, k = 32, θ = 0.5); torchvision has no counterpart."""
    return _imagenet_densenet(264, num_classes, in_channels, **kwargs)


@register_model
def densenet_cifar(num_classes: int = 10, in_channels: int = 3, depth: int = 100,
                   growth_rate: int = 12, bc: bool = True, **kwargs) -> DenseNet:
    """The three-block CIFAR networks of the paper's section 4 (32x32 input).

    ``bc=True`` (DenseNet-BC): bottleneck layers, θ = 0.5, first conv 2k
    filters, (depth - 4) / 6 layers per block. ``bc=False`` (DenseNet): plain
    3x3 layers, θ = 1, first conv 16 filters, (depth - 4) / 3 layers per block.
    Paper counts (Table 2): BC L=100 k=12 0.8M, L=250 k=24 15.3M, L=190 k=40
    25.6M; DenseNet L=40 k=12 1.0M, L=100 k=12 7.0M, L=100 k=24 27.2M.
    """
    per_layer = 2 if bc else 1
    if depth < 4 or (depth - 4) % (3 * per_layer):
        raise ValueError(f"CIFAR {'DenseNet-BC' if bc else 'DenseNet'} depth must be 4 + "
                         f"{3 * per_layer}n (e.g. {'100' if bc else '40'}); got {depth}")
    n = (depth - 4) // (3 * per_layer)
    kwargs.setdefault("num_init_features", 2 * growth_rate if bc else 16)
    kwargs.setdefault("compression", 0.5 if bc else 1.0)
    return DenseNet((n, n, n), growth_rate=growth_rate, bottleneck=bc, stem="cifar",
                    num_classes=num_classes, in_channels=in_channels, **kwargs)


@register_model
def densenet_bc_100_12(num_classes: int = 10, in_channels: int = 3, **kwargs) -> DenseNet:
    """DenseNet-BC with L = 100, k = 12 for CIFAR (Table 2: 0.8M parameters)."""
    return densenet_cifar(num_classes, in_channels, depth=100, growth_rate=12, bc=True, **kwargs)


@register_model
def densenet_40_12(num_classes: int = 10, in_channels: int = 3, **kwargs) -> DenseNet:
    """The plain DenseNet with L = 40, k = 12 for CIFAR (Table 2: 1.0M parameters)."""
    return densenet_cifar(num_classes, in_channels, depth=40, growth_rate=12, bc=False, **kwargs)


@register_model
def densenet_small(num_classes: int = 10, in_channels: int = 1, **kwargs) -> DenseNet:
    """Teaching size: DenseNet-BC with L = 28, k = 12 (3 blocks of 4 bottleneck layers).

    The CIFAR layout of the paper, shortened so that 32x32 grey images train
    quickly on a CPU. Not one of the paper's configurations.
    """
    return densenet_cifar(num_classes, in_channels, depth=28, growth_rate=12, bc=True, **kwargs)
