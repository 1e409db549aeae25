"""Run modes and every chapter's training budget, kept in one place.

Two modes:

* ``quick`` -- sized for a laptop CPU: smaller images, a subset of the data,
  few epochs. Every chapter finishes in about a minute and still learns.
* ``full``  -- d2l scale: the whole Fashion-MNIST training set, 10 epochs and
  (for the ImageNet-era networks) paper-like resolution. Meant for a GPU.

The mode is ``full`` where CUDA is present and ``quick`` otherwise; set
``CNNBOOK_MODE=quick`` or ``CNNBOOK_MODE=full`` to choose. A chapter asks for its
budget with ``budget("alexnet")`` and never hard-codes these numbers; the numbers
are data, in ``budgets.json`` next to this module.

**Caps** (any mode; unset means no cap), read here and nowhere else by :func:`caps`:
``CNNBOOK_MAX_EPOCHS`` (epochs per run), ``CNNBOOK_MAX_STEPS`` (training steps
per epoch), ``CNNBOOK_MAX_EVAL_BATCHES`` (batches per evaluation or prediction)
and ``CNNBOOK_MAX_BATCH`` (batch size). With them, full mode -- full-size models,
images and code paths -- runs through on a CPU in minutes ("capped full mode").
"""
from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass
from importlib import resources

import torch

__all__ = ["Budget", "budget", "get_mode", "MODE_ENV_VAR", "BUDGETS", "budgets_from_table", "Caps", "caps",
           "CAP_ENV_VARS"]

MODE_ENV_VAR = "CNNBOOK_MODE"
MODES = ("quick", "full")


def get_mode() -> str:
    """``quick`` or ``full``: from ``CNNBOOK_MODE``, else ``full`` exactly when CUDA is present."""
    requested = os.environ.get(MODE_ENV_VAR, "").strip().lower()
    if requested:
        if requested not in MODES:
            raise ValueError(f"{MODE_ENV_VAR}={requested!r} is not a mode; use 'quick' or 'full'.")
        return requested
    return "full" if torch.cuda.is_available() else "quick"


#: Field of :class:`Caps` -> the environment variable that sets it.
CAP_ENV_VARS = {"epochs": "CNNBOOK_MAX_EPOCHS", "steps": "CNNBOOK_MAX_STEPS",
                "eval_batches": "CNNBOOK_MAX_EVAL_BATCHES", "batch_size": "CNNBOOK_MAX_BATCH"}


@dataclass(frozen=True)
class Caps:
    """Upper limits on a run from the environment; ``None`` means no cap."""

    epochs: int | None = None
    steps: int | None = None          # training steps per epoch
    eval_batches: int | None = None   # batches per evaluation / prediction
    batch_size: int | None = None

    @property
    def active(self) -> bool:
        return any(v is not None for v in dataclasses.astuple(self))

    def limit(self, field_name: str, value: int) -> int:
        """``value``, or the cap on ``field_name`` if that is smaller."""
        cap = getattr(self, field_name)
        return value if cap is None else min(value, cap)

    def __str__(self) -> str:
        return ", ".join(f"{CAP_ENV_VARS[k]}={v}" for k, v in dataclasses.asdict(self).items()
                         if v is not None) or "no caps"


def _read_cap(var: str) -> int | None:
    raw = os.environ.get(var, "").strip()
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise ValueError(f"{var}={raw!r} is not a positive whole number; set e.g. {var}=2, "
                         f"or unset {var} for no cap.")
    return value


def caps() -> Caps:
    """The caps set in the environment now (see the module docstring)."""
    return Caps(**{name: _read_cap(var) for name, var in CAP_ENV_VARS.items()})


@dataclass(frozen=True)
class Budget:
    """What one training run may spend, and the recipe it uses.

    ``train_size`` / ``test_size`` of ``None`` mean the whole split. Images are
    resized on the device to ``image_size``. ``schedule`` is ``None`` (constant
    learning rate), ``"cosine"`` or ``"onecycle"``.
    """

    dataset: str = "fashion_mnist"
    image_size: int = 28
    train_size: int | None = 4000
    test_size: int | None = 1000
    epochs: int = 5
    batch_size: int = 64
    optimizer: str = "adam"
    lr: float = 1e-3
    momentum: float = 0.0
    weight_decay: float = 0.0
    schedule: str | None = None
    mode: str = "quick"

    def replace(self, **changes) -> "Budget":
        """A copy with some fields changed, e.g. ``b.replace(optimizer="sgd", lr=0.9)``."""
        return dataclasses.replace(self, **changes)


def budgets_from_table(table: dict) -> dict[str, dict[str, Budget]]:
    """``BUDGETS`` from the table of ``budgets.json``.

    A chapter's ``quick`` entry lists the fields it sets on :class:`Budget`'s defaults;
    its ``full`` entry the fields it changes in the table's ``full`` baseline (d2l's
    chapter 7 recipe: whole Fashion-MNIST, 10 epochs, batch 128); ``why`` says why a
    budget is as it is.
    """
    baseline = Budget(**table["full"])
    budgets = {}
    for chapter, entry in table["chapters"].items():
        try:
            budgets[chapter] = {"quick": Budget(**entry["quick"]), "full": baseline.replace(**entry["full"])}
        except (TypeError, KeyError) as error:
            raise ValueError(f"budgets.json, chapter {chapter!r}: {type(error).__name__}: {error}; give it "
                             "'quick' and 'full', each with fields of cnnbook.budgets.Budget") from None
    return budgets


#: Per-chapter budgets, ``BUDGETS[chapter][mode]``, from ``budgets.json`` (shipped with the
#: package). Quick budgets were tuned on a 2-core CPU (see the benchmark,
#: ``python -m cnnbook.bench``); full budgets follow d2l's scale.
BUDGETS: dict[str, dict[str, Budget]] = budgets_from_table(
    json.loads(resources.files(__package__).joinpath("budgets.json").read_text(encoding="utf-8")))


def budget(chapter: str, mode: str | None = None) -> Budget:
    """The budget of ``chapter`` in ``mode`` (default: :func:`get_mode`)."""
    mode = mode or get_mode()
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; use 'quick' or 'full'.")
    try:
        return BUDGETS[chapter][mode]
    except KeyError:
        raise KeyError(f"no budget for chapter {chapter!r}; known: {sorted(BUDGETS)}") from None
