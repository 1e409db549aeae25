"""The study notes' own models, rebuilt as written, so the chapters can check them.

The book grew from a student's notes (``shared/seeds`` in the project; the code is
from the notes titled 神经网络模型, 2022). Each class below copies the notes' layer
settings and ``forward`` line for line -- including their mistakes, which the
"对照你的笔记 · Check your notes" sections run through the book's tools:

* :class:`NotesLeNet` -- no padding, so a 28×28 image shrinks 28→24→12→8→4 and the
  5×5 ``conv3`` meets a 4×4 map; it needs the paper's 32×32 input.
* :class:`NotesAlexNet` -- 227×227 input, no padding in ``conv1``, one GPU's half of
  the widths (48/128/192/192/128) and 2,048-unit fully connected layers; no LRN.
* :func:`notes_nin_block` -- the notes' NiN block, which is d2l's and holds.
* :class:`NotesVGG16` -- ``conv3_2`` and ``conv4_2`` are each called twice (there is
  no ``conv3_3`` or ``conv4_3``), block 5 calls ``conv4_2`` three more times, and a
  ReLU follows the last ``Linear``, so the logits can never be negative.

These are exhibits, not models to use: the zoo (``cnnbook.create_model``) has the
faithful versions.
"""
from __future__ import annotations

from torch import nn

__all__ = ["NotesLeNet", "NotesAlexNet", "NotesVGG16", "notes_nin_block"]


class NotesLeNet(nn.Module):
    """The notes' LeNet: ReLU, average pooling, no padding (so it needs 32×32 inputs)."""

    def __init__(self):
        super(NotesLeNet, self).__init__()
        self.relu = nn.ReLU()
        self.pool = nn.AvgPool2d((2, 2), (2, 2))
        self.conv1 = nn.Conv2d(1, 6, (5, 5), (1, 1), (0, 0))
        self.conv2 = nn.Conv2d(6, 16, (5, 5), (1, 1), (0, 0))
        self.conv3 = nn.Conv2d(16, 120, (5, 5), (1, 1), (0, 0))
        self.linear1 = nn.Linear(120, 84)
        self.linear2 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.relu(self.conv1(x))
        x = self.pool(x)
        x = self.relu(self.conv2(x))
        x = self.pool(x)
        x = self.relu(self.conv3(x))
        x = x.reshape(x.shape[0], -1)
        x = self.relu(self.linear1(x))
        x = self.linear2(x)
        return x


class NotesAlexNet(nn.Module):
    """The notes' AlexNet: 227×227 input, one GPU column's widths, no LRN."""

    def __init__(self):
        super(NotesAlexNet, self).__init__()
        self.relu = nn.ReLU()
        self.pool = nn.MaxPool2d((3, 3), (2, 2))
        self.dropout = nn.Dropout(0.5)
        self.flatten = nn.Flatten()
        self.conv1 = nn.Conv2d(3, 48, (11, 11), (4, 4), (0, 0))
        self.conv2 = nn.Conv2d(48, 128, (5, 5), (1, 1), (2, 2))
        self.conv3 = nn.Conv2d(128, 192, (3, 3), (1, 1), (1, 1))
        self.conv4 = nn.Conv2d(192, 192, (3, 3), (1, 1), (1, 1))
        self.conv5 = nn.Conv2d(192, 128, (3, 3), (1, 1), (1, 1))
        self.linear1 = nn.Linear(6 * 6 * 128, 2048)
        self.linear2 = nn.Linear(2048, 2048)
        self.linear3 = nn.Linear(2048, 1000)

    def forward(self, x):
        x = self.relu(self.conv1(x))
        x = self.pool(x)
        x = self.relu(self.conv2(x))
        x = self.pool(x)
        x = self.relu(self.conv3(x))
        x = self.relu(self.conv4(x))
        x = self.relu(self.conv5(x))
        x = self.pool(x)

        x = self.flatten(x)
        x = self.relu(self.linear1(x))
        x = self.dropout(x)
        x = self.relu(self.linear2(x))
        x = self.dropout(x)
        x = self.linear3(x)
        return x


class NotesVGG16(nn.Module):
    """The notes' VGG16, with its three slips kept (see the module docstring)."""

    def __init__(self):
        super(NotesVGG16, self).__init__()
        self.relu = nn.ReLU()
        self.pool = nn.MaxPool2d((2, 2), (2, 2))
        self.dropout = nn.Dropout(0.5)
        self.flatten = nn.Flatten()
        self.conv1_1 = nn.Conv2d(3, 64, (3, 3), (1, 1), (1, 1))
        self.conv1_2 = nn.Conv2d(64, 64, (3, 3), (1, 1), (1, 1))
        self.conv2_1 = nn.Conv2d(64, 128, (3, 3), (1, 1), (1, 1))
        self.conv2_2 = nn.Conv2d(128, 128, (3, 3), (1, 1), (1, 1))
        self.conv3_1 = nn.Conv2d(128, 256, (3, 3), (1, 1), (1, 1))
        self.conv3_2 = nn.Conv2d(256, 256, (3, 3), (1, 1), (1, 1))
        self.conv4_1 = nn.Conv2d(256, 512, (3, 3), (1, 1), (1, 1))
        self.conv4_2 = nn.Conv2d(512, 512, (3, 3), (1, 1), (1, 1))
        self.linear1 = nn.Linear(7 * 7 * 512, 4096)
        self.linear2 = nn.Linear(4096, 4096)
        self.linear3 = nn.Linear(4096, 1000)

    def forward(self, x):
        x = self.relu(self.conv1_1(x))
        x = self.relu(self.conv1_2(x))
        x = self.pool(x)
        x = self.relu(self.conv2_1(x))
        x = self.relu(self.conv2_2(x))
        x = self.pool(x)
        x = self.relu(self.conv3_1(x))
        x = self.relu(self.conv3_2(x))
        x = self.relu(self.conv3_2(x))      # the notes call conv3_2 again: there is no conv3_3
        x = self.pool(x)
        x = self.relu(self.conv4_1(x))
        x = self.relu(self.conv4_2(x))
        x = self.relu(self.conv4_2(x))      # again conv4_2: there is no conv4_3
        x = self.pool(x)
        x = self.relu(self.conv4_2(x))      # block 5 reuses conv4_2 three times: no conv5_x
        x = self.relu(self.conv4_2(x))
        x = self.relu(self.conv4_2(x))
        x = self.pool(x)

        x = self.flatten(x)
        x = self.relu(self.linear1(x))
        x = self.dropout(x)
        x = self.relu(self.linear2(x))
        x = self.dropout(x)
        x = self.relu(self.linear3(x))      # a ReLU on the logits
        return x


def notes_nin_block(in_channels, out_channels, kernel_size, stride, padding):
    """The notes' NiN block (NiN块), as written: one convolution, then two 1×1 convolutions, each with ReLU."""
    layer = []
    layer.append(nn.Conv2d(in_channels, out_channels, kernel_size=kernel_size, padding=padding, stride=stride))
    layer.append(nn.ReLU())
    layer.append(nn.Conv2d(out_channels, out_channels, kernel_size=1))
    layer.append(nn.ReLU())
    layer.append(nn.Conv2d(out_channels, out_channels, kernel_size=1))
    layer.append(nn.ReLU())

    return nn.Sequential(*layer)
