"""LeNet: d2l's network (as the study notes write it), the 1998 paper's LeNet-5, and a modern variant.

Paper: Y. LeCun, L. Bottou, Y. Bengio, P. Haffner, "Gradient-based learning
applied to document recognition", Proc. IEEE 86(11), 1998 (``lecun1998gradient``).

Three registered models, two classes:

* :class:`LeNet` -- d2l's network, which one set of the study notes copies as an
  ``nn.Sequential`` (another set writes its own class without padding, which
  fails on 28x28 digits): 28x28 input
  padded by 2 on each side, sigmoid, average pooling, dense layers 120-84-10.
* :class:`LeNet5` -- the paper's LeNet-5, layer for layer: C1, S2 (trainable
  subsampling), C3 (partial connection table), S4, C5, F6 and the Euclidean RBF
  output. Its 60,000 trainable parameters equal the paper's count exactly.
* ``lenet_modern`` -- :class:`LeNet` configured with today's defaults: ReLU,
  max pooling and BatchNorm.
"""
from __future__ import annotations

import torch
from torch import nn
import torch.nn.functional as F

from .init import lecun_uniform_
from .registry import register_model
from .validation import DeclaredInput, InputSpec, check_input

__all__ = ["LeNet", "LeNet5", "C3_CONNECTIONS", "DIGIT_SHEET", "DIGIT_BITMAPS"]


class LeNet(DeclaredInput, nn.Sequential):
    """d2l's LeNet (Zhang et al., *Dive into Deep Learning*), as the study notes write it (28x28 grey input).

    ``Conv(5x5, pad 2) -> sigmoid -> AvgPool 2 -> Conv(5x5) -> sigmoid ->
    AvgPool 2 -> FC 120 -> FC 84 -> FC 10``. Padding 2 is *per side*: 28 + 2 + 2
    = 32, the paper's input size, so the later shapes match LeNet-5's.

    Departs from the paper: full C3 connections, plain average pooling without
    trainable coefficients, logistic sigmoid instead of scaled tanh, and a linear
    output layer trained with softmax cross-entropy instead of RBF units.
    ``activation`` and ``pool`` let a chapter swap in ReLU / max pooling, and
    ``batch_norm=True`` puts BatchNorm after every layer but the last (Ioffe &
    Szegedy 2015): with ReLU and max pooling that is ``lenet_modern``.

    The dense head reads 16 maps of 5x5, which inputs of 28 to 31 pixels give.
    """

    input_spec = InputSpec(size=28, min_size=28, max_size=31)

    def __init__(self, num_classes: int = 10, in_channels: int = 1,
                 activation: type[nn.Module] = nn.Sigmoid, pool: type[nn.Module] = nn.AvgPool2d,
                 batch_norm: bool = False):
        def bn(layer: nn.Module, norm: type[nn.Module], width: int) -> list[nn.Module]:
            return [layer, norm(width), activation()] if batch_norm else [layer, activation()]

        super().__init__(
            *bn(nn.Conv2d(in_channels, 6, kernel_size=5, padding=2), nn.BatchNorm2d, 6),  # (N, 6, 28, 28)
            pool(kernel_size=2, stride=2),                                                 # (N, 6, 14, 14)
            *bn(nn.Conv2d(6, 16, kernel_size=5), nn.BatchNorm2d, 16),                     # (N, 16, 10, 10)
            pool(kernel_size=2, stride=2),                                                 # (N, 16, 5, 5)
            nn.Flatten(),                                                                  # (N, 400)
            *bn(nn.Linear(16 * 5 * 5, 120), nn.BatchNorm1d, 120),                          # (N, 120)
            *bn(nn.Linear(120, 84), nn.BatchNorm1d, 84),                                   # (N, 84)
            nn.Linear(84, num_classes),                                                    # (N, classes)
        )
        self.in_channels = in_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_input(self, x)
        return super().forward(x)


# --- LeNet-5, as in the 1998 paper -------------------------------------------------

#: Table I of the paper: which S2 maps (rows 0-5) feed each C3 map (0-15).
#: Maps 0-5 read three contiguous S2 maps, 6-11 four contiguous, 12-14 four
#: non-contiguous, and 15 reads all six.
C3_CONNECTIONS: tuple[tuple[int, ...], ...] = (
    (0, 1, 2), (1, 2, 3), (2, 3, 4), (3, 4, 5), (4, 5, 0), (5, 0, 1),
    (0, 1, 2, 3), (1, 2, 3, 4), (2, 3, 4, 5), (3, 4, 5, 0), (4, 5, 0, 1), (5, 0, 1, 2),
    (0, 1, 3, 4), (1, 2, 4, 5), (0, 2, 3, 5),
    (0, 1, 2, 3, 4, 5),
)

