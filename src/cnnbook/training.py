"""The one training loop every chapter uses: :func:`fit`.

``fit(model, data, budget)`` trains with the budget's optimizer and schedule,
shows a tqdm bar per epoch, evaluates on the test split after every epoch and
returns a :class:`History` (per epoch: loss, train accuracy, test accuracy,
images per second, seconds).

It protects the reader's work:

* **Divergence** -- a NaN or infinite loss stops training with a message that
  names the likely fix; the model is given back the best weights seen so far.
* **Interruption** -- Ctrl-C (or the notebook's stop button) ends training
  cleanly; finished epochs stay in the history.
* **Checkpoints** -- with ``checkpoint="run.pt"`` the state is saved after every
  epoch and a later call resumes from it. Files are loaded with
  ``weights_only=True``, so a checkpoint cannot run code.

On CUDA it switches on the fast path (mixed precision: bf16 from compute
capability 8.0, fp16 with a gradient scaler below; ``channels_last``; data kept
on the device; see :mod:`cnnbook.device`). On the CPU none of that helps, and
none of it is active.
"""
from __future__ import annotations

import copy
import os
import sys
import time
from itertools import islice
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn
from tqdm import tqdm

from .budgets import Budget, caps
from .data import DeviceLoader, ImageData, make_loaders
from .device import FastPath, autocast, fast_path_for, get_device
from .results import record as record_result

__all__ = ["fit", "evaluate", "predict", "History", "FastPath", "fast_path_for", "seed_everything",
           "make_optimizer"]


def seed_everything(seed: int = 0) -> None:
    """Seed Python, NumPy and PyTorch so that a CPU run repeats exactly."""
    import random

    import numpy as np

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


@dataclass
class History:
    """Per-epoch records of one training run; ``stopped`` says why it ended early, if it did."""

    label: str = ""
    records: list[dict] = field(default_factory=list)
    stopped: str | None = None
    message: str = ""

    def __len__(self) -> int:
        return len(self.records)

    def __getitem__(self, key: str) -> list[float]:
        return [r[key] for r in self.records]

    @property
    def final(self) -> dict:
        if not self.records:
            raise ValueError(f"history {self.label!r} has no finished epoch")
        return self.records[-1]

    @property
    def best_test_acc(self) -> float:
        return max(self["test_acc"]) if self.records else float("nan")

    def to_frame(self):
        import pandas as pd
        return pd.DataFrame(self.records).set_index("epoch")

    def __repr__(self) -> str:
        if not self.records:
            return f"History({self.label!r}, no epochs)"
        f = self.final
        return (f"History({self.label!r}: {len(self)} epochs, loss {f['loss']:.3f}, "
                f"train acc {f['train_acc']:.3f}, test acc {f['test_acc']:.3f}"
                + (f", stopped: {self.stopped}" if self.stopped else "") + ")")


def make_optimizer(model: nn.Module, budget: Budget) -> torch.optim.Optimizer:
    """The optimizer named by ``budget.optimizer``: ``adam``, ``adamw`` or ``sgd``."""
    params = [p for p in model.parameters() if p.requires_grad]
    name = budget.optimizer.lower()
    if name == "adam":
        return torch.optim.Adam(params, lr=budget.lr, weight_decay=budget.weight_decay)
    if name == "adamw":
        return torch.optim.AdamW(params, lr=budget.lr, weight_decay=budget.weight_decay)
    if name == "sgd":
        return torch.optim.SGD(params, lr=budget.lr, momentum=budget.momentum,
                               weight_decay=budget.weight_decay)
    raise ValueError(f"unknown optimizer {budget.optimizer!r}; use 'adam', 'adamw' or 'sgd'.")


def _make_schedule(optimizer: torch.optim.Optimizer, budget: Budget, steps_per_epoch: int):
    total = budget.epochs * steps_per_epoch
    if budget.schedule in (None, "constant"):
        return None
    if budget.schedule == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=total)
    if budget.schedule == "onecycle":
        return torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=budget.lr, total_steps=total)
    raise ValueError(f"unknown schedule {budget.schedule!r}; use None, 'cosine' or 'onecycle'.")


