"""AlexNet: the 2012 paper's network and its configurations, and torchvision's single column.

Paper: A. Krizhevsky, I. Sutskever, G. E. Hinton, "ImageNet Classification with
Deep Convolutional Neural Networks", NIPS 2012 (``krizhevsky2012imagenet``).
torchvision's variant: A. Krizhevsky, "One weird trick for parallelizing
convolutional neural networks", arXiv:1404.5997, 2014 (``krizhevsky2014one``).

Two classes live here:

* :class:`AlexNetPaper` -- the 2012 layout layer for layer (conv1-conv5 with
  overlapping 3x3/2 max pooling, LRN after conv1 and conv2, FC 4096-4096-classes
  with dropout), configured by an :class:`AlexNetConfig`. The configurations:

  - ``alexnet_paper`` -- the paper's widths 96-256-384-384-256 on a 227x227 input;
    ``alexnet_paper_2gpu`` adds its two-GPU grouping (``groups=2`` on conv2, conv4, conv5);
  - ``alexnet_notes`` -- the study notes' class: 227x227, no padding, one GPU's half
    of the widths (48-128-192-192-128), FC 2048-2048, no LRN;
  - ``alexnet_d2l`` -- d2l's (Sec. 8.1): the paper's full widths on one column, no
    LRN, conv1 padding 1 on a 224x224 input (so a 5x5 last map and a 6400-wide fc6);
  - ``alexnet_small`` -- the layout shrunk to train in minutes on 64x64 grey images.

* :class:`AlexNet` -- torchvision's single-column AlexNet (64-192-384-256-256, no
  LRN, adaptive pooling); same module names, so torchvision's weights load
  (:func:`from_torchvision`).

==============================  ===========  ===============
model                           input        parameters
==============================  ===========  ===============
``alexnet_paper``               227-258      62,378,344
``alexnet_paper_2gpu``          227-258      60,965,224
``alexnet_notes``               227-258      16,630,440
``alexnet`` (torchvision)       63 and up    61,100,840
``alexnet_d2l`` (10 cl., grey)  193-224      46,764,746
``alexnet_small`` (10, grey)    29 and up    809,098
==============================  ===========  ===============

(1000 classes and RGB unless noted.)
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from .init import alexnet_paper_, kaiming_relu_
from .registry import register_model
from .transfer import load_by_name
from .validation import IMAGENET_MEAN, IMAGENET_STD, DeclaredInput, InputSpec, check_input

__all__ = ["AlexNetConfig", "ALEXNET_PAPER", "ALEXNET_PAPER_224", "AlexNetPaper", "AlexNet", "paper_lrn",
           "from_torchvision", "LRN_SIZE", "LRN_K", "LRN_ALPHA", "LRN_BETA"]

# --- Local response normalisation (paper, Section 3.3) -------------------------------
#
# The paper:   b_i = a_i / (k + alpha * sum_j a_j^2)^beta,
#              the sum running over the n maps j = i - n/2 ... i + n/2 (clipped at
#              the edges), with k = 2, n = 5, alpha = 1e-4, beta = 0.75.
# PyTorch:     b_c = a_c * (k + (alpha / n) * sum_{c'} a_{c'}^2)^(-beta),
#              the same clipped window of n = size maps (its docs; the code
#              averages the squares over the window, zero-padded, which is the sum / n).
# PyTorch divides its alpha by n and the paper does not, so to get the paper's
# alpha = 1e-4 we pass alpha = n * 1e-4 = 5e-4. (Passing 1e-4 would normalise
# five times too weakly.) tests/models/test_alexnet.py checks this numerically.
LRN_SIZE = 5
LRN_K = 2.0
LRN_ALPHA = LRN_SIZE * 1e-4     # = 5e-4 in PyTorch's convention == the paper's 1e-4
LRN_BETA = 0.75


def paper_lrn() -> nn.LocalResponseNorm:
    """LRN with the paper's constants k=2, n=5, alpha=1e-4, beta=0.75 (see the note above)."""
    return nn.LocalResponseNorm(size=LRN_SIZE, alpha=LRN_ALPHA, beta=LRN_BETA, k=LRN_K)