#: Stylised 7-wide, 12-tall bitmaps of the digits 0-9, drawn side by side: each
#: string is one row of all ten digits, 7 characters per digit and a space between
#: ("#" = +1, "." = -1). The paper's F6-to-output prototypes are 7x12 bitmaps of the
#: ASCII characters (its Fig. 3); these are our own drawing of the digits, since the
#: paper does not print the bit values.
DIGIT_SHEET: tuple[str, ...] = (
    "....... ....... ....... ....... ....... ....... ....... ....... ....... .......",
    "..###.. ...#... ..###.. .####.. .....#. ####### ..###.. ####### ..###.. ..###..",
    ".#...#. ..##... .#...#. #....#. ....##. #...... .#..... ......# .#...#. .#...#.",
    "#.....# .#.#... #.....# ......# ...#.#. #...... #...... .....#. #.....# #.....#",
    "#.....# ...#... ......# .....#. ..#..#. #.###.. #...... .....#. .#...#. #.....#",
    "#.....# ...#... .....#. ..###.. .#...#. ##...#. #.###.. ....#.. ..###.. .#...##",
    "#.....# ...#... ....#.. .....#. #....#. ......# ##...#. ....#.. .#...#. ..###.#",
    "#.....# ...#... ...#... ......# ####### ......# #.....# ...#... #.....# ......#",
    "#.....# ...#... ..#.... ......# .....#. ......# #.....# ...#... #.....# .....#.",
    ".#...#. ...#... .#..... #....#. .....#. #....#. .#...#. ..#.... .#...#. ....#..",
    "..###.. .#####. ####### .####.. .....#. .####.. ..###.. ..#.... ..###.. .##....",
    "....... ....... ....... ....... ....... ....... ....... ....... ....... .......",
)

#: The same bitmaps, one tuple of 12 rows per digit.
DIGIT_BITMAPS: dict[int, tuple[str, ...]] = {
    d: tuple(row[8 * d:8 * d + 7] for row in DIGIT_SHEET) for d in range(10)}


def scaled_tanh(a: torch.Tensor) -> torch.Tensor:
    """The paper's squashing function f(a) = A tanh(S a), A = 1.7159, S = 2/3 (Appendix A)."""
    return 1.7159 * torch.tanh(a * (2.0 / 3.0))


class Subsampling(nn.Module):
    """S2 / S4: each unit sums a 2x2 window, times a trainable coefficient, plus a trainable bias.

    Two parameters per feature map (the paper's S2: 12, S4: 32). The squashing
    function is applied by the caller.
    """

    def __init__(self, channels: int):
        super().__init__()
        self.coefficient = nn.Parameter(torch.empty(channels))
        self.bias = nn.Parameter(torch.empty(channels))
        lecun_uniform_(self.coefficient, fan_in=4)
        lecun_uniform_(self.bias, fan_in=4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        window_sum = F.avg_pool2d(x, kernel_size=2, stride=2) * 4        # (N, C, H/2, W/2)
        return window_sum * self.coefficient.view(1, -1, 1, 1) + self.bias.view(1, -1, 1, 1)


class PartialConv2d(nn.Module):
    """C3: a 5x5 convolution where output map j sees only the S2 maps in ``connections[j]``.

    Only the connected kernels are parameters (60 kernels of 5x5 + 16 biases =
    1,516, the paper's count); the dense (16, 6, 5, 5) kernel is assembled with
    zeros elsewhere at every forward pass.
    """

    def __init__(self, in_channels: int, connections=C3_CONNECTIONS, kernel_size: int = 5):
        super().__init__()
        out_idx, in_idx = zip(*[(j, i) for j, inputs in enumerate(connections) for i in inputs])
        self.register_buffer("out_index", torch.tensor(out_idx), persistent=False)
        self.register_buffer("in_index", torch.tensor(in_idx), persistent=False)
        self.in_channels, self.out_channels, self.kernel_size = in_channels, len(connections), kernel_size
        self.weight = nn.Parameter(torch.empty(len(out_idx), kernel_size, kernel_size))
        self.bias = nn.Parameter(torch.empty(len(connections)))
        with torch.no_grad():
            for j, inputs in enumerate(connections):
                bound = 2.4 / (len(inputs) * kernel_size * kernel_size)   # 2.4 / fan-in
                rows = [k for k, o in enumerate(out_idx) if o == j]
                self.weight[rows] = torch.empty(len(rows), kernel_size, kernel_size).uniform_(-bound, bound)
                self.bias[j] = torch.empty(()).uniform_(-bound, bound)

    def dense_weight(self) -> torch.Tensor:
        """The (out, in, k, k) kernel with zeros where Table I has no connection."""
        k = self.kernel_size
        w = self.weight.new_zeros(self.out_channels, self.in_channels, k, k)
        return w.index_put((self.out_index, self.in_index), self.weight)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.dense_weight(), self.bias)

    def count_macs(self, output_shape: tuple[int, ...]) -> int:
        """True multiply-accumulates: only the connected kernels count (not the zeros)."""
        height, width = output_shape[-2:]
        return self.weight.numel() * height * width


