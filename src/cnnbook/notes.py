"""The study notes' own models, run as written, so the chapters can check them.

The book grew from a student's notes (``shared/seeds`` in the project). Their code
is quoted, exactly as the notes write it, in ``notes_excerpts.md`` next to this
module (shipped with the package): one fenced block per model, under a heading that
names the book's name for it and the seed file it comes from. This module compiles
each block as it stands and exposes it under the book's name -- the notes' mistakes
included, which the "对照你的笔记 · Check your notes" sections run through the
book's tools:

* :data:`NotesLeNet` -- no padding, so a 28×28 image shrinks 28→24→12→8→4 and the
  5×5 ``conv3`` meets a 4×4 map; it needs the paper's 32×32 input.
* :data:`NotesAlexNet` -- 227×227 input, no padding in ``conv1``, one GPU's half of
  the widths (48/128/192/192/128) and 2,048-unit fully connected layers; no LRN.
* :data:`notes_nin_block` -- the notes' NiN block, which is d2l's and holds.
* :data:`NotesVGG16` -- ``conv3_2`` and ``conv4_2`` are each called twice (there is
  no ``conv3_3`` or ``conv4_3``), block 5 calls ``conv4_2`` three more times, and a
  ReLU follows the last ``Linear``, so the logits can never be negative.

``inspect.getsource`` cannot see code compiled from a string, so
:func:`cnnbook.show_source` asks :func:`quoted_source` first; a traceback through
these models names ``notes_excerpts.md`` and the line there.

These are exhibits, not models to use: the zoo (``cnnbook.create_model``) has the
faithful versions.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

from torch import nn

__all__ = ["NotesLeNet", "NotesAlexNet", "NotesVGG16", "notes_nin_block", "Excerpt", "EXCERPTS",
           "excerpts_from_markdown", "quoted_source"]

_HEADING = re.compile(r"^## (?P<name>\w+): `(?:class|def) (?P<quoted>\w+)` from (?P<seed>\S+)")
_REMARK = re.compile(r"^- line (?P<line>\d+) \(`(?P<code>.+)`\): (?P<text>.+)$")


@dataclass(frozen=True)
class Excerpt:
    """One quoted block of the notes: its book name, its own name, where it comes from, the code."""

    name: str                       # the book's name, e.g. "NotesLeNet"
    quoted: str                     # the notes' name, e.g. "LeNet"
    seed: str                       # the seed file the block is copied from
    source: str                     # the block, exactly as the notes write it
    first_line: int                 # line of the block's first line in the markdown file
    remarks: dict[int, str]         # block line (from 1) -> the book's remark on it

    def annotated(self) -> str:
        """The block with the book's remarks as end-of-line comments, aligned."""
        lines = self.source.splitlines()
        column = max((len(lines[n - 1]) for n in self.remarks), default=0) + 6
        for n, text in self.remarks.items():
            lines[n - 1] = f"{lines[n - 1]:<{column}}# {text}"
        return "\n".join(lines)


def excerpts_from_markdown(text: str, path: str = "notes_excerpts.md") -> dict[str, Excerpt]:
    """Every quoted block of ``text`` (the format of ``notes_excerpts.md``), by its book name.

    A heading ``## NotesLeNet: `class LeNet` from <seed file> (...)`` opens a section;
    its first ```` ```python ```` block is the quote; list items ``- line N (`code`): remark``
    after it are the book's remarks, and ``code`` must be line N of the block.
    """
    lines = text.splitlines()
    found: dict[str, Excerpt] = {}
    i = 0
    while i < len(lines):
        heading = _HEADING.match(lines[i])
        i += 1
        if not heading:
            continue
        while i < len(lines) and lines[i] != "```python":
            if lines[i].startswith("## "):
                raise ValueError(f"{path}, line {i + 1}: section {heading['name']} has no ```python block")
            i += 1
        start = i + 1
        end = next((j for j in range(start, len(lines)) if lines[j] == "```"), None)
        if end is None:
            raise ValueError(f"{path}, line {start}: the ```python block of {heading['name']} is not closed")
        block = lines[start:end]
        remarks: dict[int, str] = {}
        i = end + 1
        while i < len(lines) and not lines[i].startswith("## "):
            remark = _REMARK.match(lines[i])
            if remark:
                n = int(remark["line"])
                if not 1 <= n <= len(block) or block[n - 1].strip() != remark["code"]:
                    raise ValueError(f"{path}, line {i + 1}: remark on line {n} of {heading['name']} quotes "
                                     f"{remark['code']!r}, but that line of the block is "
                                     f"{block[n - 1].strip() if 1 <= n <= len(block) else '(none)'!r}; "
                                     f"fix the line number or the quoted code")
                remarks[n] = remark["text"]
            i += 1
        found[heading["name"]] = Excerpt(heading["name"], heading["quoted"], heading["seed"],
                                         "\n".join(block) + "\n", start + 1, remarks)
    return found


def _compile(excerpt: Excerpt, path: str):
    """Run the block as it stands; return its class or function under the book's name.

    The block is compiled at its own line numbers of ``path``, so a traceback shows the quoted line.
    """
    namespace = {"__name__": __name__, "nn": nn}
    code = compile("\n" * (excerpt.first_line - 1) + excerpt.source, path, "exec")
    exec(code, namespace)
    if excerpt.quoted not in namespace:
        raise ValueError(f"{path}: the block of {excerpt.name} defines no {excerpt.quoted!r}; "
                         f"fix the heading's `class`/`def` name")
    obj = namespace[excerpt.quoted]
    obj.__name__ = obj.__qualname__ = excerpt.name     # the only change: the book's name
    return obj


_PATH = resources.files(__package__).joinpath("notes_excerpts.md")
#: Every quoted block, by the book's name (the order of ``notes_excerpts.md``).
EXCERPTS: dict[str, Excerpt] = excerpts_from_markdown(_PATH.read_text(encoding="utf-8"), str(_PATH))
_OBJECTS = {name: _compile(excerpt, str(_PATH)) for name, excerpt in EXCERPTS.items()}

NotesLeNet = _OBJECTS["NotesLeNet"]
NotesAlexNet = _OBJECTS["NotesAlexNet"]
NotesVGG16 = _OBJECTS["NotesVGG16"]
notes_nin_block = _OBJECTS["notes_nin_block"]


def quoted_source(obj) -> str | None:
    """The notes' block behind ``obj`` with the book's remarks, or ``None`` if ``obj`` is not one of them."""
    name = getattr(obj, "__name__", None)
    return EXCERPTS[name].annotated() if name in _OBJECTS and _OBJECTS[name] is obj else None
