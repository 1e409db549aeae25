"""Reader notebooks (tools/reader.py): no MyST left, every glued number rendered by the reader's run."""
from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import reader  # noqa: E402
from cnnbook.notebook import format_value, glued, prose  # noqa: E402

CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
# Written independently of the tool's own check: a role, a directive fence, a target, a glue placeholder.
MYST = re.compile(r"\{[a-z][\w:-]*\}`|^\s*(```+|:::+)\s*\{[a-z][\w:-]*\}|^\([\w.:-]+\)=\s*$|\{glue", re.M)
GLUE_KEY = re.compile(r"\{glue(?::\w+)?\}`([\w]+)")


@pytest.fixture(scope="module")
def ctx():
    return reader.book_context(ROOT)


def _convert(ctx, path: Path, executed=None):
    ctx.page = f"chapters/{path.stem}"
    return reader.reader_notebook(nbformat.read(path, as_version=4), ctx, executed)


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_reader_notebook_has_no_myst_and_keeps_every_glued_key(ctx, path):
    chapter = nbformat.read(path, as_version=4)
    nb = _convert(ctx, path)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            assert not MYST.search(cell.source), f"{path.name} {cell.id}: {MYST.search(cell.source).group(0)!r}"
    wanted = {k for c in chapter.cells if c.cell_type == "markdown" for k in GLUE_KEY.findall(c.source)}
    templated = {k for c in nb.cells if "reader-prose" in c.metadata.get("tags", [])
                 for k in re.findall(r"\{\{(\w+)", c.source)}
    assert wanted == templated
    # every code cell of the chapter is there, in order and unchanged
    assert ([c.source for c in chapter.cells if c.cell_type == "code"]
            == [c.source for c in nb.cells if c.cell_type == "code" and "reader-prose" not in c.metadata.get("tags", [])])


def test_roles_and_directives_become_markdown_and_html(ctx):
    ctx.page = "chapters/lenet"
    keys: list[str] = []
    lines = ["See {cite}`lecun1998gradient` and {term}`权值共享 <weight sharing>`.", "",
             "```{dropdown} Solution", "It is {glue:text}`acc:.1%`.", "```", "",
             "```{admonition} Goals", ":class: tip", "* one", "```", "",
             "```{note}", "Careful.", "```"]
    out = "\n".join(reader.convert_lines(lines, ctx, keys))
    authors, year = ctx.citations["lecun1998gradient"]
    assert authors == "LeCun et al." and year == "1998"
    assert f"[LeCun et al., 1998]({ctx.book_url}bibliography.html#cite-lecun1998gradient)" in out
    assert f"[权值共享]({ctx.book_url}glossary.html#term-weight-sharing)" in out
    assert "<details><summary>Solution</summary>\n\nIt is {{acc:.1%}}.\n\n</details>" in out
    assert "> **Goals**\n>\n> * one" in out and "> **Note**\n>\n> Careful." in out
    assert keys == ["acc"]


def test_unknown_syntax_stops_the_conversion_with_its_name(ctx):
    ctx.page = "chapters/lenet"
    with pytest.raises(reader.ConversionError, match="margin"):
        reader.convert_lines(["```{margin}", "aside", "```"], ctx, [])
    with pytest.raises(reader.ConversionError, match="nosuchkey"):
        reader.convert_lines(["{cite}`nosuchkey`"], ctx, [])
    with pytest.raises(reader.ConversionError, match="not in glossary"):
        reader.convert_lines(["{term}`flux capacitor`"], ctx, [])


def test_glossary_ids_are_the_ones_sphinx_gives():
    terms = reader.load_terms(ROOT / "glossary.md")
    assert terms["receptive field"] == "term-receptive-field"
    assert terms["batch normalization"] == "term-batch-normalization"


@pytest.mark.parametrize("value,spec", [(1234567, ","), (0.91234, ".1%"), (2.5, ".3f"), (7, "d"),
                                        (3.0, ",.0f"), ("VGG", ""), (12, "")])
def test_prose_formats_values_as_myst_nb_does(value, spec):
    from myst_nb.core.variables import format_plain_text

    assert format_value(value, spec) == format_plain_text(repr(value), spec)


def test_prose_renders_this_runs_values_and_updates_paragraphs_glued_later(monkeypatch):
    import IPython.display

    from cnnbook import notebook

    shown, updated = [], []
    monkeypatch.setattr(IPython.display, "display", lambda obj, display_id=None: shown.append((obj.data, display_id)))
    monkeypatch.setattr(IPython.display, "update_display", lambda obj, display_id: updated.append((obj.data, display_id)))
    monkeypatch.setattr(notebook, "_waiting", {})
    saved = dict(glued)
    glued.clear()
    try:
        glued["n"] = 1234
        assert prose("n = {{n:,}}, $x_{1}$").data == "n = 1,234, $x_{1}$"       # all known: a plain result
        # m is glued further down: the build's value, marked, until this run computes it
        assert prose("n = {{n:,}}, m = {{m:.2f}}", build={"m": 0.5}) is None
        (text, display_id), = shown
        assert text.startswith("n = 1,234, m = 0.50<sup") and "book build" in text and display_id
        notebook.glue("m", 0.25)
        assert updated == [("n = 1,234, m = 0.25", display_id)] and notebook._waiting == {}
        prose("{{nowhere}}")
        assert "not computed yet" in shown[-1][0]
    finally:
        glued.clear()
        glued.update(saved)


