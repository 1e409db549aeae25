"""The built book as a reader sees it: every page in headless Chromium.

Checks: no JavaScript errors (beyond the allowlist below), no request to any host but
the local server (such requests are blocked and fail the test: the book must work
offline), every image loads, every formula is typeset, every interactive figure
responds to its controls, every chapter shows figures, launch links point at the
chapter's notebook, the search finds "LeNet". Screenshots of every chapter and of
each figure before/after each control go to _build/screenshots/; each chapter
page's weight and load time to _build/page_weights.txt.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from conftest import HTML, ROOT
from figure_driver import hover_points, open_page, operate_controls, untypeset_math

# Console messages that are not errors of the book. Each needs a reason. (Requests to
# other hosts are not allowed at all: open_page blocks and records them.)
ALLOWED_CONSOLE_ERRORS = (
    # Chromium asks for /favicon.ico, which a Jupyter Book does not have.
    "favicon.ico",
    # sphinx-thebe's loader is included twice by sphinx-book-theme 1.1 (once by each
    # extension), so the second copy's `const THEBE_JS_URL` throws. Thebe is not used
    # by this book (launch buttons go to Colab and Binder), so nothing breaks.
    "Identifier 'THEBE_JS_URL' has already been declared",
    # pydata-sphinx-theme logs this on a first visit, before a light/dark choice is stored.
    "Got invalid theme mode",
)
SCREENSHOTS = ROOT / "_build" / "screenshots"
PAGE_WEIGHTS = ROOT / "_build" / "page_weights.txt"


@pytest.fixture(scope="session")
def html(request) -> Path:
    """The book built by conftest's ``book_build``, or an already built book named by
    ``CNNBOOK_BUILT_HTML`` (e.g. a reduced book of one or two chapters, for a quick check)."""
    built = os.environ.get("CNNBOOK_BUILT_HTML")
    if built:
        return Path(built)
    returncode, log = request.getfixturevalue("book_build")
    if returncode != 0:
        pytest.fail("the book did not build:\n" + log[-4000:])
    return HTML


_REFRESH = re.compile(r'<meta http-equiv="Refresh" content="0; url=([^"]+)"', re.I)


def _redirects(html: Path) -> dict[str, str]:
    """The redirect stubs (each edition's ``index.html``): page -> the page it sends the reader to."""
    out = {}
    for p in html.rglob("*.html"):
        m = _REFRESH.search(p.read_text(encoding="utf-8", errors="replace")[:2000])
        if m:
            out[str(p.relative_to(html))] = m.group(1)
    return out


def _pages(html: Path) -> list[str]:
    """The book's pages, less the redirect stubs: a stub navigates away while it is being
    checked, and it has no content of its own (``test_redirects_land_on_a_page`` covers it)."""
    stubs = _redirects(html)
    return sorted(rel for rel in (str(p.relative_to(html)) for p in html.rglob("*.html")
                                  if "_static" not in p.parts and "_sources" not in p.parts
                                  and p.name != "genindex.html")
                  if rel not in stubs)


def test_redirects_land_on_a_page(browser, served_book, html):
    stubs = _redirects(html)
    assert "index.html" in stubs and "zh/index.html" in stubs, sorted(stubs)
    problems = []
    for rel, target in sorted(stubs.items()):
        expected = (html / rel).parent / target
        if not expected.is_file():
            problems.append(f"{rel} redirects to {target}, which was not built")
            continue
        page = browser.new_context().new_page()
        page.goto(f"{served_book}/{rel}")
        want = f"{served_book}/{expected.relative_to(html)}"
        try:
            page.wait_for_url(want, timeout=15_000)
            page.wait_for_load_state("load")
            if not page.locator("main h1, article h1").count():
                problems.append(f"{rel} -> {page.url}: no heading on the landing page")
        except Exception as exc:          # playwright's TimeoutError
            problems.append(f"{rel} did not land on {want} (at {page.url}): {exc}")
        page.close()
    assert not problems, "\n".join(problems)


def _allowed(text: str) -> bool:
    return any(marker in text for marker in ALLOWED_CONSOLE_ERRORS)


def test_pages_have_no_js_errors_no_external_requests_and_all_images_load(browser, served_book, html):
    problems = []
    for rel in _pages(html):
        page, visit = open_page(browser, served_book, rel, allowed_console=ALLOWED_CONSOLE_ERRORS)
        page.wait_for_timeout(300)
        broken = page.evaluate("""() => Array.from(document.images)
            .filter(img => !(img.complete && img.naturalWidth > 0)).map(img => img.src)""")
        problems += [f"{rel}: {e}" for e in visit.errors if not _allowed(e)]
        problems += [f"{rel}: request to another host: {u}" for u in visit.external]
        problems += [f"{rel}: broken image {src}" for src in broken]
        page.close()
    assert not problems, "\n".join(problems)


def test_every_formula_is_typeset(browser, served_book, html):
    problems = []
    for rel in _pages(html):
        page, visit = open_page(browser, served_book, rel, allowed_console=ALLOWED_CONSOLE_ERRORS)
        math = untypeset_math(page)
        if math["raw"]:
            problems.append(f"{rel}: raw TeX left in the page: {math['raw'][:3]}")
        if math["typeset"] < math["math"]:
            problems.append(f"{rel}: {math['math']} formulas but only {math['typeset']} typeset")
        problems += [f"{rel}: request to another host: {u}" for u in visit.external]
        page.close()
    assert not problems, "\n".join(problems)


def test_interactive_figures_respond_to_their_controls(browser, served_book, chapter_pages):
    """Every chapter has an interactive figure; each control changes what is drawn."""
    problems, report = [], []
    for path in chapter_pages:
        rel = f"chapters/{path.name}"
        page, visit = open_page(browser, served_book, rel, allowed_console=ALLOWED_CONSOLE_ERRORS)
        checks = operate_controls(page, path.stem, SCREENSHOTS) + hover_points(page, path.stem, SCREENSHOTS)
        if not checks:
            problems.append(f"{rel}: no interactive figure with a control")
        problems += [f"{rel}: figure {c.figure}: operating {c.control} changed nothing ({c.before.name})"
                     for c in checks if not c.changed]
        problems += [f"{rel}: {e}" for e in visit.errors if not _allowed(e)]
        problems += [f"{rel}: request to another host: {u}" for u in visit.external]
        report.append(f"{path.stem}: {len(checks)} controls operated, {sum(c.changed for c in checks)} changed the figure")
        page.close()
    print("\n".join(report))
    assert not problems, "\n".join(problems)


def test_page_weight_and_load_time_report(browser, served_book, chapter_pages):
    """A benchmark, not a timed assertion: prints and writes what each chapter page weighs and
    how long it takes to load (until its figures are drawn) from a local server."""
    lines = ["Chapter pages from a local server, headless Chromium, empty cache; load s = until the page's",
             "load event and its interactive figures are drawn. Measured, not asserted.",
             f"{'page':<28}{'bytes':>12}{'requests':>10}{'figures':>9}{'load s':>9}"]
    for path in chapter_pages:
        page, visit = open_page(browser, served_book, f"chapters/{path.name}", allowed_console=ALLOWED_CONSOLE_ERRORS)
        figures = page.locator(".cnnbook-interactive-output").count()
        html_bytes = path.stat().st_size
        kinds = ", ".join(f"{k} {v:,}" for k, v in sorted(visit.bytes_by_kind.items()))
        lines.append(f"{path.name:<28}{visit.bytes:>12,}{visit.requests:>10}{figures:>9}{visit.load_seconds:>9.2f}"
                     f"   (HTML file {html_bytes:,}; by kind: {kinds})")
        page.close()
    text = "\n".join(lines) + "\n"
    PAGE_WEIGHTS.parent.mkdir(parents=True, exist_ok=True)
    PAGE_WEIGHTS.write_text(text, encoding="utf-8")
    print(text)
    assert len(lines) == len(chapter_pages) + 3


def _small_figure(kind: str):
    import torch

    from cnnbook.interactive import feature_maps_figure, lrn_figure
    from cnnbook.models import create_model

    if kind == "lrn":           # bars and a caption
        return lrn_figure([10., 20., 30., 150., 30., 20., 10., 5.])
    torch.manual_seed(0)        # image glyphs: states carry 2-D arrays
    return feature_maps_figure(create_model("lenet_modern"), torch.randn(3, 1, 28, 28), torch.tensor([0, 1, 2]),
                               [str(i) for i in range(10)])


@pytest.mark.parametrize("kind", ["lrn", "feature_maps"])
def test_notebook_output_draws_and_responds(browser, tmp_path, kind):
    """The Jupyter/Colab path: a figure's text/html output, which loads BokehJS from Bokeh's CDN
    (answered here from the installed bokeh package), draws and responds to its controls."""
    import functools
    import http.server
    import threading

    import bokeh
    from bokeh.resources import CDN
    from cnnbook.interactive import MIME_TYPE
    from cnnbook.interactive.sphinx import bokeh_source

    output = _small_figure(kind)._repr_mimebundle_()
    assert MIME_TYPE in output
    # The wrapper div only gives the driver a handle on the output, as the book's renderer does.
    (tmp_path / "cell.html").write_text(
        f'<html><body><div class="cnnbook-interactive-output">{output["text/html"]}</div></body></html>',
        encoding="utf-8")
    cdn = {url: bokeh_source() / url.rsplit("/", 1)[1].replace(f"-{bokeh.__version__}", "") for url in CDN.js_files}
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        page, visit = open_page(browser, f"http://127.0.0.1:{server.server_port}", "cell.html",
                                stand_in=lambda url: cdn.get(url.split("?")[0]))
        checks = operate_controls(page, f"notebook-output-{kind}", SCREENSHOTS)
        page.close()
    finally:
        server.shutdown()
    assert checks and all(c.changed for c in checks), checks
    assert not visit.external and not [e for e in visit.errors if "favicon.ico" not in e], visit


def test_chapters_show_figures_and_are_screenshotted(browser, served_book, chapter_pages):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for path in chapter_pages:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{served_book}/chapters/{path.name}", wait_until="load")
        figures = page.evaluate("""() => Array.from(document.querySelectorAll('.cell_output img'))
            .filter(img => img.naturalWidth > 50).length""")
        assert figures >= 2, f"{path.name}: only {figures} figures rendered"
        shot = SCREENSHOTS / f"{path.stem}.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 20_000
        page.close()


def test_launch_links_point_at_each_chapters_notebook(browser, served_book, chapter_pages):
    for path in chapter_pages:
        page = browser.new_page()
        page.goto(f"{served_book}/chapters/{path.name}", wait_until="load")
        hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
        colab = [h for h in hrefs if "colab.research.google.com" in h]
        binder = [h for h in hrefs if "mybinder.org" in h]
        assert colab and all(h.endswith(f"/chapters/{path.stem}.ipynb") for h in colab), colab
        assert binder and all(h.endswith(f"chapters/{path.stem}.ipynb") for h in binder), binder
        page.close()


def test_search_finds_lenet(browser, served_book):
    page = browser.new_page()
    page.goto(f"{served_book}/search.html?q=LeNet", wait_until="load")
    page.wait_for_selector("#search-results li", timeout=15_000)
    results = page.eval_on_selector_all("#search-results li a", "els => els.map(e => e.textContent)")
    page.close()
    assert any("LeNet" in r for r in results), results
