"""The built book: one strict Jupyter Book build per test session, shared by the book tests.

These tests carry the ``book`` marker; ``make test`` runs them (``pytest -m book``) after
the unit tests, ``make execute`` (every chapter once, quick mode, into the cache the build
renders), ``make notebooks-reader`` and ``make full`` (the reader notebooks in capped full mode).
"""
from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HTML = ROOT / "_build" / "html"
ZH_HTML = HTML / "zh"                       # the Chinese edition (tools/i18n.py build)
READER = ROOT / "_build" / "reader" / "chapters"
READER_ZH = ROOT / "_build" / "reader" / "zh" / "chapters"
EXECUTED_FULL = ROOT / "_build" / "executed" / "full"
CHROMIUM = os.environ.get("CNNBOOK_CHROMIUM", "/usr/bin/chromium")


def pytest_collection_modifyitems(items):
    for item in items:
        if Path(str(item.fspath)).parent == Path(__file__).parent:
            item.add_marker(pytest.mark.book)


@pytest.fixture(scope="session")
def book_build():
    """Build both editions as ``make book`` does: ``jupyter-book build . -W -n --keep-going``, then the
    Chinese edition (``tools/i18n.py build``, strict too) into ``_build/html/zh``; return
    (returncode, log), the log of both (also in ``_build/build.log`` and ``_build/build-zh.log``)."""
    jb = Path(sys.executable).with_name("jupyter-book")
    env = dict(os.environ, PATH=f"{jb.parent}{os.pathsep}{os.environ.get('PATH', '')}",
               CNNBOOK_PROGRESS="lines")
    (ROOT / "_build").mkdir(exist_ok=True)
    returncode, logs = 0, []
    for command, name in (([str(jb), "build", str(ROOT), "-W", "-n", "--keep-going"], "build.log"),
                          ([sys.executable, str(ROOT / "tools" / "i18n.py"), "build"], "build-zh.log")):
        result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
        log = result.stdout + result.stderr
        (ROOT / "_build" / name).write_text(log, encoding="utf-8")
        returncode, logs = returncode or result.returncode, logs + [log]
        if result.returncode:
            break
    return returncode, "\n".join(logs)


@pytest.fixture(scope="session")
def html(book_build) -> Path:
    returncode, log = book_build
    if returncode != 0:
        pytest.fail("the book did not build:\n" + log[-4000:])
    return HTML


@pytest.fixture(scope="session")
def chapter_pages(html) -> list[Path]:
    return sorted((html / "chapters").glob("*.html"))


@pytest.fixture(scope="session")
def zh_chapter_pages(html) -> list[Path]:
    return sorted((ZH_HTML / "chapters").glob("*.html"))


@pytest.fixture(scope="session")
def served_book(html):
    """The built HTML served on 127.0.0.1 (a random free port)."""
    handler = functools.partial(_QuietHandler, directory=str(html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright; skipped (with how to enable it) if absent."""
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.skip(f"no Chromium at {CHROMIUM}: install it with `apt-get install -y chromium` "
                    "(or set CNNBOOK_CHROMIUM to a Chromium binary) to run the browser tests")
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"])
        yield b
        b.close()


@pytest.fixture(scope="session")
def reader_notebooks() -> dict[str, Path]:
    """chapter name -> its reader notebook (``make notebooks-reader``)."""
    chapters = sorted((ROOT / "chapters").glob("*.ipynb"))
    missing = [nb.name for nb in chapters if not (READER / nb.name).exists()]
    if missing:
        pytest.fail(f"no reader notebook for {', '.join(missing)}: run `make notebooks-reader` first")
    return {nb.stem: READER / nb.name for nb in chapters}


@pytest.fixture(scope="session")
def full_runs(reader_notebooks) -> dict[str, Path]:
    """chapter name -> its reader notebook as executed in capped full mode (``make full``)."""
    missing = [name for name in reader_notebooks if not (EXECUTED_FULL / f"{name}.ipynb").exists()]
    if missing:
        pytest.fail(f"no full-mode run of {', '.join(missing)}: run `make full` first")
    return {name: EXECUTED_FULL / f"{name}.ipynb" for name in reader_notebooks}