@dataclass(frozen=True)
class AlexNetConfig:
    """Every choice on which the paper's AlexNet, the notes', d2l's and the teaching-size one differ.

    * ``widths`` -- conv1 ... conv5 filters; ``fc`` -- width of fc6 and fc7.
    * ``conv1`` -- (kernel, stride, padding) of the first convolution.
    * ``groups`` -- 2 splits conv2, conv4 and conv5 across the paper's two GPUs.
    * ``lrn`` -- local response normalisation after conv1 and conv2.
    * ``head_grid`` -- side of the last feature map, which fc6 reads in full.
    * ``adaptive_pool`` -- average-pool any last map to ``head_grid`` first (as torchvision).
    * ``input`` -- the :class:`InputSpec` the layers above imply.
    """
    widths: tuple[int, int, int, int, int] = (96, 256, 384, 384, 256)
    fc: int = 4096
    conv1: tuple[int, int, int] = (11, 4, 0)
    groups: int = 1
    lrn: bool = True
    head_grid: int = 6
    adaptive_pool: bool = False
    input: InputSpec = InputSpec(size=227, min_size=227, max_size=258)


#: The paper on a 227x227 input (no padding: (227 - 11) / 4 + 1 = 55).
ALEXNET_PAPER = AlexNetConfig()
#: The paper's stated 224x224 input with 2 pixels of padding (floor(54.25) + 1 = 55).
ALEXNET_PAPER_224 = AlexNetConfig(conv1=(11, 4, 2), input=InputSpec(size=224, min_size=223, max_size=254))


