"""What images a model takes, declared once, and the one guard that checks it.

Every model class declares an :class:`InputSpec` as class data (timm's
``pretrained_cfg`` idea, kept small): the input size it was designed for, the
smallest and largest square size that work, and the mean / std its inputs
should be normalised with. Its ``forward`` starts with ``check_input(self, x)``,
so a reader who feeds the wrong thing gets one sentence naming the fix instead
of a shape error from deep inside ``conv2d``.

The declared sizes are facts about the layers; the tests measure them with
:func:`find_min_input_size` / :func:`find_max_input_size` and compare.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import torch
from torch import nn

__all__ = ["InputSpec", "DeclaredInput", "IMAGENET_MEAN", "IMAGENET_STD", "check_input", "check_input_size",
           "find_min_input_size", "find_max_input_size"]

#: The ImageNet statistics torchvision's pretrained weights expect.
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


@dataclass(frozen=True)
class InputSpec:
    """The square images a model takes.

    ``size`` is the size it was designed for; ``min_size`` / ``max_size`` bound the
    sizes that work (``max_size=None``: no upper bound; equal bounds: an exact size).
    ``mean`` / ``std`` are the normalisation its weights expect (``None``: the
    training set's own statistics). ``fix`` is the advice printed when the size is
    wrong; by default, resize to ``size``.
    """
    size: int
    min_size: int
    max_size: Optional[int] = None
    mean: Optional[tuple[float, ...]] = None
    std: Optional[tuple[float, ...]] = None
    fix: str = ""

    def accepts(self, size: int) -> bool:
        return size >= self.min_size and (self.max_size is None or size <= self.max_size)

    def describe(self) -> str:
        """'32×32', 'at least 67×67' or 'from 193×193 to 224×224'."""
        if self.min_size == self.max_size:
            return f"{self.min_size}×{self.min_size}"
        if self.max_size is None:
            return f"at least {self.min_size}×{self.min_size}"
        return f"from {self.min_size}×{self.min_size} to {self.max_size}×{self.max_size}"

    def advice(self) -> str:
        return self.fix or (f"resize them, e.g. transforms.Resize({self.size}) or "
                            f"F.interpolate(x, size={self.size})")


class DeclaredInput:
    """Mixin for the zoo's models: ``min_input_size``, read off ``input_spec``, for older callers
    (``cnnbook.training.fit`` checks it before training; new code calls :func:`check_input_size`)."""

    @property
    def min_input_size(self) -> int:
        return self.input_spec.min_size


def _size_message(model: nn.Module, height: int, width: int) -> str:
    spec = model.input_spec
    return (f"{type(model).__name__} needs {spec.describe()} inputs; got {height}×{width} — "
            f"{spec.advice()}.")


def check_input(model: nn.Module, x: torch.Tensor) -> None:
    """The guard at the top of every ``forward``: raise one clear error if ``x`` does not fit ``model``."""
    name = type(model).__name__
    if not torch.is_tensor(x):
        raise TypeError(f"{name} expects a torch.Tensor of images shaped (N, C, H, W); "
                        f"got {type(x).__name__} — convert with torch.as_tensor(...).")
    if x.dim() != 4:
        hint = " — for a single image use x.unsqueeze(0)" if x.dim() == 3 else ""
        raise ValueError(f"{name} expects a batch of images shaped (N, C, H, W); "
                         f"got shape {tuple(x.shape)}{hint}.")
    if not x.is_floating_point():
        raise TypeError(f"{name} expects floating-point images; got {x.dtype} — convert with "
                        "x = x.float() / 255 and normalise (cnnbook.data.DeviceLoader does both).")
    channels, height, width = x.shape[1:]
    if channels != model.in_channels:
        fix = f"build the model with in_channels={channels}"
        if channels == 1 and model.in_channels == 3:
            fix += " or repeat grey images to RGB with x.expand(-1, 3, -1, -1)"
        raise ValueError(f"{name} was built for {model.in_channels}-channel images; got {channels} "
                         f"channel(s) — {fix}.")
    spec = model.input_spec
    if not (spec.accepts(height) and spec.accepts(width)):
        raise ValueError(_size_message(model, height, width))


def check_input_size(model: nn.Module, size: int) -> None:
    """Refuse an image size up front (before any data is loaded), with the guard's message."""
    if not model.input_spec.accepts(size):
        raise ValueError(_size_message(model, size, size))


def _runs(model: nn.Module, size: int) -> bool:
    """Whether the *layers* take a size x size input: the declared spec is lifted for the try."""
    declared = model.__dict__.get("input_spec")
    model.input_spec = InputSpec(size=size, min_size=1)    # an instance attribute shadows the class's
    try:
        with torch.no_grad():
            device = next(model.parameters()).device             # works on the meta device too
            model(torch.zeros(1, model.in_channels, size, size, device=device))
        return True
    except (RuntimeError, ValueError):
        return False
    finally:
        del model.input_spec
        if declared is not None:
            model.input_spec = declared


def find_min_input_size(model: nn.Module, *, start: int = 1, stop: int = 512) -> int:
    """Smallest square input size on which ``model``'s layers run, found by trying sizes (tests only)."""
    was_training = model.training
    model.eval()
    try:
        for size in range(start, stop + 1):
            if _runs(model, size):
                return size
    finally:
        model.train(was_training)
    raise ValueError(f"no input size in [{start}, {stop}] works for {type(model).__name__}")


def find_max_input_size(model: nn.Module, *, start: int, stop: int) -> Optional[int]:
    """Largest size in [start, stop] on which ``model``'s layers run (``None``: even ``stop`` works)."""
    was_training = model.training
    model.eval()
    try:
        for size in range(start, stop + 1):
            if not _runs(model, size):
                return size - 1
    finally:
        model.train(was_training)
    return None
