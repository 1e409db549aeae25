"""The one training loop every chapter uses: :func:`fit`.

``fit(model, data, budget)`` trains with the budget's optimizer and schedule,
shows a progress bar per epoch and measures accuracy on the *validation* split
(held out from the training images) after every epoch. It keeps the weights of
the epoch with the best validation accuracy and measures the *test* accuracy of
those weights once, at the end: the test split never takes part in a choice.
It returns a :class:`History`.

It protects the reader's work:

* **Divergence** -- a NaN or infinite loss stops training with a message that
  names the likely fix; the model is given back the best weights seen so far.
* **Interruption** -- Ctrl-C (or the notebook's stop button) saves the run as it
  stood after its last finished epoch, prints how to resume, and stops the cell.
* **Checkpoints** -- with ``checkpoint="run.pt"`` the run is saved after every
  epoch and a later call with the same model and budget resumes from it
  (:mod:`cnnbook.checkpoint`).

``fit`` writes nothing to disk unless asked to or interrupted. On CUDA it switches on the fast
path (mixed precision: bf16 from compute capability 8.0, fp16 with a gradient
scaler below; ``channels_last``; data kept on the device; see
:mod:`cnnbook.device`). On the CPU none of that helps, and none of it is active.
"""
from __future__ import annotations

import copy
import math
import os
import sys
import time
from dataclasses import dataclass, field
from functools import partial
from itertools import islice
from pathlib import Path

import torch
from torch import nn
from torch.nn.functional import cross_entropy
from tqdm import tqdm

from . import checkpoint as ckpt
from .budgets import Budget, caps
from .data import DeviceLoader, ImageData, make_loader
from .device import FastPath, autocast, fast_path_for, get_device
from .models.validation import check_input_size

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
    """One training run: per-epoch ``records``, the epoch whose weights were kept, its test accuracy.

    Each record holds ``epoch``, ``loss`` and ``train_acc`` (training batches),
    ``val_loss`` and ``val_acc`` (validation split), ``img_per_s`` and ``seconds``.
    ``best_epoch`` is the epoch with the best validation accuracy (0: the initial
    weights); ``test_acc`` / ``test_loss`` are measured once, on those weights.
    ``stopped`` says why the run ended early, if it did.
    """

    label: str = ""
    records: list[dict] = field(default_factory=list)
    best_epoch: int = 0
    test_acc: float | None = None
    test_loss: float | None = None
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
    def best(self) -> dict | None:
        """The record of ``best_epoch`` (``None`` if the initial weights were kept)."""
        return self.records[self.best_epoch - 1] if self.best_epoch else None

    @property
    def best_val_acc(self) -> float:
        return self.best["val_acc"] if self.best else float("nan")

    def to_frame(self):
        import pandas as pd
        return pd.DataFrame(self.records).set_index("epoch")

    def __repr__(self) -> str:
        if not self.records:
            return f"History({self.label!r}, no epochs)"
        f = self.final
        return (f"History({self.label!r}: {len(self)} epochs, loss {f['loss']:.3f}, train acc "
                f"{f['train_acc']:.3f}, val acc {f['val_acc']:.3f}; kept epoch {self.best_epoch}, "
                f"test acc {self.test_acc:.3f}" + (f", stopped: {self.stopped}" if self.stopped else "")
                + ")")


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


def _make_schedule(optimizer: torch.optim.Optimizer, budget: Budget, total_steps: int):
    if budget.schedule in (None, "constant"):
        return None
    if budget.schedule == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=total_steps)
    if budget.schedule == "onecycle":
        return torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=budget.lr, total_steps=total_steps)
    raise ValueError(f"unknown schedule {budget.schedule!r}; use None, 'cosine' or 'onecycle'.")


def evaluate(model: nn.Module, loader: DeviceLoader, fast: FastPath = FastPath()) -> tuple[float, float]:
    """Mean cross-entropy and accuracy of ``model`` on ``loader`` (one host sync at the end)."""
    was_training = model.training
    model.eval()
    loss_sum = correct = torch.zeros((), device=loader.device)
    count = 0
    with torch.no_grad(), autocast(loader.device, fast):
        for x, y in islice(loader, caps().eval_batches):      # CNNBOOK_MAX_EVAL_BATCHES
            logits = model(x).float()
            loss_sum = loss_sum + cross_entropy(logits, y, reduction="sum")
            correct = correct + (logits.argmax(1) == y).sum()
            count += len(y)
    model.train(was_training)
    loss, acc = (torch.stack([loss_sum, correct.float()]) / count).tolist()
    return loss, acc


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


