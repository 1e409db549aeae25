"""The book builds strictly (-W -n: any warning fails) and every page is there."""
import re

import yaml

from conftest import ROOT


def toc_files() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [c["file"] for c in part["chapters"]]
    return files


def test_book_builds_without_warnings(book_build):
    returncode, log = book_build
    warnings = [line for line in log.splitlines() if "WARNING" in line and "Kernel is running over TCP" not in line]
    assert returncode == 0 and not warnings, "\n".join(warnings) or log[-3000:]


def test_every_toc_entry_has_a_page(html):
    for name in toc_files():
        assert (html / f"{name}.html").exists(), name
    assert (html / "index.html").exists()


def test_every_chapter_in_chapters_is_in_the_toc():
    listed = set(toc_files())
    for nb in (ROOT / "chapters").glob("*.ipynb"):
        assert f"chapters/{nb.stem}" in listed, f"{nb.name} is not in _toc.yml"


def test_chapters_show_figures_and_no_errors(chapter_pages):
    from cnnbook.papers import PAPERS

    architectures = {p.chapter for p in PAPERS}
    assert chapter_pages
    for page in chapter_pages:
        text = page.read_text(encoding="utf-8")
        assert len(re.findall(r"<img [^>]*src=\"[^\"]*_images/", text)) >= 2, f"{page.name} has no figures"
        assert "Traceback (most recent call last)" not in text, page.name
        if page.stem not in architectures:
            continue       # the arithmetic and comparison chapters do not follow the eight questions
        for heading in ("是什么", "为什么", "怎么做", "是谁", "在哪儿", "啥时候", "优点", "缺点"):
            assert heading in text, f"{page.name} lacks the {heading} section"


def test_the_build_renders_the_cached_executions_instead_of_running_chapters(book_build):
    """make execute ran every chapter once; the build must find each in the cache, run none."""
    _, log = book_build
    chapters = sorted(p.stem for p in (ROOT / "chapters").glob("*.ipynb"))
    hits = set(re.findall(r"chapters/(\w+)\.ipynb: Using cached notebook", log))
    ran = re.findall(r"chapters/(\w+)\.ipynb: Execut", log)
    assert not ran, f"the build executed {ran}: run `make execute` before building"
    assert hits == set(chapters), f"not rendered from the cache: {sorted(set(chapters) - hits)}"


def test_download_buttons_serve_the_reader_notebooks(html, reader_notebooks):
    for name, notebook in reader_notebooks.items():
        served = html / "_sources" / "chapters" / f"{name}.ipynb"
        assert served.read_bytes() == notebook.read_bytes(), f"{name}: the download is not the reader notebook"


def test_launch_buttons_open_the_reader_notebooks_branch(chapter_pages, zh_chapter_pages):
    """The English pages open chapters/<name>.ipynb on the reader branch, the Chinese ones zh/chapters/."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    repo = config["repository"]["url"].removeprefix("https://github.com/").rstrip("/")
    branch = config["repository"]["branch"]
    assert len(zh_chapter_pages) == len(chapter_pages)
    for edition, pages in (("", chapter_pages), ("zh/", zh_chapter_pages)):
        for page in pages:
            colab = f"https://colab.research.google.com/github/{repo}/blob/{branch}/{edition}chapters/{page.stem}.ipynb"
            assert colab in page.read_text(encoding="utf-8"), f"{edition}{page.name} has no Colab button for {colab}"
