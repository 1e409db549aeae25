"""AlexNet: the 2012 paper's network, torchvision's single-column version, d2l's, and a small one.

Paper: A. Krizhevsky, I. Sutskever, G. E. Hinton, "ImageNet Classification with
Deep Convolutional Neural Networks", NIPS 2012 (``krizhevsky2012imagenet``).
torchvision's variant: A. Krizhevsky, "One weird trick for parallelizing
convolutional neural networks", arXiv:1404.5997, 2014 (``krizhevsky2014one``).

Four models live here:

* :class:`AlexNetPaper` -- the 2012 network layer for layer: 96-256-384-384-256
  convolutions, local response normalisation (LRN) after conv1 and conv2,
  overlapping 3x3/2 max pooling, FC 4096-4096-1000 with dropout. ``two_gpu=True``
  adds the paper's two-GPU grouping (``groups=2`` on conv2, conv4, conv5).
* :class:`AlexNet` -- torchvision's single-column AlexNet (64-192-384-256-256, no
  LRN, adaptive pooling); same modules in the same order, so torchvision's
  weights load (:func:`from_torchvision`).
* :class:`AlexNetD2L` -- the version of the study notes and d2l: the paper's
  widths, 11x11/4 with padding 1 on a 224x224 input, no LRN.
* :class:`SmallAlexNet` -- the same shape shrunk to train in minutes on 64x64
  grey images (Fashion-MNIST resized from 28x28).

The sizes of the four, with ``num_classes=1000, in_channels=3`` unless noted:

==============================  ===========  ===============
model                           min input    parameters
==============================  ===========  ===============
``alexnet_paper``               227          62,378,344
``alexnet_paper`` two-GPU       227          60,965,224
``alexnet`` (torchvision)       63           61,100,840
``alexnet_d2l`` (10 cl., grey)  193          46,764,746
``alexnet_small`` (10, grey)    29           809,098
==============================  ===========  ===============
"""
from __future__ import annotations

import torch
from torch import nn

from .registry import register
from .transfer import copy_state_in_order
from .validation import guard_input

__all__ = ["AlexNetPaper", "AlexNet", "AlexNetD2L", "SmallAlexNet", "paper_lrn",
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


def _kaiming_init(model: nn.Module) -> None:
    """He et al. (2015) initialisation for every ReLU layer; a small final layer.

    Convolutions and hidden fully connected layers get Kaiming-normal weights
    (std sqrt(2 / fan)) and zero biases, which keeps activations at a steady
    scale through the ReLUs so that the network trains from the first epoch
    without the paper's hand-tuned constants. The last Linear layer gets
    N(0, 0.01) so that the first predictions are close to uniform.
    """
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Linear):
            if m is linears[-1]:
                nn.init.normal_(m.weight, 0.0, 0.01)
            else:
                nn.init.kaiming_normal_(m.weight, mode="fan_in", nonlinearity="relu")
            nn.init.zeros_(m.bias)


def _check_head_size(x: torch.Tensor, expected: int, model_name: str, valid: str) -> None:
    """Clear error when a fixed-size dense head gets a feature map that is too *big*.

    Too-small inputs are already stopped by the input guard, so only maps larger
    than the head expects are reported here (smaller ones still raise PyTorch's
    RuntimeError, which :func:`~cnnbook.models.validation.find_min_input_size` relies on).
    """
    if x.shape[-2] > expected or x.shape[-1] > expected:
        raise ValueError(f"{model_name}'s fully connected layers are sized for a {expected}x{expected} "
                         f"feature map but the input gives {x.shape[-2]}x{x.shape[-1]}. "
                         f"Use input sizes {valid}, e.g. resize with "
                         "torch.nn.functional.interpolate(x, size=...).")


