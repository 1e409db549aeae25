"""Every word the interactive figures show, in one place: ``labels.json`` next to this module.

A translation edits only that file. Keys are ``figure.item`` (``conv.title``, ``lrn.caption``, ...);
a value may hold ``str.format`` fields, which the figure fills in.
"""
import json
from importlib import resources

LABELS: dict[str, str] = json.loads(resources.files(__package__).joinpath("labels.json").read_text(encoding="utf-8"))