class AlexNetPaper(DeclaredInput, nn.Module):
    """The network of Krizhevsky, Sutskever & Hinton (2012), Section 3 and Figure 2, and its configurations.

    ======  ===========================================  ===============
    layer   what (paper's Section 3.5)                   output (227 in)
    ======  ===========================================  ===============
    conv1   96 kernels 11x11x3, stride 4; ReLU; LRN      96 x 55 x 55
    pool1   3x3 max, stride 2 (overlapping, s < z)       96 x 27 x 27
    conv2   256 kernels 5x5x48 (pad 2); ReLU; LRN        256 x 27 x 27
    pool2   3x3 max, stride 2                            256 x 13 x 13
    conv3   384 kernels 3x3x256 (pad 1); ReLU            384 x 13 x 13
    conv4   384 kernels 3x3x192 (pad 1); ReLU            384 x 13 x 13
    conv5   256 kernels 3x3x192 (pad 1); ReLU            256 x 13 x 13
    pool5   3x3 max, stride 2                            256 x 6 x 6
    fc6     4096; ReLU; dropout 0.5                      4096
    fc7     4096; ReLU; dropout 0.5                      4096
    fc8     1000 (softmax in the loss)                   1000
    ======  ===========================================  ===============

    **Input size.** The paper says the input is 224x224x3, but with an 11x11
    kernel at stride 4 and no padding that gives (224 - 11)/4 + 1 = 54.25, not
    the 55x55 maps its other numbers need (27x27x256 = 186,624 and 13x13x384 =
    64,896 neurons, as the paper lists; its first-layer count of 253,440 does not
    equal 55x55x96 = 290,400 either, so the text is inconsistent). Two ways make
    the arithmetic exact:

    * :data:`ALEXNET_PAPER` (default): no padding, (227 - 11)/4 + 1 = 55 exactly, and
      the 11x11 windows tile the image with no pixel left over. This is what
      Caffe's reference AlexNet (227x227 crops) and most course notes use.
    * :data:`ALEXNET_PAPER_224`: 2 pixels of zero padding per side, floor((224 + 4 - 11)/4)
      + 1 = floor(54.25) + 1 = 55; the last column of the padded image is never
      reached by a window. Choose this to keep the paper's 224.

    We default to 227 because it is the only reading where the layer sizes
    follow without padding or truncation. The paddings of conv2-conv5 (2, 1, 1, 1)
    are not stated in the paper; they are the ones that keep the 27x27 and 13x13
    sizes that its neuron counts require.

    The head is a fixed 256*6*6 = 9216 -> 4096 layer, so the final map must be
    6x6: inputs 227-258 work with the 227 configuration and 223-254 with the
    224 one; each configuration declares its range in its :class:`InputSpec`.

    **Two GPUs.** The paper split every layer in half across two GTX 580s; conv2,
    conv4 and conv5 only see the kernel maps on their own GPU ("5x5x48",
    "3x3x192"), while conv3 and the FC layers read both halves.
    ``AlexNetConfig(groups=2)`` (registered as ``alexnet_paper_2gpu``) models this
    with ``groups=2`` on conv2, conv4 and conv5 (60,965,224 parameters for 1000
    classes instead of 62,378,344; the paper rounds to "60 million"). ``groups=2``
    puts the first half of the channels on "GPU 0" and the second half on "GPU 1",
    exactly as the two columns of Figure 2.

    **Departures from the paper.** LRN here runs across all 96 (or 256) maps, so in
    the two-GPU model the maps next to the GPU boundary are normalised with a
    few maps from the other half (the paper normalised within each GPU). Weights
    are initialised Kaiming-normal (``init="kaiming"``, default) because it lets
    the network train with ordinary learning rates; ``init="paper"`` gives the
    paper's N(0, 0.01) weights with biases 1 in conv2, conv4, conv5, fc6, fc7 and 0
    elsewhere. Training details (SGD with momentum 0.9, weight decay 5e-4, PCA
    colour augmentation, 10-crop testing) belong to the training code, not the model.

    **Other configurations** of the same layers (:class:`AlexNetConfig`): the
    study notes' network (``alexnet_notes``), d2l's (``alexnet_d2l``) and a
    teaching-size one (``alexnet_small``); see their factories below.
    """

    def __init__(self, num_classes: int = 1000, in_channels: int = 3, *,
                 config: AlexNetConfig = ALEXNET_PAPER, dropout: float = 0.5, init: str = "kaiming"):
        super().__init__()
        if init not in ("kaiming", "paper"):
            raise ValueError(f"init must be 'kaiming' or 'paper'; got {init!r}.")
        c1, c2, c3, c4, c5 = config.widths
        kernel, stride, padding = config.conv1
        g = config.groups
        self.config, self.in_channels, self.input_spec = config, in_channels, config.input
        self.conv1 = nn.Conv2d(in_channels, c1, kernel_size=kernel, stride=stride, padding=padding)
        self.lrn1 = paper_lrn() if config.lrn else nn.Identity()
        self.pool1 = nn.MaxPool2d(kernel_size=3, stride=2)
        self.conv2 = nn.Conv2d(c1, c2, kernel_size=5, padding=2, groups=g)
        self.lrn2 = paper_lrn() if config.lrn else nn.Identity()
        self.pool2 = nn.MaxPool2d(kernel_size=3, stride=2)
        self.conv3 = nn.Conv2d(c2, c3, kernel_size=3, padding=1)
        self.conv4 = nn.Conv2d(c3, c4, kernel_size=3, padding=1, groups=g)
        self.conv5 = nn.Conv2d(c4, c5, kernel_size=3, padding=1, groups=g)
        self.pool5 = nn.MaxPool2d(kernel_size=3, stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d(config.head_grid) if config.adaptive_pool else nn.Identity()
        self.fc6 = nn.Linear(c5 * config.head_grid ** 2, config.fc)
        self.fc7 = nn.Linear(config.fc, config.fc)
        self.fc8 = nn.Linear(config.fc, num_classes)
        self.relu = nn.ReLU(inplace=True)
        self.dropout = nn.Dropout(dropout)
        if init == "paper":
            alexnet_paper_(self)
        else:
            kaiming_relu_(self)

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        # shapes for the paper's 227x227 input
        x = self.pool1(self.lrn1(self.relu(self.conv1(x))))  # (N, 96, 55, 55) -> (N, 96, 27, 27)
        x = self.pool2(self.lrn2(self.relu(self.conv2(x))))  # (N, 256, 27, 27) -> (N, 256, 13, 13)
        x = self.relu(self.conv3(x))                         # (N, 384, 13, 13)
        x = self.relu(self.conv4(x))                         # (N, 384, 13, 13)
        return self.pool5(self.relu(self.conv5(x)))          # (N, 256, 13, 13) -> (N, 256, 6, 6)

    def forward_head(self, x: torch.Tensor) -> torch.Tensor:
        x = self.avgpool(x).flatten(1)                       # (N, 9216)
        x = self.dropout(self.relu(self.fc6(x)))             # (N, 4096)
        x = self.dropout(self.relu(self.fc7(x)))             # (N, 4096)
        return self.fc8(x)                                   # (N, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_input(self, x)
        return self.forward_head(self.forward_features(x))


class AlexNet(DeclaredInput, nn.Module):
    """torchvision's single-column AlexNet ("One weird trick", Krizhevsky 2014).

    ``features``: conv 64 11x11/4 pad 2 -> pool 3x3/2 -> conv 192 5x5 pad 2 -> pool
    -> conv 384 3x3 -> conv 256 3x3 -> conv 256 3x3 -> pool; ``avgpool``:
    AdaptiveAvgPool2d(6); ``classifier``: dropout -> FC 4096 -> dropout -> FC 4096
    -> FC classes. The modules (and so the ``state_dict`` keys) are exactly
    torchvision's, so a plain ``load_state_dict`` (:func:`from_torchvision`)
    transfers its weights. 61,100,840 parameters for 1000 classes.

    **How it differs from the 2012 paper.** One column instead of two, so no
    grouped convolutions; widths 64-192-384-256-256 instead of 96-256-384-384-256
    (the 2014 paper's footnote gives 64-192-384-384-256; torchvision's conv4 has
    256 filters, taken from cuda-convnet2's one-GPU config, and kept for its
    pretrained weights -- pytorch/vision#463, #704); no LRN; conv1 padded by 2 so
    224 inputs give 55x55; dropout applied to the *inputs* of fc6 and fc7 rather
    than to their outputs (pytorch/vision#549; the same at test time); and
    adaptive average pooling to 6x6 before the head, which lets any input of at
    least 63x63 pixels through (at 224 it is the identity). Initialisation:
    Kaiming-normal (:func:`~cnnbook.models.init.kaiming_relu_`); transferred weights replace it.
    """

    input_spec = InputSpec(size=224, min_size=63, mean=IMAGENET_MEAN, std=IMAGENET_STD)

    def __init__(self, num_classes: int = 1000, in_channels: int = 3, dropout: float = 0.5):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 64, kernel_size=11, stride=4, padding=2),  # (N, 64, 55, 55)
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),                            # (N, 64, 27, 27)
            nn.Conv2d(64, 192, kernel_size=5, padding=2),                     # (N, 192, 27, 27)
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),                            # (N, 192, 13, 13)
            nn.Conv2d(192, 384, kernel_size=3, padding=1),                    # (N, 384, 13, 13)
            nn.ReLU(inplace=True),
            nn.Conv2d(384, 256, kernel_size=3, padding=1),                    # (N, 256, 13, 13)
            nn.ReLU(inplace=True),
            nn.Conv2d(256, 256, kernel_size=3, padding=1),                    # (N, 256, 13, 13)
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),                            # (N, 256, 6, 6)
        )
        self.avgpool = nn.AdaptiveAvgPool2d((6, 6))
        self.classifier = nn.Sequential(
            nn.Dropout(p=dropout),
            nn.Linear(256 * 6 * 6, 4096),
            nn.ReLU(inplace=True),
            nn.Dropout(p=dropout),
            nn.Linear(4096, 4096),
            nn.ReLU(inplace=True),
            nn.Linear(4096, num_classes),
        )
        self.in_channels = in_channels
        kaiming_relu_(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_input(self, x)
        x = self.features(x)      # (N, 256, 6, 6) for a 224x224 input
        x = self.avgpool(x)       # (N, 256, 6, 6) whatever the input size
        x = torch.flatten(x, 1)   # (N, 9216)
        return self.classifier(x)  # (N, classes)


def from_torchvision(tv_model: nn.Module) -> AlexNet:
    """Build :class:`AlexNet` and load a ``torchvision.models.AlexNet``'s weights into it (same keys).

    The class count, input channels and dropout rate are read off ``tv_model``.
    Example (online, once): ``from_torchvision(load_pretrained("alexnet"))``.
    """
    model = AlexNet(num_classes=tv_model.classifier[-1].out_features,
                    in_channels=tv_model.features[0].in_channels, dropout=tv_model.classifier[0].p)
    return load_by_name(model, tv_model).train(tv_model.training)


@register_model
def alexnet_paper(num_classes: int = 1000, in_channels: int = 3, **kwargs) -> AlexNetPaper:
    """The 2012 paper's AlexNet on one column (227x227 input, LRN; ``config=ALEXNET_PAPER_224`` for 224)."""
    return AlexNetPaper(num_classes, in_channels, **kwargs)


@register_model
def alexnet_paper_2gpu(num_classes: int = 1000, in_channels: int = 3, **kwargs) -> AlexNetPaper:
    """The 2012 paper's AlexNet with its two-GPU grouping (groups=2 on conv2, conv4, conv5)."""
    return AlexNetPaper(num_classes, in_channels, config=AlexNetConfig(groups=2), **kwargs)


@register_model
def alexnet_notes(num_classes: int = 1000, in_channels: int = 3, **kwargs) -> AlexNetPaper:
    """The study notes' AlexNet: 227x227, no padding, one GPU's half widths, FC 2048, no LRN."""
    config = AlexNetConfig(widths=(48, 128, 192, 192, 128), fc=2048, lrn=False)
    return AlexNetPaper(num_classes, in_channels, config=config, **kwargs)


@register_model
def alexnet_d2l(num_classes: int = 10, in_channels: int = 1, **kwargs) -> AlexNetPaper:
    """d2l's AlexNet (Sec. 8.1): the paper's widths, no LRN, conv1 padding 1 on 224x224 (5x5 last map)."""
    config = AlexNetConfig(conv1=(11, 4, 1), lrn=False, head_grid=5,
                           input=InputSpec(size=224, min_size=193, max_size=224))
    return AlexNetPaper(num_classes, in_channels, config=config, **kwargs)


@register_model
def alexnet_small(num_classes: int = 10, in_channels: int = 1, **kwargs) -> AlexNetPaper:
    """AlexNet's layout at teaching size, for 64x64 grey images (e.g. Fashion-MNIST resized).

    conv1 32 5x5/2 (pad 2) instead of 96 11x11/4, then 64 5x5, 96, 96 and 64 3x3,
    FC 512-512, no LRN (BatchNorm later replaced it); like torchvision's model it
    average-pools the last map (to 3x3, the identity at 64 px), so any size from
    29 px works (three 3x3/2 pools need a 15x15 conv1 map). About 0.8 M parameters.
    """
    config = AlexNetConfig(widths=(32, 64, 96, 96, 64), fc=512, conv1=(5, 2, 2), lrn=False,
                           head_grid=3, adaptive_pool=True, input=InputSpec(size=64, min_size=29))
    return AlexNetPaper(num_classes, in_channels, config=config, **kwargs)


@register_model
def alexnet(num_classes: int = 1000, in_channels: int = 3, **kwargs) -> AlexNet:
    """torchvision's single-column AlexNet (weights transfer with :func:`from_torchvision`)."""
    return AlexNet(num_classes=num_classes, in_channels=in_channels, **kwargs)