class AlexNetPaper(nn.Module):
    """The network of Krizhevsky, Sutskever & Hinton (2012), Section 3 and Figure 2.

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

    * ``input_size=227`` (default): no padding, (227 - 11)/4 + 1 = 55 exactly, and
      the 11x11 windows tile the image with no pixel left over. This is what
      Caffe's reference AlexNet (227x227 crops) and most course notes use.
    * ``input_size=224``: 2 pixels of zero padding per side, floor((224 + 4 - 11)/4)
      + 1 = floor(54.25) + 1 = 55; the last column of the padded image is never
      reached by a window. Choose this to keep the paper's 224.

    We default to 227 because it is the only reading where the layer sizes
    follow without padding or truncation. The paddings of conv2-conv5 (2, 1, 1, 1)
    are not stated in the paper; they are the ones that keep the 27x27 and 13x13
    sizes that its neuron counts require.

    The head is a fixed 256*6*6 = 9216 -> 4096 layer, so the final map must be
    6x6: inputs 227-258 work with ``input_size=227`` and 223-254 with
    ``input_size=224`` (the true minimum declared to the guard is 227 or 223).

    **Two GPUs.** The paper split every layer in half across two GTX 580s; conv2,
    conv4 and conv5 only see the kernel maps on their own GPU ("5x5x48",
    "3x3x192"), while conv3 and the FC layers read both halves. ``two_gpu=True``
    models this with ``groups=2`` on conv2, conv4 and conv5 (60,965,224
    parameters for 1000 classes instead of 62,378,344; the paper rounds to "60
    million"). ``groups=2`` puts the first half of the channels on "GPU 0" and
    the second half on "GPU 1", exactly as the two columns of Figure 2.

    **Departures from the paper.** LRN here runs across all 96 (or 256) maps, so in
    the ``two_gpu`` model the maps next to the GPU boundary are normalised with a
    few maps from the other half (the paper normalised within each GPU). Weights
    are initialised Kaiming-normal (``init="kaiming"``, default) because it lets
    the network train with ordinary learning rates; ``init="paper"`` gives the
    paper's N(0, 0.01) weights with biases 1 in conv2, conv4, conv5, fc6, fc7 and 0
    elsewhere. Training details (SGD with momentum 0.9, weight decay 5e-4, PCA
    colour augmentation, 10-crop testing) belong to the training code, not the model.
    """

    def __init__(self, num_classes: int = 1000, in_channels: int = 3, *, two_gpu: bool = False,
                 input_size: int = 227, dropout: float = 0.5, init: str = "kaiming"):
        super().__init__()
        if input_size not in (224, 227):
            raise ValueError(f"input_size must be 227 (no padding) or 224 (padding 2); got {input_size}.")
        if init not in ("kaiming", "paper"):
            raise ValueError(f"init must be 'kaiming' or 'paper'; got {init!r}.")
        g = 2 if two_gpu else 1
        self.two_gpu, self.input_size = two_gpu, input_size
        self.conv1 = nn.Conv2d(in_channels, 96, kernel_size=11, stride=4,
                               padding=0 if input_size == 227 else 2)
        self.lrn1 = paper_lrn()
        self.pool1 = nn.MaxPool2d(kernel_size=3, stride=2)
        self.conv2 = nn.Conv2d(96, 256, kernel_size=5, padding=2, groups=g)
        self.lrn2 = paper_lrn()
        self.pool2 = nn.MaxPool2d(kernel_size=3, stride=2)
        self.conv3 = nn.Conv2d(256, 384, kernel_size=3, padding=1)
        self.conv4 = nn.Conv2d(384, 384, kernel_size=3, padding=1, groups=g)
        self.conv5 = nn.Conv2d(384, 256, kernel_size=3, padding=1, groups=g)
        self.pool5 = nn.MaxPool2d(kernel_size=3, stride=2)
        self.fc6 = nn.Linear(256 * 6 * 6, 4096)
        self.fc7 = nn.Linear(4096, 4096)
        self.fc8 = nn.Linear(4096, num_classes)
        self.relu = nn.ReLU(inplace=True)
        self.dropout = nn.Dropout(dropout)
        if init == "paper":
            for layer in (self.conv1, self.conv2, self.conv3, self.conv4, self.conv5,
                          self.fc6, self.fc7, self.fc8):
                nn.init.normal_(layer.weight, 0.0, 0.01)
                nn.init.zeros_(layer.bias)
            for layer in (self.conv2, self.conv4, self.conv5, self.fc6, self.fc7):
                nn.init.ones_(layer.bias)   # "accelerates the early stages of learning"
        else:
            _kaiming_init(self)
        guard_input(self, in_channels=in_channels, min_size=227 if input_size == 227 else 223)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.pool1(self.lrn1(self.relu(self.conv1(x))))  # (N, 96, 55, 55) -> (N, 96, 27, 27)
        x = self.pool2(self.lrn2(self.relu(self.conv2(x))))  # (N, 256, 27, 27) -> (N, 256, 13, 13)
        x = self.relu(self.conv3(x))                         # (N, 384, 13, 13)
        x = self.relu(self.conv4(x))                         # (N, 384, 13, 13)
        x = self.pool5(self.relu(self.conv5(x)))             # (N, 256, 13, 13) -> (N, 256, 6, 6)
        valid = "227-258" if self.input_size == 227 else "223-254"
        _check_head_size(x, 6, type(self).__name__, valid)
        x = x.flatten(1)                                     # (N, 9216)
        x = self.dropout(self.relu(self.fc6(x)))             # (N, 4096)
        x = self.dropout(self.relu(self.fc7(x)))             # (N, 4096)
        return self.fc8(x)                                   # (N, classes)