class _Diverged(Exception):
    def __init__(self, batch: int, loss: float):
        super().__init__(batch, loss)
        self.batch, self.loss = batch, loss


def _train_epoch(model, loader, steps, optimizer, schedule, scaler, loss_fn, fast, bar) -> dict:
    """One pass over ``steps`` batches; loss and accuracy stay on the device between log points."""
    device = loader.device
    loss_sum = torch.zeros((), device=device)
    correct = torch.zeros((), device=device)
    seen, start = 0, time.perf_counter()
    for batch, (x, y) in enumerate(islice(loader, steps), start=1):
        with autocast(device, fast):
            out = model(x)                                  # logits, or (logits, aux, ...) in training
            if isinstance(out, tuple) and loss_fn is cross_entropy:
                raise TypeError(f"{type(model).__name__} returns {len(out)} outputs in training mode; pass "
                                "a loss_fn that reads them all, e.g. fit(..., loss_fn=googlenet_loss).")
            loss = loss_fn(out, y)
        logits = out[0] if isinstance(out, tuple) else out
        optimizer.zero_grad(set_to_none=True)
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
        if schedule is not None:
            schedule.step()
        loss_sum += loss.detach().float() * len(y)
        correct += (logits.argmax(1) == y).sum()
        seen += len(y)
        bar.update()
        if batch % 10 == 0 or batch == steps:               # one host sync per 10 steps
            mean_loss, acc = (torch.stack([loss_sum, correct]) / seen).tolist()
            if not math.isfinite(mean_loss):
                raise _Diverged(batch, mean_loss)
            bar.set_postfix(loss=f"{mean_loss:.3f}", acc=f"{acc:.3f}", refresh=False)
    seconds = time.perf_counter() - start
    return {"loss": mean_loss, "train_acc": acc, "img_per_s": seen / seconds, "seconds": seconds}


