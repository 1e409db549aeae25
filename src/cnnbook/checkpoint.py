"""Checkpoints: what :func:`cnnbook.training.fit` saves to resume a run, and the check before it resumes.

A checkpoint holds what identifies the run -- the model's class, its parameter
count and the budget (as a dict) -- and where the run stands after its last
finished epoch: the history so far, the best epoch and its weights, the current
weights, and the optimizer, schedule and gradient-scaler states. Resuming with a
different model or budget is refused with one sentence naming the difference.

Files are written atomically (an interruption never leaves half a file) and
read with ``torch.load(..., weights_only=True)``, so a checkpoint cannot run code.
"""
from __future__ import annotations

import copy
import dataclasses
import os
import re
from pathlib import Path

import torch

__all__ = ["capture", "write", "load", "default_path"]


def _identity(model: torch.nn.Module, budget) -> dict:
    return {"model_class": type(model).__name__,
            "params": sum(p.numel() for p in model.parameters()),
            "budget": dataclasses.asdict(budget)}


def _on_cpu(obj):
    """A copy of ``obj`` with every tensor copied to the CPU (GPU memory stays for training)."""
    if isinstance(obj, torch.Tensor):
        return obj.detach().to("cpu", copy=True)
    if isinstance(obj, dict):
        return {k: _on_cpu(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(_on_cpu(v) for v in obj)
    return copy.deepcopy(obj)


def capture(*, model, budget, optimizer, schedule, scaler, history, best_state) -> dict:
    """A copy, on the CPU, of the run's state now (call it after an epoch has finished)."""
    return _on_cpu({
        **_identity(model, budget), "epoch": len(history), "records": history.records,
        "best_epoch": history.best_epoch, "best_model": best_state, "model": model.state_dict(),
        "optimizer": optimizer.state_dict(), "scaler": scaler.state_dict(),
        "schedule": schedule.state_dict() if schedule is not None else None})


def write(state: dict, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)
    return path


def _difference(saved: dict, wanted: dict) -> str | None:
    if saved["model_class"] != wanted["model_class"]:
        return f"it was saved from a {saved['model_class']}, not a {wanted['model_class']}"
    if saved["params"] != wanted["params"]:
        return f"its model has {saved['params']:,} parameters and this one {wanted['params']:,}"
    for key, value in wanted["budget"].items():
        if saved["budget"].get(key) != value:
            return f"it was trained with {key}={saved['budget'].get(key)!r} and this budget has {key}={value!r}"
    return None


def load(path: str | Path, *, model, budget, device) -> dict:
    """The state saved in ``path``, after checking that it belongs to this model and budget."""
    state = torch.load(path, map_location=device, weights_only=True)
    difference = _difference(state, _identity(model, budget))
    if difference is not None:
        raise ValueError(f"Cannot resume from {path}: {difference}; pass the same model and budget, "
                         f"or delete the file (or choose another checkpoint=) to start afresh.")
    return state


def default_path(label: str) -> Path:
    """Where an interrupted run without ``checkpoint=`` is saved: ``checkpoints/<label>.pt``."""
    return Path("checkpoints") / (re.sub(r"[^A-Za-z0-9_.-]+", "-", label).strip("-")[:80] + ".pt")
