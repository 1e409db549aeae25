"""Sphinx extension: reader notebooks behind the download buttons, and links between the editions.

sphinx-book-theme's download button links to ``_sources/<page>.ipynb``, the
chapter as stored (MyST markup, no outputs). After the HTML build this replaces
those copies with the reader notebooks of ``tools/reader.py`` (prose Jupyter and
Colab render, the build's numbers until the reader runs it). Registered in
``_config.yml`` under ``sphinx.local_extensions``; ``cnnbook_reader_dir`` (default
``_build/reader``) says where the reader notebooks are.

The book has an English edition and a Chinese one (``tools/i18n.py``), the Chinese in
the folder ``cnnbook_edition_dir`` (default ``zh``) of the English. Every page gets, at
the top of its text, a link to the same page in the other language, and a
``<link rel="alternate" hreflang>`` for it.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from sphinx.util import logging

logger = logging.getLogger(__name__)


def replace_downloads(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    reader = Path(app.srcdir) / app.config.cnnbook_reader_dir
    sources = Path(app.outdir) / "_sources"
    missing = []
    for docname in sorted(app.env.found_docs):
        if not docname.startswith("chapters/"):
            continue
        target = sources / f"{docname}.ipynb"
        notebook = reader / f"{docname}.ipynb"
        if not target.exists():
            continue
        if not notebook.exists():
            missing.append(docname)
            continue
        shutil.copyfile(notebook, target)
    if missing:
        logger.warning(f"no reader notebook for {', '.join(missing)} in {reader}: run `make notebooks-reader` "
                       "before building, or the download buttons serve the raw chapters")


EDITIONS = {"en": ("English", "en"), "zh": ("中文", "zh-CN")}


def edition_of(app) -> str:
    return "zh" if (app.config.language or "en").startswith("zh") else "en"


def edition_link(app, pagename: str, templatename, context: dict, doctree) -> None:
    """Prepend the link to this page in the other edition (and the current edition's name)."""
    if app.builder.format != "html" or not app.config.cnnbook_edition_dir:
        return
    up = "../" * pagename.count("/")
    here = edition_of(app)
    if here == "zh":
        other, href = "en", f"../{up}{pagename}.html"
    else:
        other, href = "zh", f"{up}{app.config.cnnbook_edition_dir}/{pagename}.html"
    name, hreflang = EDITIONS[other]
    current, current_lang = EDITIONS[here]
    context["metatags"] = context.get("metatags", "") + (
        f'<link rel="alternate" hreflang="{hreflang}" href="{href}" />\n')
    bar = (f'<p class="cnnbook-editions" style="text-align:right;font-size:0.9em;margin:0 0 0.5em 0">'
           f'<span lang="{current_lang}" aria-current="true"><strong>{current}</strong></span> · '
           f'<a class="cnnbook-edition-link" href="{href}" hreflang="{hreflang}" lang="{hreflang}">{name}</a></p>\n')
    context["body"] = bar + context.get("body", "")


def setup(app):
    app.add_config_value("cnnbook_reader_dir", "_build/reader", "html")
    app.add_config_value("cnnbook_edition_dir", "zh", "html")
    app.connect("build-finished", replace_downloads)
    app.connect("html-page-context", edition_link)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
