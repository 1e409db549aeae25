"""Which device the book computes on: CUDA, then Apple MPS, then the CPU.

Set ``CNNBOOK_DEVICE`` (e.g. ``cpu``, ``cuda``, ``cuda:1``, ``mps``) to override
the automatic choice. The choice is said once per process, the first time
:func:`get_device` is called.
"""
from __future__ import annotations

import os

import torch

__all__ = ["get_device", "ENV_VAR"]

ENV_VAR = "CNNBOOK_DEVICE"
_announced: set[str] = set()


def _mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend and backend.is_available())


def _choose() -> tuple[torch.device, str]:
    requested = os.environ.get(ENV_VAR, "").strip()
    if requested:
        device = torch.device(requested)  # raises on a malformed name
        if device.type == "cuda" and not torch.cuda.is_available():
            raise RuntimeError(f"{ENV_VAR}={requested} but CUDA is not available here; "
                               f"unset {ENV_VAR} or set it to 'cpu'.")
        if device.type == "mps" and not _mps_available():
            raise RuntimeError(f"{ENV_VAR}={requested} but Apple MPS is not available here; "
                               f"unset {ENV_VAR} or set it to 'cpu'.")
        return device, f"set by {ENV_VAR}"
    if torch.cuda.is_available():
        return torch.device("cuda"), torch.cuda.get_device_name(0)
    if _mps_available():
        return torch.device("mps"), "Apple GPU"
    return torch.device("cpu"), f"no GPU found; {torch.get_num_threads()} CPU threads"


def get_device(verbose: bool = True) -> torch.device:
    """The device to compute on (see the module docstring), announced once."""
    device, why = _choose()
    if verbose and str(device) not in _announced:
        _announced.add(str(device))
        print(f"cnnbook: computing on {device} ({why}).")
    return device
