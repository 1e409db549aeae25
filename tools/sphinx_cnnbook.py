"""Sphinx extension: each chapter's download button serves its reader notebook.

sphinx-book-theme's download button links to ``_sources/<page>.ipynb``, the
chapter as stored (MyST markup, no outputs). After the HTML build this replaces
those copies with the reader notebooks of ``tools/reader.py`` (prose Jupyter and
Colab render, the build's numbers until the reader runs it). Registered in
``_config.yml`` under ``sphinx.local_extensions``; ``cnnbook_reader_dir`` (default
``_build/reader``) says where the reader notebooks are.
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


def setup(app):
    app.add_config_value("cnnbook_reader_dir", "_build/reader", "html")
    app.connect("build-finished", replace_downloads)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