def test_prose_cells_store_the_builds_rendering(ctx):
    path = ROOT / "chapters" / "lenet.ipynb"
    chapter = nbformat.read(path, as_version=4)
    keys = {k for c in chapter.cells if c.cell_type == "markdown" for k in GLUE_KEY.findall(c.source)}
    # a stand-in for the executed chapter: one glue output per key, as myst-nb records them
    executed = nbformat.v4.new_notebook()
    executed.cells = [nbformat.v4.new_code_cell("", outputs=[nbformat.v4.new_output(
        "display_data", data={reader.GLUE_MIME: repr(1000 + i)}, metadata={"scrapbook": {"name": k}})])
        for i, k in enumerate(sorted(keys))]
    nb = _convert(ctx, path, executed)
    prose_cells = [c for c in nb.cells if "reader-prose" in c.metadata.get("tags", [])]
    assert prose_cells and all(c.outputs for c in prose_cells)
    for c in prose_cells:
        shown = c.outputs[0]["data"]["text/markdown"]
        assert "{{" not in shown and "{glue" not in shown
        assert re.search(r"\b1,?0\d\d\b", shown), shown      # a build value, formatted


@pytest.mark.slow
def test_reader_notebook_runs_and_renders_every_number(ctx, tmp_path, monkeypatch):
    """Quick mode, offline: the reader's run renders every glued key of the chapter as a number."""
    from nbclient import NotebookClient

    monkeypatch.setenv("CNNBOOK_MODE", "quick")
    monkeypatch.setenv("CNNBOOK_OFFLINE", "1")
    nb = _convert(ctx, ROOT / "chapters" / "conv_arithmetic.ipynb")
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(ROOT / "chapters")}}).execute()
    assert rendered_numbers(nb)


def rendered_numbers(nb) -> dict[str, str]:
    """Key -> the text the executed prose cells show for it.

    Asserts that every prose cell ran without falling back to the build's values, and that each
    value shown is the one this run glued (read from the glue outputs the run recorded), formatted
    as the chapter asks; numbers must read as numbers (glued words, e.g. a computed "lower than", as
    themselves).
    """
    values = reader.build_values(nb)
    found = {}
    for cell in nb.cells:
        if "reader-prose" not in cell.metadata.get("tags", []):
            continue
        template = ast.literal_eval(cell.source.split("prose(", 1)[1].rsplit(",\n      build=", 1)[0])
        shown = "".join(o["data"].get("text/markdown", "") for o in cell.outputs if "data" in o)
        assert shown and "<sup title=" not in shown, f"{cell.id} still shows values this run did not compute:\n{shown}"
        pattern, fields = "", []
        for part in re.split(r"(\{\{\w+(?::[^{}]*)?\}\})", template):
            m = re.fullmatch(r"\{\{(\w+)(?::([^{}]*))?\}\}", part)
            if m:
                fields.append((m.group(1), m.group(2) or ""))
                pattern += "(.+?)"
            else:
                pattern += re.escape(part)
        match = re.fullmatch(pattern, shown, re.S)
        assert match, f"{cell.id}: output does not follow its template"
        for (key, spec), text in zip(fields, match.groups()):
            assert key in values, f"{key} is shown but the run recorded no glue output for it"
            assert text == format_value(values[key], spec), f"{key} shows {text!r}, glued {values[key]!r}"
            if isinstance(values[key], (int, float)):
                assert re.fullmatch(r"[-+−]?[\d,]*\.?\d+(e[-+]?\d+)?%?|nan|inf", text), f"{key} shows {text!r}"
            found[key] = text
    return found


def test_publish_commits_the_reader_notebooks_to_their_branch_only(tmp_path, monkeypatch):
    import subprocess

    import publish_reader

    for var in ("GIT_AUTHOR_NAME", "GIT_COMMITTER_NAME"):
        monkeypatch.setenv(var, "test")
    for var in ("GIT_AUTHOR_EMAIL", "GIT_COMMITTER_EMAIL"):
        monkeypatch.setenv(var, "test@example.com")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)

    def git(*args):
        return subprocess.run(["git", *args], cwd=clone, capture_output=True, text=True, check=True).stdout

    head = git("rev-parse", "HEAD")
    (tmp_path / "reader" / "chapters").mkdir(parents=True)
    nbformat.write(nbformat.v4.new_notebook(), tmp_path / "reader" / "chapters" / "lenet.ipynb")
    first = publish_reader.publish(tmp_path / "reader", "reader-notebooks", root=clone)
    assert publish_reader.publish(tmp_path / "reader", "reader-notebooks", root=clone) == first   # no change
    assert git("ls-tree", "-r", "--name-only", "reader-notebooks").split() == [
        "README.md", "chapters/lenet.ipynb", "requirements.txt"]
    assert "cnnbook @ git+https://" in git("show", "reader-notebooks:requirements.txt")
    assert git("rev-parse", "HEAD") == head and git("status", "--porcelain") == ""   # working tree untouched
