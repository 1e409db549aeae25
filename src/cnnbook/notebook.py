"""Helpers for the chapters themselves: show the library's code, set up a chapter.

The book shows the code that actually runs (from ``src/``) instead of keeping
a second copy in the notebook; :func:`show_source` is how.
"""
from __future__ import annotations

import inspect

__all__ = ["show_source", "setup_chapter", "glue"]


def show_source(obj, *, start: str | None = None, stop: str | None = None):
    """Display the source of a class or function from the library, highlighted.

    ``start`` / ``stop`` trim it to the lines between two markers (``start`` is
    the first line shown that contains the text; ``stop`` the first line not shown).
    """
    from IPython.display import Code

    lines = inspect.getsource(obj).splitlines()
    name = getattr(obj, "__qualname__", repr(obj))
    if start is not None:
        first = next((i for i, line in enumerate(lines) if start in line), None)
        if first is None:
            raise ValueError(f"show_source: no line of {name} contains start={start!r}")
        lines = lines[first:]
    if stop is not None:
        last = next((i for i, line in enumerate(lines) if stop in line and i > 0), None)
        if last is None:
            raise ValueError(f"show_source: no line of {name} contains stop={stop!r}")
        lines = lines[:last]
    return Code("\n".join(lines), language="python")


def setup_chapter(chapter: str, seed: int = 0):
    """One line at the top of a chapter: seed everything, pick the device and budget.

    Returns ``(device, budget)`` and prints what was chosen.
    """
    import matplotlib

    from .budgets import budget as budget_for
    from .device import get_device
    from .training import seed_everything

    from .results import set_chapter

    seed_everything(seed)
    set_chapter(chapter)        # fit() files this chapter's runs for the comparison chapter
    matplotlib.rcParams.update({"figure.dpi": 100, "savefig.dpi": 100})
    device = get_device()
    chosen = budget_for(chapter)
    print(f"cnnbook: {chosen.mode} mode for {chapter}: {chosen.dataset} at {chosen.image_size}px, "
          f"{'all' if chosen.train_size is None else f'{chosen.train_size:,}'} training images, "
          f"{chosen.epochs} epochs (set CNNBOOK_MODE=full or quick to change).")
    return device, chosen


def glue(name: str, value) -> None:
    """Make a computed value available to the chapter's prose.

    In a markdown cell, ``{glue:text}`name:.3f``` then shows the value.

    Uses myst-nb's glue when the book is being built; elsewhere (Jupyter,
    Colab) it does nothing, and the value is visible in the cell's output.
    """
    try:
        from myst_nb import glue as _glue
    except ImportError:
        return
    if hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
        value = value.item()          # NumPy / torch scalars -> plain Python numbers myst-nb can format
    _glue(name, value, display=False)
