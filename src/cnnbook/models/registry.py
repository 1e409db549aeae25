"""The model registry: one name for every network in the book.

Family modules (``lenet.py``, ``alexnet.py``, ...) decorate their factory
functions with :func:`register`; :func:`create_model` builds any of them by name.
Every factory takes ``num_classes`` and ``in_channels``.
"""
from __future__ import annotations

import fnmatch
import importlib
import pkgutil
from typing import Callable

from torch import nn

__all__ = ["register", "create_model", "list_models"]

_FACTORIES: dict[str, Callable[..., nn.Module]] = {}
_loaded = False


def register(name: str) -> Callable:
    """Decorator: make a factory available as ``create_model(name)``."""
    def decorator(factory: Callable[..., nn.Module]) -> Callable[..., nn.Module]:
        if name in _FACTORIES and _FACTORIES[name] is not factory:
            raise ValueError(f"model name {name!r} is registered twice")
        _FACTORIES[name] = factory
        return factory
    return decorator


def _load_families() -> None:
    """Import every module of ``cnnbook.models`` so that their factories register."""
    global _loaded
    if _loaded:
        return
    import cnnbook.models as package
    for info in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{package.__name__}.{info.name}")
    _loaded = True


def list_models(pattern: str = "*") -> list[str]:
    """Names accepted by :func:`create_model`, optionally filtered by a glob."""
    _load_families()
    return sorted(n for n in _FACTORIES if fnmatch.fnmatch(n, pattern))


def create_model(name: str, *, num_classes: int = 10, in_channels: int = 1, **kwargs) -> nn.Module:
    """Build a registered model, e.g. ``create_model("resnet18", num_classes=10, in_channels=1)``."""
    _load_families()
    try:
        factory = _FACTORIES[name]
    except KeyError:
        close = [n for n in _FACTORIES if name.split("_")[0] in n][:8]
        hint = f" Did you mean one of {close}?" if close else ""
        raise KeyError(f"unknown model {name!r}.{hint} See cnnbook.models.list_models().") from None
    return factory(num_classes=num_classes, in_channels=in_channels, **kwargs)
