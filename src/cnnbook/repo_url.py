"""Keep the repository URL in one place: ``repository.url`` in ``_config.yml``.

Each chapter's first cell installs ``cnnbook`` from the repository when it runs
in Colab, so it has to name the URL. ``python -m cnnbook.repo_url --write``
(``make sync-repo-url``) copies the configured URL into every chapter;
``--check`` (used by the tests) lists chapters that disagree.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

__all__ = ["configured_url", "notebook_urls", "sync"]

_LINE = re.compile(r'^(REPO_URL = )"([^"]*)"', re.MULTILINE)


def configured_url(root: Path) -> str:
    import yaml

    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
    return config["repository"]["url"].rstrip("/")


def notebook_urls(root: Path) -> dict[Path, str | None]:
    """The ``REPO_URL = "..."`` each chapter's set-up cell names (None if it has none)."""
    found = {}
    for nb in sorted((root / "chapters").glob("*.ipynb")):
        cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
        match = next((m for c in cells if c["cell_type"] == "code"
                      for m in [_LINE.search("".join(c["source"]))] if m), None)
        found[nb] = match.group(2) if match else None
    return found


def sync(root: Path) -> list[Path]:
    """Write the configured URL into every chapter; return the files changed."""
    url, changed = configured_url(root), []
    for nb, current in notebook_urls(root).items():
        if current is None or current == url:
            continue
        data = json.loads(nb.read_text(encoding="utf-8"))
        for cell in data["cells"]:
            text = "".join(cell["source"])
            if cell["cell_type"] == "code" and _LINE.search(text):
                cell["source"] = _LINE.sub(rf'\g<1>"{url}"', text).splitlines(keepends=True)
        nb.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        changed.append(nb)
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="update the chapters")
    parser.add_argument("--root", type=Path, default=Path.cwd())
    args = parser.parse_args(argv)
    if args.write:
        for nb in sync(args.root):
            print(f"updated {nb}")
        return 0
    url = configured_url(args.root)
    bad = {nb: u for nb, u in notebook_urls(args.root).items() if u != url}
    for nb, u in bad.items():
        print(f"{nb}: REPO_URL is {u!r}, _config.yml says {url!r}; run `make sync-repo-url`")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
