"""The Chinese edition (中文版) as built by ``make book`` into ``_build/html/zh``.

The browser checks of test_browser.py (no JavaScript errors, no request to another host, every
image loads, every formula typeset) visit every page under ``_build/html``, the Chinese pages
included. These tests add what is particular to the Chinese edition: its prose is Chinese, its
glued numbers are all there, the two editions link to each other page for page, its download and
launch buttons serve the Chinese reader notebooks, and its search finds Chinese words (its launch buttons: test_build.py).
"""
from __future__ import annotations

import posixpath
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from conftest import HTML, READER_ZH, ROOT, ZH_HTML

SCREENSHOTS = ROOT / "_build" / "screenshots"
CJK = re.compile(r"[\u4e00-\u9fff]")


def _soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def _prose(path: Path) -> str:
    """The text of a page's article without code, outputs, formulas and the edition bar."""
    article = _soup(path).select_one("article") or _soup(path)
    for node in article.select("div.cell_input, div.cell_output, pre, code, .math, mjx-container, "
                                ".cnnbook-editions, script, style, .bokeh"):
        node.decompose()
    return article.get_text(" ")


def _html_pages(root: Path) -> list[Path]:
    skip = {"_static", "_sources", "_images", "zh"}
    return sorted(p for p in root.rglob("*.html") if not (skip & set(p.relative_to(root).parts[:-1]))
                  and p.relative_to(root).as_posix() not in {"genindex.html", "search.html", "index.html"})


def test_the_chinese_edition_has_every_page_of_the_english(html):
    english = {p.relative_to(HTML) for p in _html_pages(HTML)}
    chinese = {p.relative_to(ZH_HTML) for p in _html_pages(ZH_HTML)}
    assert english and english == chinese, f"only in English: {english - chinese}; only in Chinese: {chinese - english}"
    assert _soup(ZH_HTML / "intro.html").html.get("lang") == "zh-CN"
    assert "intro.html" in (ZH_HTML / "index.html").read_text(encoding="utf-8")   # the redirect to the landing page


@pytest.mark.parametrize("page", ["intro.html", "study_a_paper.html", "glossary.html"]
                         + [f"chapters/{p.stem}.html" for p in sorted((ROOT / "chapters").glob("*.ipynb"))])
def test_most_prose_characters_of_each_chinese_page_are_cjk(html, page):
    text = _prose(ZH_HTML / page)
    cjk, latin = len(CJK.findall(text)), len(re.findall(r"[A-Za-z]", text))
    assert cjk > latin, f"zh/{page}: {cjk} CJK characters against {latin} Latin letters in its prose"


def test_every_glued_number_is_rendered_in_both_editions(html, chapter_pages, zh_chapter_pages):
    assert [p.name for p in chapter_pages] == [p.name for p in zh_chapter_pages]
    for en, zh in zip(chapter_pages, zh_chapter_pages):
        english = [s.get_text() for s in _soup(en).select("span.pasted-text")]
        chinese = [s.get_text() for s in _soup(zh).select("span.pasted-text")]
        assert len(english) == len(chinese), f"{zh.name}: {len(chinese)} glued values, the English {len(english)}"
        numbers = lambda values: sorted(v for v in values if re.search(r"\d", v))   # noqa: E731
        assert numbers(english) == numbers(chinese), f"{zh.name}: glued numbers differ from the English page"


def _edition_link(path: Path) -> str:
    links = _soup(path).select("a.cnnbook-edition-link")
    assert len(links) == 1, f"{path}: {len(links)} links to the other edition"
    return links[0]["href"]


def test_every_page_links_to_the_same_page_in_the_other_language_and_back(html):
    pages = _html_pages(HTML)
    assert len(pages) >= 10
    for page in pages:
        target = Path(posixpath.normpath(posixpath.join(page.parent.as_posix(), _edition_link(page))))
        assert target == ZH_HTML / page.relative_to(HTML), f"{page.relative_to(HTML)} links to {target}"
        back = Path(posixpath.normpath(posixpath.join(target.parent.as_posix(), _edition_link(target))))
        assert back == page, f"zh/{page.relative_to(HTML)} links back to {back}, not to {page}"
    landing = _soup(HTML / "intro.html")                  # index.html redirects to it
    first = landing.select_one("article .cnnbook-editions") or landing.select_one(".cnnbook-editions")
    assert first is not None and "中文" in first.get_text() and "English" in first.get_text()


def test_chinese_download_buttons_serve_the_chinese_reader_notebooks(html):
    notebooks = sorted(READER_ZH.glob("*.ipynb"))
    assert len(notebooks) == len(list((ROOT / "chapters").glob("*.ipynb"))), "run `make notebooks-reader`"
    for notebook in notebooks:
        served = ZH_HTML / "_sources" / "chapters" / notebook.name
        assert served.read_bytes() == notebook.read_bytes(), f"zh/{notebook.name}: not the Chinese notebook"


@pytest.mark.parametrize("word, chapter", [("残差", "resnet"), ("感受野", "vgg")])
def test_chinese_search_finds_the_chapter(browser, served_book, word, chapter):
    page = browser.new_page()
    page.goto(f"{served_book}/zh/search.html?q={word}", wait_until="load")
    page.wait_for_selector("#search-results li", timeout=15_000)
    hrefs = page.eval_on_selector_all("#search-results li a", "els => els.map(e => e.getAttribute('href'))")
    page.close()
    assert any(f"chapters/{chapter}.html" in h for h in hrefs), f"searching {word}: {hrefs}"


def test_chinese_pages_screenshots(browser, served_book, html):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for rel in ("index.html", "chapters/lenet.html", "chapters/resnet.html", "glossary.html"):
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{served_book}/zh/{rel}", wait_until="load")
        page.wait_for_timeout(500)
        shot = SCREENSHOTS / f"zh_{rel.replace('/', '_').removesuffix('.html')}.png"
        page.screenshot(path=str(shot), full_page=rel != "chapters/resnet.html")
        assert shot.stat().st_size > 20_000
        page.close()
