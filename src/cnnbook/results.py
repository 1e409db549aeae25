"""A record of every training run, so that later pages can reuse what chapters measured.

:func:`cnnbook.training.fit` calls :func:`record` after each run of a chapter
(the chapter is the one named to :func:`cnnbook.notebook.setup_chapter`). Records
are JSON files in ``$CNNBOOK_RESULTS`` (default: ``results/`` in the data cache),
one per chapter and run label, holding the budget, the model, the device, the
time and the per-epoch history. The comparison chapter reads them with
:func:`load` and says where each number came from and when it was measured.
"""
from __future__ import annotations

import dataclasses
import json
import os
import re
import time
from pathlib import Path

__all__ = ["results_dir", "record", "load", "find", "code_version", "set_chapter", "current_chapter"]

_chapter: str | None = None


def set_chapter(chapter: str | None) -> None:
    """Name the chapter whose runs :func:`record` files (set by ``setup_chapter``)."""
    global _chapter
    _chapter = chapter


def current_chapter() -> str | None:
    return _chapter


def code_version() -> str:
    """A hash of the library's source: a record made by other code is never reused."""
    import hashlib

    digest = hashlib.sha1()
    for path in sorted(Path(__file__).parent.rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def results_dir() -> Path:
    from .data import data_dir
    return Path(os.environ.get("CNNBOOK_RESULTS", data_dir() / "results")).expanduser()


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")[:80] or "run"


def record(history, *, model, budget, device, chapter: str | None = None) -> Path | None:
    """Write one run's record; returns its path (``None`` when no chapter is set)."""
    chapter = chapter or _chapter
    if chapter is None or not history.records:
        return None
    folder = results_dir()
    folder.mkdir(parents=True, exist_ok=True)
    entry = {
        "chapter": chapter, "label": history.label, "model": type(model).__name__,
        "params": sum(p.numel() for p in model.parameters()),
        "budget": dataclasses.asdict(budget), "device": str(device), "stopped": history.stopped,
        "time": time.strftime("%Y-%m-%d %H:%M:%S"), "records": history.records,
        "code_version": code_version(),
    }
    path = folder / f"{_slug(chapter)}__{_slug(history.label)}.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(entry, indent=1), encoding="utf-8")
    os.replace(tmp, path)
    return path


def load(chapter: str | None = None) -> list[dict]:
    """All records (of one chapter, if given), newest first."""
    folder = results_dir()
    if not folder.exists():
        return []
    entries = []
    for path in folder.glob("*.json"):
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue                                  # a half-written or foreign file
        if chapter is None or entry.get("chapter") == chapter:
            entries.append(entry)
    return sorted(entries, key=lambda e: e["time"], reverse=True)


def find(chapter: str, label: str, budget, params: int) -> dict | None:
    """A finished record of exactly this run (chapter, label, budget, model size, library code), if any."""
    wanted = dataclasses.asdict(budget)
    version = code_version()
    for entry in load(chapter):
        if (entry["label"] == label and entry["budget"] == wanted and entry["params"] == params
                and entry.get("code_version") == version and entry["stopped"] is None
                and len(entry["records"]) == budget.epochs):
            return entry
    return None
