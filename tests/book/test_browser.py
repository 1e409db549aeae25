"""The built book as a reader sees it: every page in headless Chromium.

Checks: no JavaScript errors (beyond the allowlist below), every image loads,
every chapter shows figures, launch links point at the chapter's notebook, the
search finds "LeNet"; a screenshot of every chapter goes to _build/screenshots/.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import ROOT

# Console messages that are not errors of the book. Each needs a reason.
ALLOWED_CONSOLE_ERRORS = (
    # The browser has no network here: requests to outside hosts (e.g. the launch
    # buttons' favicons or a CDN that a theme references) fail, which is expected offline.
    "net::ERR_NAME_NOT_RESOLVED",
    "net::ERR_INTERNET_DISCONNECTED",
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


def _pages(html: Path) -> list[str]:
    return sorted(str(p.relative_to(html)) for p in html.rglob("*.html")
                  if "_static" not in p.parts and "_sources" not in p.parts and p.name != "genindex.html")


def _allowed(text: str) -> bool:
    return any(marker in text for marker in ALLOWED_CONSOLE_ERRORS)


def test_pages_have_no_js_errors_and_all_images_load(browser, served_book, html):
    problems = []
    for rel in _pages(html):
        page = browser.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(f"page error: {exc}")
                if not _allowed(str(exc)) else None)
        page.on("console", lambda msg: errors.append(f"console: {msg.text}")
                if msg.type == "error" and not _allowed(msg.text + str(msg.location)) else None)
        page.goto(f"{served_book}/{rel}", wait_until="load")
        page.wait_for_timeout(300)
        broken = page.evaluate("""() => Array.from(document.images)
            .filter(img => !(img.complete && img.naturalWidth > 0)).map(img => img.src)""")
        problems += [f"{rel}: {e}" for e in errors] + [f"{rel}: broken image {src}" for src in broken]
        page.close()
    assert not problems, "\n".join(problems)


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
