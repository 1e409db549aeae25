"""Which device the book computes on: CUDA, then Apple MPS, then the CPU.

Set ``CNNBOOK_DEVICE`` (e.g. ``cpu``, ``cuda``, ``cuda:1``, ``mps``) to override
the automatic choice. The choice is said once per process, the first time
:func:`get_device` is called.

:func:`fast_path_for` decides the speed-ups a device gets. Mixed precision is
chosen by hardware: bf16 on CUDA GPUs of compute capability 8.0 (Ampere) or
newer; fp16 with a gradient scaler below that (a T4 is sm 7.5: it emulates
bf16 and cuDNN has no bf16 convolutions there, although
``torch.cuda.is_bf16_supported()`` says True); none on MPS and the CPU.
"""
from __future__ import annotations

import os
from contextlib import nullcontext
from dataclasses import dataclass

import torch

__all__ = ["get_device", "ENV_VAR", "FastPath", "fast_path_for", "precision_for", "autocast"]

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


def precision_for(device: torch.device) -> tuple[torch.dtype | None, bool]:
    """``(autocast dtype, needs a GradScaler)`` for ``device`` (see the module docstring)."""
    if device.type != "cuda":
        return None, False                       # CPU, MPS: full precision
    if torch.cuda.get_device_capability(device) >= (8, 0):
        return torch.bfloat16, False             # Ampere and newer: bf16, same range as fp32
    return torch.float16, True                   # Volta, Turing (T4): fp16 needs loss scaling


@dataclass(frozen=True)
class FastPath:
    """The speed-ups :func:`cnnbook.training.fit` applies on a device (all off on the CPU)."""

    amp_dtype: torch.dtype | None = None   # autocast dtype; None: no mixed precision
    grad_scaler: bool = False              # fp16 needs loss scaling; bf16 does not
    channels_last: bool = False
    compile: bool = False


def fast_path_for(device: torch.device, compile: bool = False) -> FastPath:
    """Mixed precision by hardware + channels_last on CUDA; nothing on CPU or MPS."""
    if device.type != "cuda":
        return FastPath()
    dtype, scaler = precision_for(device)
    return FastPath(amp_dtype=dtype, grad_scaler=scaler, channels_last=True, compile=compile)


def autocast(device: torch.device, fast: FastPath):
    """``torch.autocast`` when ``fast`` uses mixed precision, else no context at all."""
    if fast.amp_dtype is None:
        return nullcontext()
    return torch.autocast(device.type, dtype=fast.amp_dtype)
