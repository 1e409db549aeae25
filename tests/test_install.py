"""Colab's install works: ``pip install git+<repo>`` next to an existing torch, then every chapter import.

Colab already has torch, torchvision and IPython. The test builds a fresh virtual
environment that sees only those (and what they depend on), taken from this
environment, installs ``cnnbook`` from a ``git+file://`` URL of a clone of this
checkout (the working tree as it is, committed into a scratch repository), and
imports every module a chapter imports. The runtime package must bring the rest
itself, must not reinstall torch, and must not pull in development tools.
"""
from __future__ import annotations

import ast
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
#: What Colab ships and the chapters rely on without the package declaring it.
PROVIDED = ("torch", "torchvision", "ipython")
#: Development tools the runtime package must not install.
DEV_ONLY = ("d2l", "jupyter-cache", "torchinfo", "jupyter-book", "pytest", "playwright")


def chapter_imports() -> set[str]:
    """Every module imported by a code cell of a chapter (absolute imports)."""
    found = set()
    for path in sorted((ROOT / "chapters").glob("*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] != "code":
                continue
            code = "\n".join(line for line in "".join(cell["source"]).splitlines()
                             if not line.lstrip().startswith(("%", "!")))
            for node in ast.walk(ast.parse(code)):
                if isinstance(node, ast.Import):
                    found |= {alias.name for alias in node.names}
                elif isinstance(node, ast.ImportFrom) and node.level == 0:
                    found.add(node.module)
    return found


def closure(names) -> list[importlib.metadata.Distribution]:
    """The installed distributions ``names`` need, recursively (no extras)."""
    seen, todo, dists = set(), list(names), []
    while todo:
        name = re.sub(r"[-_.]+", "-", todo.pop()).lower()
        if name in seen:
            continue
        seen.add(name)
        try:
            dist = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            continue                               # an optional dependency not installed here
        dists.append(dist)
        for spec in dist.requires or []:
            req = Requirement(spec)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(req.name)
    return dists


def provided_site(target: Path) -> None:
    """Link the top-level files of torch, torchvision, IPython and their dependencies into ``target``."""
    target.mkdir()
    for dist in closure(PROVIDED):
        base = Path(dist.locate_file(""))
        tops = {Path(str(f)).parts[0] for f in dist.files or [] if not str(f).startswith("..")}
        for top in tops:
            src = base / top
            if top != "__pycache__" and src.exists() and not (target / top).exists():
                (target / top).symlink_to(src)


def scratch_repository(target: Path) -> None:
    """This checkout's working tree (tracked and untracked, not ignored) committed into a new repository."""
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                           cwd=ROOT, capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, files):
        src = ROOT / name
        if src.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, target / name)
    git = ["git", "-c", "user.name=test", "-c", "user.email=test@example.com"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "snapshot"]):
        subprocess.run(git + args, cwd=target, check=True, capture_output=True)


@pytest.mark.slow
def test_pip_install_from_git_url_next_to_colabs_torch(tmp_path):
    repo, env_dir = tmp_path / "repo", tmp_path / "venv"
    repo.mkdir()
    scratch_repository(repo)
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    provided_site(tmp_path / "colab")
    (site / "colab_provided.pth").write_text(str(tmp_path / "colab") + "\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV", "PIP_REQUIRE"))}
    env.update(MPLBACKEND="Agg", PIP_DISABLE_PIP_VERSION_CHECK="1")

    install = subprocess.run([str(python), "-m", "pip", "install", f"git+file://{repo}"],
                             capture_output=True, text=True, env=env, timeout=1500)
    log = install.stdout + install.stderr
    assert install.returncode == 0, log[-4000:]
    assert not re.search(r"^Collecting (torch|torchvision)\b", log, re.M), "pip reinstalled torch:\n" + log

    modules = sorted(chapter_imports())
    check = ("import importlib, json, importlib.metadata as md\n"
             f"for name in {modules!r}:\n    importlib.import_module(name)\n"
             "import cnnbook\n"
             f"print(json.dumps({{'cnnbook': cnnbook.__file__, 'dev': [d for d in {list(DEV_ONLY)!r} "
             "if any(True for _ in md.distributions(name=d))]}))")
    result = subprocess.run([str(python), "-c", check], capture_output=True, text=True, env=env,
                            cwd=tmp_path, timeout=600)
    assert result.returncode == 0, result.stderr[-4000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["cnnbook"].startswith(str(site)), report        # the installed copy, not this checkout
    assert report["dev"] == [], f"the runtime package pulled in development tools: {report['dev']}"


def test_the_runtime_package_declares_no_development_tools():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {Requirement(r).name.lower() for r in project["dependencies"]}
    assert not declared & set(DEV_ONLY)
    assert "torchinfo" not in (ROOT / "requirements.txt").read_text()
    # every third-party module a chapter imports is declared (or provided by Colab / Jupyter)
    third_party = {m.split(".")[0] for m in chapter_imports()} - set(sys.stdlib_module_names) - {"cnnbook"}
    names = {"IPython": "ipython", "matplotlib": "matplotlib", "numpy": "numpy", "pandas": "pandas",
             "torch": "torch", "torchvision": "torchvision", "tqdm": "tqdm", "mlxtend": "mlxtend"}
    for module in third_party:
        dist = names.get(module, module).lower()
        assert dist in declared | set(PROVIDED), f"chapters import {module} but pyproject.toml does not declare it"
