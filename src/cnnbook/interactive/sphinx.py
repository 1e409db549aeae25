"""Sphinx extension: the book works offline, and its interactive figures render.

* MathJax 3 is served from the book's ``_static/mathjax`` (copied from the
  ``django-static-mathjax`` package) instead of a CDN; ``mathjax_path`` points there.
* BokehJS is copied once to ``_static/bokeh`` and included only on pages that
  have an interactive figure.
* :class:`BokehMimeRenderer` (registered in ``pyproject.toml`` under
  ``myst_nb.mime_renderers``) turns a figure's output into the page's HTML.

Enable it in ``_config.yml``: ``sphinx: extra_extensions: [cnnbook.interactive.sphinx]``.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from .core import MIME_TYPE

MATHJAX_DIR = "mathjax"
MATHJAX_ENTRY = "tex-mml-chtml.js"
# What tex-mml-chtml.js loads on demand: TeX extensions, the CHTML fonts, the menu's parts.
MATHJAX_PARTS = ("input", "output/chtml", "ui", "a11y", "adaptors")
BOKEH_DIR = "bokeh"
BOKEH_FILES = ("bokeh.min.js", "bokeh-widgets.min.js")
MARKER = 'class="cnnbook-interactive-output"'


def mathjax_source() -> Path:
    """MathJax 3's es5 build inside the installed ``django-static-mathjax`` package."""
    try:
        import mathjax
    except ImportError as err:      # pragma: no cover - the requirement is in requirements.txt
        raise ImportError("cnnbook.interactive.sphinx serves MathJax from the `django-static-mathjax` "
                          "package: pip install 'django-static-mathjax==3.2.2'") from err
    root = Path(list(mathjax.__path__)[0]) / "static" / "mathjax" / "es5"   # a namespace package
    if not (root / MATHJAX_ENTRY).exists():
        raise FileNotFoundError(f"{root / MATHJAX_ENTRY} is missing: reinstall django-static-mathjax==3.2.2")
    return root


def bokeh_source() -> Path:
    import bokeh

    return Path(bokeh.__file__).parent / "server" / "static" / "js"


def _use_local_mathjax(app, config):
    path = config.mathjax_path or ""
    if not path or "://" in path or path.startswith("//"):
        config.mathjax_path = f"{MATHJAX_DIR}/{MATHJAX_ENTRY}"


def _copy_assets(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    static = Path(app.outdir) / "_static"
    src = mathjax_source()
    dest = static / MATHJAX_DIR
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(src / MATHJAX_ENTRY, dest / MATHJAX_ENTRY)
    for part in MATHJAX_PARTS:
        if (src / part).exists():
            shutil.copytree(src / part, dest / part, dirs_exist_ok=True)
    bokeh_dest = static / BOKEH_DIR
    bokeh_dest.mkdir(parents=True, exist_ok=True)
    for name in BOKEH_FILES:
        shutil.copy2(bokeh_source() / name, bokeh_dest / name)


def _include_bokeh(app, pagename, templatename, context, doctree):
    """Add BokehJS to the pages that show a figure (and only to them)."""
    if MARKER in context.get("body", ""):
        for name in BOKEH_FILES:
            app.builder.add_js_file(f"{BOKEH_DIR}/{name}")


class BokehMimeRenderer:
    """myst-nb renderer for :data:`~cnnbook.interactive.core.MIME_TYPE` outputs (HTML builders)."""

    mime_priority_overrides = [("html", MIME_TYPE, 1), ("dirhtml", MIME_TYPE, 1), ("singlehtml", MIME_TYPE, 1)]

    @staticmethod
    def handle_mime(renderer, data, inline):
        if inline or data.mime_type != MIME_TYPE:
            return None
        from docutils import nodes

        content = data.content
        html = f'<div {MARKER}>{content["div"]}{content["script"]}</div>'
        return [nodes.raw("", html, format="html")]


def setup(app):
    app.setup_extension("sphinx.ext.mathjax")
    app.connect("config-inited", _use_local_mathjax, priority=900)
    app.connect("html-page-context", _include_bokeh)
    app.connect("build-finished", _copy_assets)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
