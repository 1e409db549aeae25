"""Input validation shared by every model in the zoo.

Each model calls :func:`guard_input` once in its constructor. The guard runs
before the first layer, so a reader who feeds the wrong thing gets a message
that names the fix instead of a shape error from deep inside ``conv2d``.

It also owns :func:`find_min_input_size`, which the tests use to check that the
minimum input size each model declares is exactly the smallest that works.
"""
from __future__ import annotations

import torch
from torch import nn

__all__ = ["guard_input", "check_input", "find_min_input_size"]


def check_input(x: torch.Tensor, *, in_channels: int, min_size: int, model_name: str) -> None:
    """Raise a clear error if ``x`` is not a float batch the model can take."""
    if not torch.is_tensor(x):
        raise TypeError(f"{model_name} expects a torch.Tensor of images shaped (N, C, H, W); "
                        f"got {type(x).__name__}. Convert with torch.as_tensor(...).")
    if x.dim() != 4:
        hint = " For a single image use x.unsqueeze(0)." if x.dim() == 3 else ""
        raise ValueError(f"{model_name} expects a batch of images shaped (N, C, H, W); "
                         f"got a tensor of shape {tuple(x.shape)}.{hint}")
    if not x.is_floating_point():
        raise TypeError(f"{model_name} expects floating-point images but got dtype {x.dtype}. "
                        "Convert first, e.g. x = x.float() / 255, then normalise "
                        "(cnnbook.data.DeviceLoader does both for you).")
    channels, height, width = x.shape[1:]
    if channels != in_channels:
        fix = (f"build the model with in_channels={channels}" +
               (" or turn grey images into RGB with x.expand(-1, 3, -1, -1)"
                if channels == 1 and in_channels == 3 else ""))
        raise ValueError(f"{model_name} was built for {in_channels}-channel images but got "
                         f"{channels} channel(s) (input shape {tuple(x.shape)}). To fix it, {fix}.")
    if height < min_size or width < min_size:
        raise ValueError(f"{model_name} needs images of at least {min_size}×{min_size} pixels to "
                         f"survive its downsampling, but got {height}×{width}. Resize first, e.g. "
                         f"torch.nn.functional.interpolate(x, size={min_size}), or load the data "
                         f"with image_size ≥ {min_size}.")


def guard_input(model: nn.Module, *, in_channels: int, min_size: int) -> None:
    """Attach an input check to ``model`` that runs before its forward pass.

    Sets ``model.in_channels`` and ``model.min_input_size`` so that readers and
    tools (the data loader, the anatomy table) can ask a model what it accepts.
    """
    model.in_channels = in_channels
    model.min_input_size = min_size
    name = type(model).__name__

    def _pre_hook(module: nn.Module, args: tuple) -> None:
        check_input(args[0], in_channels=module.in_channels,
                    min_size=module.min_input_size, model_name=name)

    model.register_forward_pre_hook(_pre_hook)


def find_min_input_size(model: nn.Module, *, in_channels: int | None = None,
                        start: int = 1, stop: int = 512) -> int:
    """Smallest square input size on which ``model`` runs, found by trying sizes.

    The model's own guard is bypassed (we call the layers through ``forward``
    directly), so this measures what the layers can take, not what the guard
    declares. Used by the tests to keep the two in agreement.
    """
    in_channels = in_channels or model.in_channels
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            for size in range(start, stop + 1):
                try:
                    model.forward(torch.zeros(1, in_channels, size, size))
                except (RuntimeError, ValueError):
                    continue
                return size
    finally:
        model.train(was_training)
    raise ValueError(f"no input size in [{start}, {stop}] works for {type(model).__name__}")
