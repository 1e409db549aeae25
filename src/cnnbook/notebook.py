"""Helpers for the chapters themselves: show the library's code, set up a chapter.

The book shows the code that actually runs (from ``src/``) instead of keeping
a second copy in the notebook; :func:`show_source` is how.
"""
from __future__ import annotations

import inspect
import itertools
import re

__all__ = ["show_source", "setup_chapter", "glue", "glued", "format_value", "prose"]

#: Every value the running chapter has glued, by name (the reader notebooks render prose from it).
glued: dict = {}


def show_source(obj, *, start: str | None = None, stop: str | None = None):
    """Display the source of a class or function from the library, highlighted.

    ``start`` / ``stop`` trim it to the lines between two markers (``start`` is
    the first line shown that contains the text; ``stop`` the first line not shown).
    The study notes' models (:mod:`cnnbook.notes`) show the notes' code as quoted,
    with the book's remarks as comments.
    """
    from IPython.display import Code

    source = None
    if getattr(obj, "__module__", None) == "cnnbook.notes":
        from .notes import quoted_source
        source = quoted_source(obj)
    lines = (source or inspect.getsource(obj)).splitlines()
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

    seed_everything(seed)
    matplotlib.rcParams.update({"figure.dpi": 100, "savefig.dpi": 100})
    device = get_device()
    chosen = budget_for(chapter)
    print(f"cnnbook: {chosen.mode} mode for {chapter}: {chosen.dataset} at {chosen.image_size}px, "
          f"{'all' if chosen.train_size is None else f'{chosen.train_size:,}'} training images, "
          f"{chosen.epochs} epochs (set CNNBOOK_MODE=full or quick to change).")
    return device, chosen


def glue(name: str, value, *, zh: dict | None = None) -> None:
    """Make a computed value available to the chapter's prose.

    In a markdown cell, ``{glue:text}`name:.3f``` then shows the value.

    The value is kept in :data:`glued` (the reader notebooks render their prose
    from it with :func:`prose`) and, when myst-nb is installed, glued for the
    book build; the call itself displays nothing.

    A computed English word ("fewer", "higher than") takes ``zh``, its Chinese for
    each value it can take: ``glue("word", "fewer" if a < b else "more",
    zh={"fewer": "更少", "more": "更多"})`` also glues ``word_zh``, which the Chinese
    edition's translation uses in its place (``tools/i18n.py``).
    """
    if hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
        value = value.item()          # NumPy / torch scalars -> plain Python numbers myst-nb can format
    glued[name] = value
    _refresh_prose(name)
    try:
        from myst_nb import glue as _glue
    except ImportError:
        pass
    else:
        _glue(name, value, display=False)
    if zh is not None:
        if value not in zh:
            raise KeyError(f"glue({name!r}): no Chinese word for {value!r} in zh={zh!r}; add it")
        glue(f"{name}_zh", zh[value])


def format_value(value, spec: str = "") -> str:
    """Format a glued value as myst-nb's ``{glue:text}`key:spec``` does.

    The spec's last character decides the type: ``d``-like ints, ``f``-like
    floats, ``s`` strings; no spec means ``str(value)``.
    """
    if not spec:
        return str(value)
    kind = spec[-1]
    if kind == "s":
        value = str(value)
    elif kind in "bcdoxX":
        value = int(value)
    elif kind in "eEfFgGn%":
        value = float(value)
    return format(value, spec)


_PLACEHOLDER = re.compile(r"\{\{(\w+)(?::([^{}]*))?\}\}")

#: Paragraphs shown before all their values were glued: display id -> (template, build values).
_waiting: dict[str, tuple[str, dict]] = {}
_shown = itertools.count()


def _render(template: str, build: dict) -> tuple[str, bool]:
    """The paragraph with this run's values (else the build's, marked); and whether any was missing."""
    missing = False

    def fill(match):
        nonlocal missing
        key, spec = match.group(1), match.group(2) or ""
        if key in glued:
            return format_value(glued[key], spec)
        missing = True
        if key in build:
            return (f'{format_value(build[key], spec)}<sup title="value computed by the book build; this '
                    f'run computes it further down">build</sup>')
        return f'<sup title="{key}: computed further down">(not computed yet)</sup>'

    return _PLACEHOLDER.sub(fill, template), missing


def prose(template: str, build: dict | None = None):
    """Render a paragraph of a reader notebook with this run's glued values.

    ``template`` is Markdown in which ``{{key:spec}}`` stands for the value the
    chapter glued as ``key`` (formatted as :func:`format_value` does). A key not
    glued yet shows ``build[key]``, the value the book's own build computed,
    marked as such; the paragraph is then shown with a display id, and
    :func:`glue` renders it again, in place, once this run computes the value.
    """
    from IPython.display import Markdown, display

    build = build or {}
    text, missing = _render(template, build)
    if not missing:
        return Markdown(text)
    display_id = f"cnnbook-prose-{next(_shown)}"
    _waiting[display_id] = (template, build)
    display(Markdown(text), display_id=display_id)
    return None


def _refresh_prose(name: str) -> None:
    """Re-render, in place, the paragraphs shown before ``name`` was glued."""
    if not _waiting:
        return
    from IPython.display import Markdown, update_display

    for display_id, (template, build) in list(_waiting.items()):
        if "{{" + name not in template:
            continue
        text, missing = _render(template, build)
        update_display(Markdown(text), display_id=display_id)
        if not missing:
            del _waiting[display_id]