class EuclideanRBF(nn.Module):
    """Output layer: y_i = sum_j (x_j - w_ij)^2 with fixed prototypes w_i (paper eq. 7).

    The prototypes are 7x12 bitmaps (+1 / -1) and are *not* trained, as in the
    paper. ``forward`` returns the penalties y_i (lower = more likely).
    """

    def __init__(self, num_classes: int = 10):
        super().__init__()
        if num_classes > len(DIGIT_BITMAPS):
            raise ValueError("LeNet5's RBF output has bitmap prototypes for the 10 digits only; "
                             'use create_model("lenet") or create_model("lenet_modern") for more classes.')
        protos = [[1.0 if c == "#" else -1.0 for row in DIGIT_BITMAPS[d] for c in row]
                  for d in range(num_classes)]
        self.register_buffer("prototypes", torch.tensor(protos))          # (classes, 84)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cdist(x, self.prototypes).pow(2)                     # (N, classes)


class LeNet5(DeclaredInput, nn.Module):
    """LeNet-5 as described in Section II.B of the 1998 paper (32x32 input).

    =====  =========================  =======================  ===========
    layer  what                       output                   trainable
    =====  =========================  =======================  ===========
    C1     6 conv 5x5                 6 x 28 x 28              156
    S2     2x2 sum x coef + bias      6 x 14 x 14              12
    C3     16 conv 5x5, Table I       16 x 10 x 10             1,516
    S4     2x2 sum x coef + bias      16 x 5 x 5               32
    C5     120 conv 5x5               120 x 1 x 1              48,120
    F6     fully connected            84                       10,164
    out    Euclidean RBF, fixed       10                       0
    =====  =========================  =======================  ===========

    Activation: f(a) = 1.7159 tanh(2a/3) after C1, S2, C3, S4, C5 and F6.
    Initialisation: uniform in +-2.4 / fan-in (Appendix A).

    ``forward`` returns *logits* ``-y``, the negated RBF penalties, so that
    ordinary cross-entropy can train it. Cross-entropy on ``-y`` is the paper's
    MAP criterion (eq. 9) in the limit of its constant j -> infinity. Departures:
    the RBF prototypes are our own 7x12 digit bitmaps (the paper does not list
    its bit values), and the paper's stochastic diagonal Levenberg-Marquardt
    optimiser is replaced by whatever optimiser the caller chooses.
    """

    input_spec = InputSpec(size=32, min_size=32, max_size=35,
                           fix="pad 28×28 digits to 32×32 as the paper does: transforms.Pad(2) "
                               "or F.pad(x, (2, 2, 2, 2))")

    def __init__(self, num_classes: int = 10, in_channels: int = 1):
        super().__init__()
        self.in_channels = in_channels
        self.c1 = nn.Conv2d(in_channels, 6, kernel_size=5)
        self.s2 = Subsampling(6)
        self.c3 = PartialConv2d(6)
        self.s4 = Subsampling(16)
        self.c5 = nn.Conv2d(16, 120, kernel_size=5)
        self.f6 = nn.Linear(120, 84)
        self.output = EuclideanRBF(num_classes)
        for layer in (self.c1, self.c5, self.f6):
            fan_in = layer.weight[0].numel()
            lecun_uniform_(layer.weight, fan_in)
            lecun_uniform_(layer.bias, fan_in)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_input(self, x)                 # (N, 1, 32, 32)
        x = scaled_tanh(self.c1(x))          # (N, 6, 28, 28)
        x = scaled_tanh(self.s2(x))          # (N, 6, 14, 14)
        x = scaled_tanh(self.c3(x))          # (N, 16, 10, 10)
        x = scaled_tanh(self.s4(x))          # (N, 16, 5, 5)
        x = scaled_tanh(self.c5(x))          # (N, 120, 1, 1)
        x = scaled_tanh(self.f6(x.flatten(1)))  # (N, 84)
        return -self.output(x)               # (N, classes): logits = -RBF penalty


@register_model
def lenet(num_classes: int = 10, in_channels: int = 1, **kwargs) -> LeNet:
    """d2l's LeNet, as the study notes write it (sigmoid, average pooling; 28x28 input)."""
    return LeNet(num_classes=num_classes, in_channels=in_channels, **kwargs)


@register_model
def lenet5(num_classes: int = 10, in_channels: int = 1) -> LeNet5:
    """The 1998 paper's LeNet-5 (32x32 input, RBF output)."""
    return LeNet5(num_classes=num_classes, in_channels=in_channels)


@register_model
def lenet_modern(num_classes: int = 10, in_channels: int = 1) -> LeNet:
    """LeNet with today's parts: BatchNorm, ReLU and max pooling (not from a paper)."""
    return LeNet(num_classes=num_classes, in_channels=in_channels,
                 activation=nn.ReLU, pool=nn.MaxPool2d, batch_norm=True)
