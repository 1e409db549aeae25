"""Which chapter is running, so that messages and files can say so.

:func:`cnnbook.notebook.setup_chapter` names the chapter. The library keeps no
record of training runs on disk: a page that shows a number trained it on that
page (``fit`` writes a file only when given ``checkpoint=`` or when interrupted).
"""
from __future__ import annotations

__all__ = ["set_chapter", "current_chapter"]

_chapter: str | None = None


def set_chapter(chapter: str | None) -> None:
    """Name the chapter now running (set by ``setup_chapter``)."""
    global _chapter
    _chapter = chapter


def current_chapter() -> str | None:
    return _chapter
