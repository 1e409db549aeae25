"""The reader notebooks as readers get them: run in full mode, linked to the book, rendered in a browser."""
from __future__ import annotations

import re
import sys
from pathlib import Path
from urllib.parse import urlparse

import nbformat
import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tools"))

import reader  # noqa: E402
from test_reader import GLUE_KEY, rendered_numbers  # noqa: E402

SCREENSHOTS = ROOT / "_build" / "screenshots"


def test_every_reader_notebook_ran_in_full_mode_and_shows_every_glued_number(full_runs):
    for name, path in full_runs.items():
        nb = nbformat.read(path, as_version=4)
        chapter = nbformat.read(ROOT / "chapters" / f"{name}.ipynb", as_version=4)
        wanted = {k for c in chapter.cells if c.cell_type == "markdown" for k in GLUE_KEY.findall(c.source)}
        shown = rendered_numbers(nb)                    # every prose cell ran, none fell back to the build
        assert set(shown) == wanted, f"{name}: {sorted(wanted - set(shown))} not rendered"
        printed = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
        if any("setup_chapter" in c.source for c in chapter.cells):   # chapters that train set up a budget
            assert "full mode for" in printed, f"{name} did not run in full mode"


def test_reader_links_reach_existing_anchors_of_the_built_book(html, reader_notebooks):
    book_url = reader.book_context(ROOT).book_url
    checked = 0
    for path in reader_notebooks.values():
        text = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells)
        for url in re.findall(r"\]\((" + re.escape(book_url) + r"[^)\s]+)\)", text):
            parsed = urlparse(url[len(book_url):])
            page = html / parsed.path
            assert page.exists(), f"{path.name} links to a missing page {url}"
            if parsed.fragment:
                assert f'id="{parsed.fragment}"' in page.read_text(encoding="utf-8"), f"{path.name}: {url}"
            checked += 1
    assert checked > 0


def test_a_reader_notebook_renders_cleanly_in_chromium(browser, full_runs, html):
    """nbconvert's HTML of the executed LeNet reader notebook (JupyterLab's own styles), screenshotted.

    The prose cells' code is hidden as JupyterLab hides it (``jupyter.source_hidden``);
    nbconvert does not read that flag, so their tag removes the input here. Math is typeset
    by the MathJax 3 the built book serves (``_static/mathjax``), as Jupyter typesets it.
    """
    import functools
    import http.server
    import threading

    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    from conftest import _QuietHandler

    build = ROOT / "_build"
    mathjax = html / "_static" / "mathjax" / "tex-mml-chtml.js"
    mathjax_url = "/" + mathjax.relative_to(build).as_posix()
    nb = nbformat.read(full_runs["lenet"], as_version=4)
    exporter = HTMLExporter(template_name="lab", mathjax_url=mathjax_url)
    exporter.register_preprocessor(TagRemovePreprocessor(remove_input_tags={"reader-prose"}), enabled=True)
    body, _ = exporter.from_notebook_node(nb)
    # nbconvert configures MathJax 2; MathJax 3 reads window.MathJax (with $...$ for inline math)
    config = "<script>window.MathJax = {tex: {inlineMath: [['$', '$'], ['\\\\(', '\\\\)']], processEscapes: true}};</script>"
    body = body.replace(f'<script src="{mathjax_url}">', config + f'<script src="{mathjax_url}">', 1)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page_file = SCREENSHOTS / "reader_lenet.html"
    page_file.write_text(body, encoding="utf-8")

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(build)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    page = browser.new_page(viewport={"width": 1100, "height": 1400})
    try:
        page.goto(f"http://127.0.0.1:{server.server_port}/{page_file.relative_to(build).as_posix()}")
        text = page.inner_text("body")
        assert not re.search(r"\{(cite|term|glue:text|dropdown|admonition)\}", text)
        assert "{{" not in text                                # prose shows values, not placeholders
        assert "4,821,600" in text                             # a number the prose computes (LeNet's C1)
        details = page.locator("details")
        assert details.count() > 0
        details.first.locator("summary").click()
        assert details.first.evaluate("d => d.open")
        if mathjax.exists():
            page.wait_for_function("() => document.querySelectorAll('mjx-container').length > 0", timeout=60_000)
        # the view: LeNet's principle (glossary links) and the paragraph whose numbers the run rendered
        page.evaluate("y => window.scrollTo(0, y)", page.locator("h2").first.bounding_box()["y"] - 20)
        shot = SCREENSHOTS / "reader_lenet.png"
        page.screenshot(path=str(shot), full_page=False)
        assert shot.stat().st_size > 20_000
    finally:
        page.close()
        server.shutdown()
