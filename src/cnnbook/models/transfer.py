"""Weight transfer from torchvision models into the book's own models.

torchvision and the book define the same networks with different module
names. :func:`copy_state_in_order` pairs the two state dicts entry by entry
(parameters *and* buffers such as BatchNorm running statistics, in registration
order), checks every shape, and copies. Family modules build on it to offer
``from_torchvision(...)`` functions; :func:`load_pretrained` fetches ImageNet
weights when the reader is online and says clearly when they are not.
"""
from __future__ import annotations

from typing import Callable

import torch
from torch import nn

__all__ = ["copy_state_in_order", "load_pretrained", "OfflineError"]


class OfflineError(RuntimeError):
    """Raised when pretrained weights are asked for but cannot be downloaded."""


def _entries(module: nn.Module, skip: Callable[[str], bool] | None) -> list[tuple[str, torch.Tensor]]:
    return [(k, v) for k, v in module.state_dict().items()
            if not k.endswith("num_batches_tracked") and not (skip and skip(k))]


def copy_state_in_order(source: nn.Module, target: nn.Module, *,
                        skip_source: Callable[[str], bool] | None = None,
                        skip_target: Callable[[str], bool] | None = None) -> nn.Module:
    """Copy ``source``'s tensors into ``target``, pairing them in order.

    Both modules must register the same tensors in the same order (the book's
    models are written so that they do). ``skip_*`` drop entries that have no
    counterpart, e.g. auxiliary classifiers. Returns ``target``.
    """
    src, dst = _entries(source, skip_source), _entries(target, skip_target)
    if len(src) != len(dst):
        raise ValueError(f"cannot transfer weights: {type(source).__name__} has {len(src)} tensors "
                         f"but {type(target).__name__} has {len(dst)}. Build the target with the "
                         "torchvision-compatible configuration (see its docstring).")
    new_state = {}
    for (s_name, s_val), (d_name, d_val) in zip(src, dst):
        if s_val.shape != d_val.shape:
            raise ValueError(f"cannot transfer weights: {s_name} {tuple(s_val.shape)} does not fit "
                             f"{d_name} {tuple(d_val.shape)}")
        new_state[d_name] = s_val.detach().clone()
    missing = target.load_state_dict(new_state, strict=False)
    unexpected_missing = [k for k in missing.missing_keys
                          if not k.endswith("num_batches_tracked") and not (skip_target and skip_target(k))]
    if unexpected_missing:
        raise ValueError(f"weights not transferred for: {unexpected_missing}")
    return target


def load_pretrained(torchvision_name: str, **kwargs) -> nn.Module:
    """Build torchvision's ``torchvision_name`` with its default ImageNet weights.

    Needs the network the first time (torchvision caches the file in
    ``~/.cache/torch``). Offline, raises :class:`OfflineError` with one clear
    sentence instead of a long urllib traceback.
    """
    import torchvision

    try:
        return torchvision.models.get_model(torchvision_name, weights="DEFAULT", **kwargs)
    except (OSError, RuntimeError) as exc:  # URLError is an OSError
        raise OfflineError(f"pretrained {torchvision_name} weights could not be downloaded "
                           f"({type(exc).__name__}); this view needs the network once, after "
                           "which torchvision caches the file in ~/.cache/torch.") from exc