class AlexNet(nn.Module):
    """torchvision's single-column AlexNet ("One weird trick", Krizhevsky 2014).

    ``features``: conv 64 11x11/4 pad 2 -> pool 3x3/2 -> conv 192 5x5 pad 2 -> pool
    -> conv 384 3x3 -> conv 256 3x3 -> conv 256 3x3 -> pool; ``avgpool``:
    AdaptiveAvgPool2d(6); ``classifier``: dropout -> FC 4096 -> dropout -> FC 4096
    -> FC classes. The modules (and so the ``state_dict`` keys) are exactly
    torchvision's, so :func:`from_torchvision` or a plain ``load_state_dict``
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
    Kaiming-normal (see :func:`_kaiming_init`); transferred weights replace it.
    """

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
        _kaiming_init(self)
        # Three 3x3/2 pools need a 15x15 conv1 map: floor((63 + 4 - 11)/4) + 1 = 15.
        guard_input(self, in_channels=in_channels, min_size=63)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.features(x)      # (N, 256, 6, 6) for a 224x224 input
        x = self.avgpool(x)       # (N, 256, 6, 6) whatever the input size
        x = torch.flatten(x, 1)   # (N, 9216)
        return self.classifier(x)  # (N, classes)


class AlexNetD2L(nn.Module):
    """The AlexNet of the study notes and d2l (Zhang et al., *Dive into Deep Learning*, Sec. 8.1).

    The paper's widths (96-256-384-384-256, FC 4096-4096) without LRN or
    grouping, for Fashion-MNIST upsampled to 224x224. conv1 is 11x11, stride 4,
    **padding 1**: floor((224 + 2 - 11)/4) + 1 = 54, so the maps are 54 -> 26 -> 12
    -> 5 and the head reads 256*5*5 = 6400 features, not the paper's 9216.

    The head is fixed at 6400 inputs, so the final map must be 5x5: input sizes
    193 to 224 work; 193 is the true minimum declared to the guard (224 happens
    to be the largest that works). Dropout follows fc6 and fc7 as in the paper.
    Departures from the paper: padding 1 and 224 input (54x54 conv1 maps instead
    of 55x55), no LRN, one column, Kaiming initialisation (see :func:`_kaiming_init`).
    """

    def __init__(self, num_classes: int = 10, in_channels: int = 1, dropout: float = 0.5):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 96, kernel_size=11, stride=4, padding=1), nn.ReLU(),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(96, 256, kernel_size=5, padding=2), nn.ReLU(),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(256, 384, kernel_size=3, padding=1), nn.ReLU(),
            nn.Conv2d(384, 384, kernel_size=3, padding=1), nn.ReLU(),
            nn.Conv2d(384, 256, kernel_size=3, padding=1), nn.ReLU(),
            nn.MaxPool2d(kernel_size=3, stride=2),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(256 * 5 * 5, 4096), nn.ReLU(), nn.Dropout(dropout),
            nn.Linear(4096, 4096), nn.ReLU(), nn.Dropout(dropout),
            nn.Linear(4096, num_classes),
        )
        _kaiming_init(self)
        guard_input(self, in_channels=in_channels, min_size=193)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.features[0:3](x)    # (N, 96, 54, 54) -> pool (N, 96, 26, 26)    [224x224 input]
        x = self.features[3:6](x)    # (N, 256, 26, 26) -> pool (N, 256, 12, 12)
        x = self.features[6:](x)     # (N, 384, 12, 12) -> (N, 384, 12, 12) -> (N, 256, 12, 12) -> pool (N, 256, 5, 5)
        _check_head_size(x, 5, type(self).__name__, "193-224 (d2l uses 224)")
        return self.classifier(x)    # (N, 6400) -> (N, 4096) -> (N, 4096) -> (N, classes)


