"""The model registry: one name for every network in the book, timm / torchvision style.

Each family module decorates one function per name with :func:`register_model`;
the function's name is the model's name. :func:`create_model` passes on only the
arguments its caller gives, so every factory's own defaults (1000 RGB classes for
the papers' ImageNet networks, 10 grey classes for the teaching-size ones) hold.
"""
from __future__ import annotations

import fnmatch
from typing import Callable

from torch import nn

__all__ = ["register_model", "create_model", "list_models"]

_MODELS: dict[str, Callable[..., nn.Module]] = {}


def register_model(factory: Callable[..., nn.Module]) -> Callable[..., nn.Module]:
    """Decorator: make ``factory`` available as ``create_model(factory.__name__)``."""
    name = factory.__name__
    if name in _MODELS:
        raise ValueError(f"model name {name!r} is registered twice")
    _MODELS[name] = factory
    return factory


def list_models(pattern: str = "*") -> list[str]:
    """Names accepted by :func:`create_model`, optionally filtered by a glob such as ``"resnet*"``."""
    return sorted(n for n in _MODELS if fnmatch.fnmatch(n, pattern))


def create_model(name: str, **kwargs) -> nn.Module:
    """Build a registered model, e.g. ``create_model("resnet18", num_classes=10, in_channels=1)``.

    Only the keyword arguments given are passed to the factory (``num_classes``,
    ``in_channels`` and any the family takes); the rest keep the factory's defaults.
    """
    if name not in _MODELS:
        close = [n for n in _MODELS if name.split("_")[0] in n][:8]
        hint = f" Did you mean one of {close}?" if close else ""
        raise KeyError(f"unknown model {name!r}.{hint} See cnnbook.models.list_models().")
    return _MODELS[name](**kwargs)