def evaluate(model: nn.Module, loader: DeviceLoader, fast: FastPath = FastPath()) -> tuple[float, float]:
    """Mean cross-entropy and accuracy of ``model`` on ``loader``."""
    was_training = model.training
    model.eval()
    loss_sum, correct, count = 0.0, 0, 0
    with torch.no_grad(), autocast(loader.device, fast):
        for x, y in islice(loader, caps().eval_batches):
            logits = model(x)
            loss_sum += nn.functional.cross_entropy(logits.float(), y, reduction="sum").item()
            correct += (logits.argmax(1) == y).sum().item()
            count += len(y)
    model.train(was_training)
    return loss_sum / count, correct / count


def predict(model: nn.Module, loader: DeviceLoader) -> torch.Tensor:
    """Predicted class of every image in ``loader`` (in loader order), on the CPU.

    With ``CNNBOOK_MAX_EVAL_BATCHES`` set, only that many batches are predicted.
    """
    was_training = model.training
    model.eval()
    with torch.no_grad():
        preds = [model(x).argmax(1).cpu() for x, _ in islice(loader, caps().eval_batches)]
    model.train(was_training)
    return torch.cat(preds)


def _save_checkpoint(path: Path, model, optimizer, schedule, history: History, best: dict) -> None:
    state = {"model": model.state_dict(), "optimizer": optimizer.state_dict(),
             "schedule": schedule.state_dict() if schedule is not None else None,
             "records": history.records, "best": best}
    tmp = path.with_suffix(path.suffix + ".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)  # atomic: an interruption never leaves half a file


def fit(model: nn.Module, data: ImageData, budget: Budget, *, device: torch.device | None = None,
        label: str = "", seed: int = 0, checkpoint: str | Path | None = None,
        progress: bool = True, compile: bool = False) -> History:
    """Train ``model`` on ``data`` within ``budget``; return the :class:`History`.

    ``progress``: a tqdm bar per epoch (with ``CNNBOOK_PROGRESS=lines``, as the
    book build sets, one printed line per epoch instead). ``checkpoint``: a file
    to save after every epoch and to resume from if it exists. ``compile``: wrap the model in ``torch.compile`` (CUDA only; it
    slows a 2-core CPU down). ``seed`` fixes shuffling and dropout.
    """
    device = device or get_device()
    cap = caps()
    epochs = cap.limit("epochs", budget.epochs)
    # A static page (the built book) cannot redraw a bar: print one line per epoch instead.
    static = os.environ.get("CNNBOOK_PROGRESS", "bar") == "lines"
    fast = fast_path_for(device, compile=compile)
    channels = getattr(model, "in_channels", 1)
    min_size = getattr(model, "min_input_size", 1)
    if budget.image_size < min_size:
        raise ValueError(f"{type(model).__name__} needs images of at least {min_size}x{min_size}, "
                         f"but the budget resizes to {budget.image_size}. Use "
                         f"budget.replace(image_size={min_size}) or a smaller model.")
    torch.manual_seed(seed)
    model.to(device)
    if fast.channels_last:
        model.to(memory_format=torch.channels_last)
    train_loader, test_loader = make_loaders(data, batch_size=budget.batch_size,
                                             image_size=budget.image_size, device=device, seed=seed,
                                             channels=channels, channels_last=fast.channels_last)
    steps = cap.limit("steps", len(train_loader))
    if cap.active:
        print(f"cnnbook: capped run ({cap}): {epochs} epoch(s) of {steps} step(s), batch size "
              f"{train_loader.batch_size}.")
    optimizer = make_optimizer(model, budget)
    schedule = _make_schedule(optimizer, budget.replace(epochs=epochs), steps)
    scaler = torch.amp.GradScaler("cuda", enabled=fast.grad_scaler)
    step_model = torch.compile(model) if fast.compile else model
    history = History(label=label or type(model).__name__)
    best = {"epoch": 0, "test_acc": -1.0}
    best_state = copy.deepcopy(model.state_dict())

    path = Path(checkpoint) if checkpoint is not None else None
    if path is not None and path.exists():
        state = torch.load(path, map_location=device, weights_only=True)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        if schedule is not None and state["schedule"] is not None:
            schedule.load_state_dict(state["schedule"])
        history.records = list(state["records"])
        best = dict(state["best"])
        best_state = copy.deepcopy(model.state_dict())
        print(f"cnnbook: resuming {history.label} from {path} after epoch {len(history)}.")

    model.train()
    epoch = len(history)
    try:
        for epoch in range(len(history) + 1, epochs + 1):
            train_loader.set_epoch(epoch)
            torch.manual_seed(seed * 1_000 + epoch)  # dropout masks repeat on resume
            start = time.perf_counter()
            loss_sum, correct, seen = 0.0, 0, 0
            bar = tqdm(islice(train_loader, steps), total=steps,
                       desc=f"{history.label} epoch {epoch}/{epochs}",
                       disable=not progress or static, leave=True, file=sys.stdout, mininterval=2.0,
                       ncols=110)
            for batch, (x, y) in enumerate(bar, start=1):
                with autocast(device, fast):
                    logits = step_model(x)
                    loss = nn.functional.cross_entropy(logits.float(), y)
                if not torch.isfinite(loss):
                    bar.close()
                    history.stopped = "diverged"
                    model.load_state_dict(best_state)
                    kept = (f"the weights from epoch {best['epoch']} (test accuracy "
                            f"{best['test_acc']:.3f})" if best["epoch"] else "its initial weights")
                    history.message = (
                        f"Training stopped: the loss became {loss.item()} at epoch {epoch}, batch "
                        f"{batch} (learning rate {budget.lr:g}, optimizer {budget.optimizer}). The "
                        f"usual fix is a lower learning rate, e.g. budget.replace(lr={budget.lr / 10:g}); "
                        f"normalised inputs or BatchNorm also help. The model was given back {kept}; "
                        f"the {len(history)} finished epoch(s) stay in the history.")
                    print(f"cnnbook: {history.message}")
                    record_result(history, model=model, budget=budget, device=device)
                    return history
                optimizer.zero_grad(set_to_none=True)
                scaler.scale(loss).backward()
                scaler.step(optimizer)
                scaler.update()
                if schedule is not None:
                    schedule.step()
                loss_sum += loss.item() * len(y)
                correct += (logits.argmax(1) == y).sum().item()
                seen += len(y)
                if batch % 10 == 0 or batch == steps:
                    bar.set_postfix(loss=f"{loss_sum / seen:.3f}", acc=f"{correct / seen:.3f}",
                                    refresh=False)
            train_seconds = time.perf_counter() - start
            test_loss, test_acc = evaluate(model, test_loader, fast)
            record = {"epoch": epoch, "loss": loss_sum / seen, "train_acc": correct / seen,
                      "test_loss": test_loss, "test_acc": test_acc,
                      "img_per_s": seen / train_seconds,
                      "seconds": time.perf_counter() - start}
            history.records.append(record)
            bar.set_postfix(loss=f"{record['loss']:.3f}", acc=f"{record['train_acc']:.3f}",
                            test_acc=f"{test_acc:.3f}", refresh=True)
            bar.close()
            if progress and static:
                print(f"{history.label} epoch {epoch}/{epochs}: loss {record['loss']:.3f}, "
                      f"train acc {record['train_acc']:.3f}, test acc {test_acc:.3f} "
                      f"[{record['seconds']:.1f} s, {record['img_per_s']:,.0f} img/s]", flush=True)
            if test_acc > best["test_acc"]:
                best = {"epoch": epoch, "test_acc": test_acc}
                best_state = copy.deepcopy(model.state_dict())
            if path is not None:
                _save_checkpoint(path, model, optimizer, schedule, history, best)
    except KeyboardInterrupt:
        history.stopped = "interrupted"
        history.message = (f"Training interrupted during epoch {epoch}. The model keeps its current "
                           f"weights and the history its {len(history)} finished epoch(s)"
                           + (f"; run fit again with checkpoint={str(path)!r} to resume."
                              if path is not None else "; pass checkpoint='run.pt' to be able to resume."))
        print(f"cnnbook: {history.message}")
    record_result(history, model=model, budget=budget, device=device)
    return history