class SmallAlexNet(nn.Module):
    """AlexNet's shape at teaching size, for 64x64 grey images (e.g. Fashion-MNIST resized).

    Five convolutions and three FC layers with ReLU, overlapping 3x3/2 max
    pooling and dropout 0.5 after fc6 and fc7, as in the paper, but every layer
    is shrunk: conv1 32 5x5/2 (pad 2) instead of 96 11x11/4, then 64 5x5, 96, 96,
    64 3x3, and FC 512-512. There is no LRN (later work found it adds little,
    and BatchNorm replaced it). Like torchvision's model it ends its features
    with adaptive average pooling (to 3x3, the identity for 64x64 inputs), so any
    size from 29x29 up works; 64-96 px is the intended range (~0.8 M parameters).

    Minimum size: the three pools need a 15x15 conv1 map, and
    floor((29 + 4 - 5)/2) + 1 = 15, so 29 (plain 28x28 images are one pixel short;
    resize them). Initialisation: Kaiming-normal (see :func:`_kaiming_init`).
    """

    def __init__(self, num_classes: int = 10, in_channels: int = 1, dropout: float = 0.5):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 32, kernel_size=5, stride=2, padding=2), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(32, 64, kernel_size=5, padding=2), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(64, 96, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(96, 96, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(96, 64, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
        )
        self.avgpool = nn.AdaptiveAvgPool2d((3, 3))
        self.classifier = nn.Sequential(
            nn.Linear(64 * 3 * 3, 512), nn.ReLU(inplace=True), nn.Dropout(dropout),
            nn.Linear(512, 512), nn.ReLU(inplace=True), nn.Dropout(dropout),
            nn.Linear(512, num_classes),
        )
        _kaiming_init(self)
        guard_input(self, in_channels=in_channels, min_size=29)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.features[0:3](x)   # (N, 32, 32, 32) -> pool (N, 32, 15, 15)   [64x64 input]
        x = self.features[3:6](x)   # (N, 64, 15, 15) -> pool (N, 64, 7, 7)
        x = self.features[6:](x)    # (N, 96, 7, 7) -> (N, 96, 7, 7) -> (N, 64, 7, 7) -> pool (N, 64, 3, 3)
        x = self.avgpool(x)         # (N, 64, 3, 3)
        x = torch.flatten(x, 1)     # (N, 576)
        return self.classifier(x)   # (N, classes)


def from_torchvision(tv_model: nn.Module) -> AlexNet:
    """Build :class:`AlexNet` and copy a ``torchvision.models.AlexNet``'s weights into it.

    The class count, input channels and dropout rate are read off ``tv_model``.
    Example (online, once): ``from_torchvision(load_pretrained("alexnet"))``.
    """
    first, last = tv_model.features[0], tv_model.classifier[-1]
    model = AlexNet(num_classes=last.out_features, in_channels=first.in_channels,
                    dropout=tv_model.classifier[0].p)
    copy_state_in_order(tv_model, model)
    return model.train(tv_model.training)


@register("alexnet_paper")
def alexnet_paper(num_classes: int = 1000, in_channels: int = 3, **kwargs) -> AlexNetPaper:
    """The 2012 paper's AlexNet (227x227 input, LRN; ``two_gpu=True`` for grouped convs)."""
    return AlexNetPaper(num_classes=num_classes, in_channels=in_channels, **kwargs)


@register("alexnet_paper_2gpu")
def alexnet_paper_2gpu(num_classes: int = 1000, in_channels: int = 3, **kwargs) -> AlexNetPaper:
    """The 2012 paper's AlexNet with its two-GPU grouping (groups=2 on conv2, conv4, conv5)."""
    return AlexNetPaper(num_classes=num_classes, in_channels=in_channels, two_gpu=True, **kwargs)


@register("alexnet")
def alexnet(num_classes: int = 1000, in_channels: int = 3, **kwargs) -> AlexNet:
    """torchvision's single-column AlexNet (weights transfer with :func:`from_torchvision`)."""
    return AlexNet(num_classes=num_classes, in_channels=in_channels, **kwargs)


@register("alexnet_d2l")
def alexnet_d2l(num_classes: int = 10, in_channels: int = 1, **kwargs) -> AlexNetD2L:
    """The study notes' / d2l's AlexNet (224x224 input, conv1 padding 1)."""
    return AlexNetD2L(num_classes=num_classes, in_channels=in_channels, **kwargs)


@register("alexnet_small")
def alexnet_small(num_classes: int = 10, in_channels: int = 1, **kwargs) -> SmallAlexNet:
    """Teaching-size AlexNet for 64x64 grey images (min 29x29)."""
    return SmallAlexNet(num_classes=num_classes, in_channels=in_channels, **kwargs)
