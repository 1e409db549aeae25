"""Drive a built page in headless Chromium: external requests, formulas, interactive figures, weight.

Used by tests/book/test_browser.py; also runnable by hand on a built book::

    python tests/book/figure_driver.py _build/html chapters/lenet.html
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

# Waits until MathJax (if the page loads it) has typeset everything, then returns the
# text of the page that is still raw TeX.
_MATH_JS = """async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) { await MathJax.startup.promise; }
  const raw = [];
  const walker = document.createTreeWalker(document.querySelector('main') || document.body || document.documentElement, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, parent = node.parentElement;
    if (parent && parent.closest('pre, code, script, style, .highlight, mjx-container')) continue;
    const t = node.textContent;
    for (const d of ['\\\\[', '\\\\(', '$$']) if (t.includes(d)) raw.push(t.trim().slice(0, 120));
  }
  return {raw, typeset: document.querySelectorAll('mjx-container').length,
          math: document.querySelectorAll('.math').length};
}"""

_FIGURES_READY_JS = """(n) => !!window.Bokeh && Bokeh.documents.length >= n &&
  Array.from(document.querySelectorAll('.cnnbook-interactive-output [data-root-id]'))
    .every(el => el.shadowRoot || el.children.length || el.nextElementSibling)"""


@dataclass
class PageVisit:
    """What one page load recorded."""

    url: str
    errors: list[str] = field(default_factory=list)          # JS errors and console errors
    external: list[str] = field(default_factory=list)        # requests to another host (blocked)
    bytes: int = 0
    requests: int = 0
    load_seconds: float = 0.0
    bytes_by_kind: dict = field(default_factory=dict)    # mathjax, bokeh, page, images, theme


def _kind(url: str) -> str:
    path = urlparse(url).path
    if "/_static/mathjax/" in path:
        return "mathjax"
    if "/_static/bokeh/" in path:
        return "bokeh"
    if path.endswith(".html") or path.endswith("/"):
        return "page"
    if "/_images/" in path or path.endswith((".png", ".svg", ".jpg")):
        return "images"
    return "theme"


def open_page(browser, base_url: str, rel: str, *, allowed_console=(), viewport=(1280, 900), stand_in=None):
    """Open ``rel``; every request to a host other than ``base_url``'s is aborted and recorded.

    ``stand_in(url)`` may return a local file that answers for a URL (e.g. for Bokeh's CDN,
    which Jupyter and Colab load the figures' JavaScript from); such requests are not external.
    """
    host = urlparse(base_url).netloc
    # A fresh context per page: an empty cache, so every page's weight counts everything it loads.
    page = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]}).new_page()
    visit = PageVisit(f"{base_url}/{rel}")

    def route(r):
        u = urlparse(r.request.url)
        local = stand_in(r.request.url) if stand_in else None
        if local is not None:
            r.fulfill(path=str(local))
            return
        if u.scheme in ("http", "https", "ws", "wss") and u.netloc != host:
            visit.external.append(r.request.url)
            r.abort()
        else:
            r.continue_()

    def on_response(resp):
        try:
            size = len(resp.body())
        except Exception:     # redirects and aborted requests have no body
            size = 0
        visit.bytes += size
        kind = _kind(resp.url)
        visit.bytes_by_kind[kind] = visit.bytes_by_kind.get(kind, 0) + size
        visit.requests += 1

    page.route("**/*", route)
    page.on("response", on_response)
    page.on("pageerror", lambda exc: visit.errors.append(f"page error: {exc}"))
    page.on("console", lambda msg: visit.errors.append(f"console: {msg.text} {msg.location}")
            if msg.type == "error" and not any(a in msg.text + str(msg.location) for a in allowed_console) else None)
    start = time.perf_counter()
    page.goto(visit.url, wait_until="load")
    n = count_figures(page)
    if n:
        page.wait_for_function(_FIGURES_READY_JS, arg=n, timeout=30_000)
        page.locator(".cnnbook-interactive-output canvas").first.wait_for(timeout=30_000)
    visit.load_seconds = time.perf_counter() - start
    return page, visit


def count_figures(page) -> int:
    return page.locator(".cnnbook-interactive-output").count()


def untypeset_math(page) -> dict:
    return page.evaluate(_MATH_JS)


# For each plot with a hover tool: the page coordinates of its first visible data point.
_HOVER_TARGETS_JS = """(scroll_to) => {
  const out = [];
  if (typeof Bokeh === 'undefined') return out;      // a page without figures loads no BokehJS
  for (const v of Bokeh.index.all_views()) {
    const tools = v.model.toolbar ? v.model.toolbar.tools : [];
    if (!v.frame || !tools.some(t => t.type === 'HoverTool' || t.constructor.__name__ === 'HoverTool')) continue;
    for (const r of v.model.renderers) {
      const data = r.data_source && r.data_source.data;
      const get = (k) => data instanceof Map ? data.get(k) : data[k];
      if (!data || !get('x') || !get('y')) continue;
      const xs = get('x'), ys = get('y'), sizes = get('size');
      const i = [...Array(xs.length).keys()].find(j => !sizes || sizes[j] > 0);
      if (i === undefined) continue;
      if (out.length === scroll_to) v.el.scrollIntoView({block: 'center'});
      const box = v.el.getBoundingClientRect();
      out.push({title: v.model.title ? v.model.title.text : '', x: box.left + v.frame.x_scale.compute(xs[i]),
                y: box.top + v.frame.y_scale.compute(ys[i])});
      break;
    }
  }
  return out;
}"""


@dataclass
class ControlCheck:
    figure: int
    control: str
    changed: bool
    before: Path
    after: Path


def operate_controls(page, name: str, out_dir: Path) -> list[ControlCheck]:
    """For every figure on the page, operate each of its controls as a reader would (pick
    another option, press → on a slider, untick a box) and compare screenshots of the figure."""
    out_dir.mkdir(parents=True, exist_ok=True)
    checks = []
    for i in range(count_figures(page)):
        fig = page.locator(".cnnbook-interactive-output").nth(i)
        fig.scroll_into_view_if_needed()
        actions = []
        for j in range(fig.locator("select").count()):
            def pick_next(j=j):
                select = fig.locator("select").nth(j)
                current, count = select.evaluate("s => [s.selectedIndex, s.options.length]")
                select.select_option(index=(current + 1) % count)
            actions.append((f"select{j}", pick_next))
        for j in range(fig.locator(".noUi-handle").count()):
            def press(j=j):
                handle = fig.locator(".noUi-handle").nth(j)
                handle.focus()
                handle.press("ArrowRight")
            actions.append((f"slider{j}", press))
        for j in range(min(fig.locator("input[type=checkbox]").count(), 2)):
            actions.append((f"checkbox{j}", lambda j=j: fig.locator("input[type=checkbox]").nth(j).click()))
        for label, act in actions:
            before = out_dir / f"{name}-fig{i + 1}-{label}-before.png"
            after = out_dir / f"{name}-fig{i + 1}-{label}-after.png"
            shot_before = fig.screenshot(path=str(before))
            act()
            page.wait_for_timeout(400)
            shot_after = fig.screenshot(path=str(after))
            checks.append(ControlCheck(i + 1, label, shot_before != shot_after, before, after))
    return checks


def hover_points(page, name: str, out_dir: Path) -> list[ControlCheck]:
    """Hover the first data point of every plot that has a hover tool; compare screenshots."""
    out_dir.mkdir(parents=True, exist_ok=True)
    checks = []
    page.mouse.move(0, 0)
    for i in range(len(page.evaluate(_HOVER_TARGETS_JS, -1))):
        target = page.evaluate(_HOVER_TARGETS_JS, i)[i]
        page.wait_for_timeout(200)
        before = out_dir / f"{name}-hover{i + 1}-before.png"
        after = out_dir / f"{name}-hover{i + 1}-after.png"
        shot_before = page.screenshot(path=str(before))
        page.mouse.move(target["x"], target["y"])
        page.wait_for_timeout(400)
        shot_after = page.screenshot(path=str(after))
        page.mouse.move(0, 0)
        checks.append(ControlCheck(i + 1, f"hover on {target['title']!r}", shot_before != shot_after, before, after))
    return checks


if __name__ == "__main__":     # pragma: no cover - a manual aid
    import functools
    import http.server
    import sys
    import threading

    from playwright.sync_api import sync_playwright

    root, rel = sys.argv[1], sys.argv[2]
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=root)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium",
                              args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page, visit = open_page(b, f"http://127.0.0.1:{server.server_port}", rel)
        print(visit, untypeset_math(page))
        shots = Path(root).parent / "screenshots"
        for c in operate_controls(page, Path(rel).stem, shots) + hover_points(page, Path(rel).stem, shots):
            print(c)
    server.shutdown()