def fit(model: nn.Module, data: ImageData, budget: Budget, *, device: torch.device | None = None,
        label: str = "", seed: int = 0, loss_fn=cross_entropy, checkpoint: str | Path | None = None,
        progress: bool = True, compile: bool = False) -> History:
    """Train ``model`` on ``data`` within ``budget``; return the :class:`History`.

    ``loss_fn(output, labels)``: the training loss (default cross-entropy); a
    model whose training output is a tuple, main logits first, needs one that
    takes the tuple (e.g. GoogLeNet with auxiliary heads). ``progress``: a tqdm
    bar per epoch (with ``CNNBOOK_PROGRESS=lines``, as the book build sets, one
    printed line per epoch). ``checkpoint``: a file to save after every epoch and
    to resume from if it exists (a Ctrl-C saves there too, or to
    ``checkpoints/<label>.pt``, and re-raises). ``compile``: ``torch.compile`` (CUDA only; it
    slows a 2-core CPU down). ``seed`` fixes shuffling and dropout; the global
    random state is left as it was.
    """
    device = device or get_device()
    static = os.environ.get("CNNBOOK_PROGRESS", "bar") == "lines"
    fast = fast_path_for(device, compile=compile)
    if hasattr(model, "input_spec"):      # the book's models: refuse a wrong size before any data loads
        check_input_size(model, budget.image_size)
    model.to(device)
    if fast.channels_last:
        model.to(memory_format=torch.channels_last)
    loader = partial(make_loader, data, batch_size=budget.batch_size, image_size=budget.image_size,
                     device=device, seed=seed, channels=getattr(model, "in_channels", 1),
                     channels_last=fast.channels_last)
    train_loader, val_loader = loader("train"), loader("val")
    cap = caps()                                              # CNNBOOK_MAX_* (capped full mode)
    epochs, steps = cap.limit("epochs", budget.epochs), cap.limit("steps", len(train_loader))
    if cap.active:
        print(f"cnnbook: capped run ({cap}): {epochs} epoch(s) of {steps} step(s), batch size "
              f"{train_loader.batch_size}.")
    optimizer = make_optimizer(model, budget)
    schedule = _make_schedule(optimizer, budget, epochs * steps)
    scaler = torch.amp.GradScaler("cuda", enabled=fast.grad_scaler)
    step_model = torch.compile(model) if fast.compile else model
    history = History(label=label or type(model).__name__)
    best_state = copy.deepcopy(model.state_dict())           # weights of history.best_epoch

    path = Path(checkpoint) if checkpoint is not None else None
    if path is not None and path.exists():
        state = ckpt.load(path, model=model, budget=budget, device=device)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        if state["scaler"]:                                   # empty when saved without fp16
            scaler.load_state_dict(state["scaler"])
        if schedule is not None:
            schedule.load_state_dict(state["schedule"])
        history.records, history.best_epoch = list(state["records"]), state["best_epoch"]
        best_state = state["best_model"]
        print(f"cnnbook: resuming {history.label} from {path} after epoch {len(history)}.")
    save_state = partial(ckpt.capture, model=model, budget=budget, optimizer=optimizer,
                         schedule=schedule, scaler=scaler, history=history)
    last_state = save_state(best_state=best_state)            # the run after its last finished epoch

    model.train()
    cuda = [device.index or 0] if device.type == "cuda" else []
    epoch = len(history)
    try:
        with torch.random.fork_rng(devices=cuda):             # seed dropout here, not globally
            for epoch in range(len(history) + 1, epochs + 1):
                train_loader.set_epoch(epoch)
                torch.manual_seed(seed * 1_000 + epoch)       # dropout masks repeat on resume
                with tqdm(total=steps, desc=f"{history.label} epoch {epoch}/{epochs}", file=sys.stdout,
                          disable=not progress or static, mininterval=2.0, ncols=110) as bar:
                    try:
                        record = _train_epoch(step_model, train_loader, steps, optimizer, schedule,
                                              scaler, loss_fn, fast, bar)
                    except _Diverged as d:
                        _stop(history, budget, f"the loss became {d.loss} in epoch {epoch} (by batch {d.batch})")
                        break
                    val_loss, val_acc = evaluate(model, val_loader, fast)
                    record = {"epoch": epoch, **record, "val_loss": val_loss, "val_acc": val_acc}
                    bar.set_postfix(loss=f"{record['loss']:.3f}", acc=f"{record['train_acc']:.3f}",
                                    val_acc=f"{val_acc:.3f}", refresh=True)
                history.records.append(record)
                if progress and static:
                    print(f"{history.label} epoch {epoch}/{epochs}: loss {record['loss']:.3f}, train acc "
                          f"{record['train_acc']:.3f}, val acc {val_acc:.3f} [{record['seconds']:.1f} s, "
                          f"{record['img_per_s']:,.0f} img/s]", flush=True)
                if val_acc > history.best_val_acc or not history.best_epoch:
                    history.best_epoch, best_state = epoch, copy.deepcopy(model.state_dict())
                last_state = save_state(best_state=best_state)
                if path is not None:
                    ckpt.write(last_state, path)
    except KeyboardInterrupt:
        saved = ckpt.write(last_state, path or ckpt.default_path(history.label))
        print(f"cnnbook: {history.label} was interrupted in epoch {epoch}. The run as it stood after "
              f"epoch {last_state['epoch']} is saved in {saved}; to resume, call fit again with the same "
              f"model and budget and checkpoint={str(saved)!r}.", flush=True)
        raise                                                 # stop the cell, even inside a loop

    model.load_state_dict(best_state)                         # the weights chosen on validation
    history.test_loss, history.test_acc = evaluate(model, loader("test"), fast)
    if progress:
        print(f"cnnbook: {history.label}: kept epoch {history.best_epoch} (validation accuracy "
              f"{history.best_val_acc:.3f}); test accuracy {history.test_acc:.3f}.")
    return history


def _stop(history: History, budget: Budget, what: str) -> None:
    """End a diverged run with a message naming the fix and the weights the model gets back."""
    history.stopped = "diverged"
    kept = (f"the weights from epoch {history.best_epoch} (validation accuracy "
            f"{history.best_val_acc:.3f})" if history.best_epoch else "its initial weights")
    history.message = (
        f"Training stopped: {what}; learning rate {budget.lr:g}, optimizer {budget.optimizer}. The "
        f"usual fix is a lower learning rate, e.g. budget.replace(lr={budget.lr / 10:g}); normalised "
        f"inputs or BatchNorm also help. The model was given back {kept}; the {len(history)} "
        f"finished epoch(s) stay in the history.")
    print(f"cnnbook: {history.message}")
