"""Reader notebooks: the chapters as Jupyter and Colab show them, without MyST.

``python tools/reader.py`` (``make notebooks-reader``) writes
``_build/reader/chapters/<chapter>.ipynb`` for every chapter. Jupyter and Colab
render CommonMark, HTML and MathJax, not MyST, so each chapter's markdown is
rewritten:

* ``{cite}`key``` -> an author-year link to the published book's bibliography;
* ``{term}`text <term>``` -> a link to the term in the published glossary;
* ``{doc}``, ``{ref}``, ``(label)=`` targets and ``[text](label)`` links -> links
  to the published page or to an anchor in the same notebook;
* ``{dropdown}`` -> ``<details>``; ``{admonition}``, ``{note}``, ``{tip}``, ... ->
  block quotes with their title; ``{math}`` -> ``$$``;
* a paragraph with ``{glue:text}`key:spec``` becomes a code cell (source hidden)
  that calls :func:`cnnbook.notebook.prose`: it renders the paragraph from the
  values the reader's own run glued, so every number is recomputed. The cell is
  stored with the book build's rendering as its output (from the quick-mode
  execution cache, see ``tools/execute.py``), so the text reads complete before
  anything runs; a value missing at run time falls back to the build's, marked.

Anything else in MyST syntax stops the conversion with an error that names it,
so new syntax in a chapter is never passed to readers raw.
"""
from __future__ import annotations

import argparse
import ast
import codecs
import copy
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "_build" / "reader"
GLUE_MIME = "application/papermill.record/text/plain"

_DIRECTIVE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|:{3,})\{(?P<name>[\w:-]+)\}[ \t]*(?P<arg>.*)$")
_CODE_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})(?!\{)")
_ROLE = re.compile(r"\{(?P<name>[\w:-]+)\}`(?P<body>[^`]+)`")
_TARGET = re.compile(r"^\((?P<label>[\w.:-]+)\)=\s*$")
_LABEL_LINK = re.compile(r"\]\((?P<label>[A-Za-z][\w.:-]*)\)")
_TITLED = re.compile(r"^(?P<text>.*?)\s*<(?P<target>[^<>]+)>$", re.S)

ADMONITIONS = {"admonition", "note", "tip", "hint", "important", "warning", "caution", "attention",
               "danger", "error", "seealso"}
GLUE_ROLES = {"glue:text", "glue", "glue:any", "glue:md"}
MYST_LEFTOVER = re.compile(r"\{[\w:-]+\}`|^\s*(`{3,}|:{3,})\{[\w:-]+\}|^\([\w.:-]+\)=\s*$|\{glue", re.M)


class ConversionError(ValueError):
    """A chapter uses MyST that the reader notebooks cannot express."""


# --------------------------------------------------------------------------- context
@dataclass
class Context:
    """What the conversion of one book needs: where it is published and what it links to."""

    book_url: str                                   # the published HTML book, ending in "/"
    citations: dict[str, tuple[str, str]]           # bib key -> (authors, year)
    terms: dict[str, str]                           # lower-case glossary term -> anchor id
    labels: dict[str, str] = field(default_factory=dict)   # (label)= target -> page (e.g. chapters/alexnet)
    page: str = ""                                  # the page being converted
    repo_url: str = ""                              # repository.url (images are served from it)
    repo_branch: str = "main"

    def page_url(self, page: str, anchor: str = "") -> str:
        return f"{self.book_url}{page}.html" + (f"#{anchor}" if anchor else "")


def make_id(text: str) -> str:
    """The HTML id Sphinx gives ``text`` (as for glossary terms and citations)."""
    from sphinx.util.nodes import _make_id

    return _make_id(text)


def published_url(config: dict) -> str:
    """The published book's address: ``html.baseurl``, else GitHub Pages of ``repository.url``."""
    base = (config.get("html") or {}).get("baseurl")
    if not base:
        match = re.match(r"https://github\.com/([^/]+)/([^/]+?)/?$", config["repository"]["url"])
        if not match:
            raise ConversionError("set html.baseurl in _config.yml to the published book's address")
        base = f"https://{match.group(1)}.github.io/{match.group(2)}/"
    return base if base.endswith("/") else base + "/"


def load_citations(bib: Path) -> dict[str, tuple[str, str]]:
    """Bib key -> (``LeCun et al.``, ``1998``), with LaTeX accents decoded."""
    import latexcodec  # noqa: F401  (registers the "ulatex" codec)
    from pybtex.database import parse_file

    def plain(text: str) -> str:
        return codecs.decode(text, "ulatex").replace("{", "").replace("}", "")

    found = {}
    for key, entry in parse_file(str(bib)).entries.items():
        people = entry.persons.get("author") or entry.persons.get("editor") or []
        last = [plain(" ".join(p.prelast_names + p.last_names)) for p in people]
        authors = (last[0] if len(last) == 1 else f"{last[0]} and {last[1]}" if len(last) == 2
                   else f"{last[0]} et al." if last else plain(entry.fields.get("title", key)))
        found[key] = (authors, entry.fields.get("year", "n.d."))
    return found


def glossary_terms(glossary: Path) -> list[str]:
    """The terms of the glossary page's ```{glossary} block, in order (each entry's term lines)."""
    text = glossary.read_text(encoding="utf-8")
    block = re.search(r"^(`{3,}|:{3,})\{glossary\}[^\n]*\n(.*?)^\1\s*$", text, re.M | re.S)
    if not block:
        raise ConversionError(f"{glossary} has no ```{{glossary}} block")
    return [line.strip() for line in block.group(2).splitlines()
            if line.strip() and not line[0].isspace() and not line.startswith(":")]


def load_terms(glossary: Path) -> dict[str, str]:
    """Lower-case term -> the id Sphinx gives it in the glossary page."""
    terms = {}
    for term in glossary_terms(glossary):
        terms.setdefault(term.lower(), make_id(f"term-{term}"))
    return terms


def book_context(root: Path = ROOT) -> Context:
    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
    bibfile = root / config.get("bibtex_bibfiles", ["references.bib"])[0]
    ctx = Context(published_url(config), load_citations(bibfile), load_terms(root / "glossary.md"),
                  repo_url=config["repository"]["url"].rstrip("/"))
    for nb_path in sorted((root / "chapters").glob("*.ipynb")):
        nb = nbformat.read(nb_path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                for line in cell.source.splitlines():
                    if m := _TARGET.match(line):
                        ctx.labels[m.group("label")] = f"chapters/{nb_path.stem}"
    return ctx


# --------------------------------------------------------------------------- roles
def _split_titled(body: str) -> tuple[str | None, str]:
    m = _TITLED.match(body.strip())
    return (m.group("text"), m.group("target").strip()) if m else (None, body.strip())


def _cite(name: str, body: str, ctx: Context) -> str:
    links = []
    for key in (k.strip() for k in body.split(",")):
        if key not in ctx.citations:
            raise ConversionError(f"{ctx.page}: {{cite}} key {key!r} is not in references.bib")
        authors, year = ctx.citations[key]
        url = ctx.page_url("bibliography", make_id(f"cite-{key}"))
        text = f"{authors} ({year})" if name in ("cite:t", "cite:ts") else f"{authors}, {year}"
        links.append(f"[{text}]({url})")
    return "; ".join(links) if name in ("cite:t", "cite:ts") else "(" + "; ".join(links) + ")"


def convert_role(name: str, body: str, ctx: Context, glue_keys: list[str]) -> str:
    if name in ("cite", "cite:p", "cite:ps", "cite:t", "cite:ts"):
        return _cite(name, body, ctx)
    if name == "term":
        text, target = _split_titled(body)
        anchor = ctx.terms.get(target.lower())
        if anchor is None:
            raise ConversionError(f"{ctx.page}: {{term}} {target!r} is not in glossary.md")
        return f"[{text or target}]({ctx.page_url('glossary', anchor)})"
    if name in GLUE_ROLES:
        key, _, spec = body.strip().partition(":") if name == "glue:text" else (body.strip(), "", "")
        if "::" in body:
            raise ConversionError(f"{ctx.page}: glue from another page ({body!r}) is not supported")
        glue_keys.append(key)
        return "{{" + key + (":" + spec if spec else "") + "}}"
    if name == "doc":
        text, target = _split_titled(body)
        page = target.lstrip("/").removesuffix(".md").removesuffix(".ipynb")
        if not target.startswith("/") and ctx.page and "/" in ctx.page and not page.startswith("chapters/"):
            page = f"{ctx.page.rsplit('/', 1)[0]}/{page}"
        return f"[{text or page.rsplit('/', 1)[-1]}]({ctx.page_url(page)})"
    if name in ("ref", "numref"):
        text, label = _split_titled(body)
        return f"[{text or label}]({_label_url(label, ctx)})"
    if name == "eq":
        return f"({body.strip()})"
    if name == "math":
        return f"${body}$"
    if name in ("sub", "sup"):
        return f"<{name}>{body}</{name}>"
    if name == "abbr":
        text, title = _split_titled(body.replace("(", "<").replace(")", ">"))
        return f'<abbr title="{title}">{text}</abbr>' if text else body
    raise ConversionError(f"{ctx.page}: MyST role {{{name}}} has no reader-notebook form; "
                          f"add it to tools/reader.py's convert_role")


def _label_url(label: str, ctx: Context) -> str:
    page = ctx.labels.get(label)
    if page is None:
        raise ConversionError(f"{ctx.page}: no target ({label})= in any chapter")
    return f"#{label}" if page == ctx.page else ctx.page_url(page, label)


def convert_inline(text: str, ctx: Context, glue_keys: list[str]) -> str:
    text = _ROLE.sub(lambda m: convert_role(m.group("name"), m.group("body"), ctx, glue_keys), text)
    return _LABEL_LINK.sub(lambda m: f"]({_label_url(m.group('label'), ctx)})"
                           if m.group("label") in ctx.labels else m.group(0), text)


# --------------------------------------------------------------------------- blocks
def split_blocks(lines: list[str]) -> list[list[str]]:
    """Top-level blocks separated by blank lines; fences, directives and $$ math kept whole."""
    blocks, current, i = [], [], 0
    while i < len(lines):
        line = lines[i]
        opening = _DIRECTIVE.match(line) or _CODE_FENCE.match(line)
        if opening:
            end = _closing(lines, i, opening.group("fence"))
            current += lines[i:end + 1]
            i = end + 1
            continue
        if line.strip() == "$$" or (line.strip().startswith("$$") and not line.strip().endswith("$$")):
            end = next((j for j in range(i + 1, len(lines)) if lines[j].strip().endswith("$$")), len(lines) - 1)
            current += lines[i:end + 1]
            i = end + 1
            continue
        if not line.strip():
            if current:
                blocks.append(current)
            current = []
        else:
            current.append(line)
        i += 1
    if current:
        blocks.append(current)
    return blocks


def _closing(lines: list[str], start: int, fence: str) -> int:
    char, n = fence[0], len(fence)
    for j in range(start + 1, len(lines)):
        s = lines[j].strip()
        if s and set(s) == {char} and len(s) >= n:
            return j
    raise ConversionError(f"unclosed {fence} fence opened by {lines[start]!r}")


def convert_lines(lines: list[str], ctx: Context, glue_keys: list[str]) -> list[str]:
    """Convert MyST markdown lines (any number of blocks) to Jupyter markdown lines."""
    out, i = [], 0
    while i < len(lines):
        line = lines[i]
        directive = _DIRECTIVE.match(line)
        fence = None if directive else _CODE_FENCE.match(line)
        if fence:                                   # a plain code block: copied as it is
            end = _closing(lines, i, fence.group("fence"))
            out += lines[i:end + 1]
            i = end + 1
            continue
        if directive:
            end = _closing(lines, i, directive.group("fence"))
            out += convert_directive(directive.group("name"), directive.group("arg").strip(),
                                     lines[i + 1:end], ctx, glue_keys)
            i = end + 1
            continue
        if target := _TARGET.match(line):
            label = target.group("label")
            out.append(f'<a id="{label}" name="{label}"></a>')
            out.append("")
            i += 1
            continue
        if line.lstrip().startswith("%") and not line.lstrip().startswith("%%"):
            i += 1                                  # a MyST comment
            continue
        out.append(convert_inline(line, ctx, glue_keys))
        i += 1
    return out


def convert_directive(name: str, arg: str, body: list[str], ctx: Context, glue_keys: list[str]) -> list[str]:
    options = {}
    while body and (m := re.match(r"^:(\w[\w-]*):\s*(.*)$", body[0])):
        options[m.group(1)] = m.group(2)
        body = body[1:]
    inner = convert_lines(body, ctx, glue_keys)
    title = convert_inline(arg, ctx, glue_keys)
    if name == "dropdown":
        opened = " open" if "open" in options else ""
        return [f"<details{opened}><summary>{title or 'Details'}</summary>", ""] + inner + ["", "</details>"]
    if name in ADMONITIONS:
        heading = title if name == "admonition" else (title or name.capitalize())
        quoted = [f"> **{heading}**", ">"] + [f"> {line}" if line.strip() else ">" for line in inner]
        return quoted
    if name == "math":
        return ["$$"] + body + ["$$"]
    if name in ("figure", "image"):
        caption = " ".join(inner).strip()
        alt = options.get("alt", caption or arg)
        folder = ctx.page.rsplit("/", 1)[0] + "/" if "/" in ctx.page else ""
        src = arg if re.match(r"https?://", arg) else f"{ctx.repo_url}/raw/{ctx.repo_branch}/{folder}{arg}"
        return [f"![{alt}]({src})"] + ([f"*{caption}*"] if caption else [])
    if name in ("glue:figure", "glue:math", "glue:md", "glue:any", "glue"):
        raise ConversionError(f"{ctx.page}: {{{name}}} directive ({arg}): show the value from a code "
                              "cell instead, or teach tools/reader.py to render it")
    raise ConversionError(f"{ctx.page}: MyST directive {{{name}}} has no reader-notebook form; "
                          f"add it to tools/reader.py's convert_directive")


# --------------------------------------------------------------------------- notebooks
def build_values(executed: nbformat.NotebookNode | None) -> dict:
    """The values an executed chapter glued: name -> value (parsed from its text/plain form)."""
    values = {}
    if executed is None:
        return values
    for cell in executed.cells:
        for output in cell.get("outputs", []):
            name = output.get("metadata", {}).get("scrapbook", {}).get("name")
            text = output.get("data", {}).get(GLUE_MIME)
            if name is None or text is None:
                continue
            try:
                values[name] = ast.literal_eval(text)
            except (ValueError, SyntaxError):
                values[name] = text
    return values


def _python_string(text: str) -> str:
    if '"""' not in text and not text.endswith("\\"):
        return 'r"""\n' + text + '\n"""'
    return json.dumps(text, ensure_ascii=False)


def prose_cell(template: str, keys: list[str], build: dict, cell_id: str) -> nbformat.NotebookNode:
    """A hidden code cell that renders ``template`` with the run's glued values."""
    from cnnbook.notebook import glued

    used = {k: build[k] for k in dict.fromkeys(keys) if k in build}
    source = ("# @title\n"
              "from cnnbook.notebook import prose  # renders this text with the numbers your run computed\n"
              f"prose({_python_string(template)},\n      build={used!r})")
    cell = nbformat.v4.new_code_cell(source, id=cell_id)
    cell.metadata = {"cellView": "form", "jupyter": {"source_hidden": True}, "tags": ["reader-prose"]}
    if len(used) == len(set(keys)):           # the build's rendering, shown until the reader runs it
        from cnnbook.notebook import _render

        saved = dict(glued)
        glued.clear()
        try:
            md, _ = _render(template, used)
        finally:
            glued.clear()
            glued.update(saved)
        md = re.sub(r'<sup title="[^"]*">build</sup>', "", md)
        cell.outputs = [nbformat.v4.new_output("display_data", data={"text/markdown": md},
                                               metadata={"cnnbook": "book build"})]
    return cell


ABOUT = {
    "en": ("> This notebook is generated from `{source}` of *Classic CNNs* ([read it as a web page]({url})). "
           "Numbers in the text show the book's own run until you run the notebook; each paragraph is then "
           "rendered again from the numbers *your* run computes (its code is hidden: expand it to see how)."),
    "zh": ("> 本笔记本由《经典卷积神经网络》（*Classic CNNs*）的 `{source}` 生成，正文由其中文翻译目录"
           "（`{catalog}`）译出（[网页版]({url})）。运行之前，正文中的数字是本书构建时的结果；运行之后，"
           "每个段落会用*你自己*运行算出的数字重新生成（生成段落的代码已隐藏，展开即可查看）。"),
}


def reader_notebook(chapter: nbformat.NotebookNode, ctx: Context,
                    executed: nbformat.NotebookNode | None = None, language: str = "en") -> nbformat.NotebookNode:
    """The reader notebook of ``chapter`` (its outputs: the build's, from ``executed``); with
    ``language="zh"`` the chapter's markdown must already be translated (tools/i18n.py)."""
    build = build_values(executed)
    nb = nbformat.v4.new_notebook(metadata=copy.deepcopy(chapter.metadata))
    nb.metadata["colab"] = {"provenance": [], "toc_visible": True}
    stem = ctx.page.rsplit("/", 1)[-1]
    nb.cells.append(nbformat.v4.new_markdown_cell(ABOUT[language].format(
        source=f"{ctx.page}.ipynb", url=ctx.page_url(ctx.page),
        catalog=f"locales/zh_CN/LC_MESSAGES/{ctx.page}.po"), id=f"reader-{stem}-about"))
    for cell in chapter.cells:
        if cell.cell_type != "markdown":
            new = copy.deepcopy(cell)
            new.outputs, new.execution_count = [], None
            tags = new.metadata.get("tags", [])
            if {"hide-input", "remove-input"} & set(tags):
                new.metadata.setdefault("jupyter", {})["source_hidden"] = True
            if {"hide-output", "remove-output"} & set(tags):
                new.metadata.setdefault("jupyter", {})["outputs_hidden"] = True
            nb.cells.append(new)
            continue
        groups: list[tuple[bool, list[str]]] = []
        for block in split_blocks(cell.source.splitlines()):
            has_glue = any("{glue" in line for line in block)
            if groups and groups[-1][0] == has_glue:
                groups[-1][1].extend([""] + block)
            else:
                groups.append((has_glue, list(block)))
        for n, (has_glue, lines) in enumerate(groups):
            cell_id = cell.id if n == 0 and not has_glue else f"{cell.id}-{n}"
            if has_glue and "{{" in "\n".join(lines):
                raise ConversionError(f"{ctx.page}: cell {cell.id} has '{{{{', which the prose template uses")
            keys: list[str] = []
            text = "\n".join(convert_lines(lines, ctx, keys)).strip("\n")
            if has_glue:
                nb.cells.append(prose_cell(text, keys, build, cell_id))
            else:
                nb.cells.append(nbformat.v4.new_markdown_cell(text, id=cell_id))
    for cell in nb.cells:
        if cell.cell_type == "markdown" and (m := MYST_LEFTOVER.search(cell.source)):
            raise ConversionError(f"{ctx.page}: cell {cell.id} still has MyST syntax {m.group(0)!r}")
    return nb


def executed_chapter(path: Path, cache_dir: Path) -> nbformat.NotebookNode | None:
    """The chapter with the outputs of its cached quick-mode execution, if there is one."""
    if not cache_dir.exists():
        return None
    from jupyter_cache import get_cache

    nb = nbformat.read(path, as_version=4)
    cache = get_cache(str(cache_dir))
    try:
        return cache.merge_match_into_notebook(nb)[1]
    except KeyError:                    # not executed since its code (or the library) changed
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapters", nargs="*", type=Path, help="default: chapters/*.ipynb")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--cache", type=Path, default=ROOT / "_build" / ".jupyter_cache",
                        help="jupyter-cache holding the quick-mode execution (tools/execute.py)")
    parser.add_argument("--language", choices=["en", "zh"], default="en",
                        help="zh: the Chinese reader notebooks, translated from locales/zh_CN (tools/i18n.py), "
                             "into <out>/zh/chapters, linking to the Chinese edition")
    parser.add_argument("--require-outputs", action="store_true",
                        help="fail if a chapter has no cached execution to take the build's numbers from")
    args = parser.parse_args(argv)
    ctx = book_context(ROOT)
    out = args.out
    if args.language == "zh":
        ctx.book_url += "zh/"
        out = out / "zh"
    paths = args.chapters or sorted((ROOT / "chapters").glob("*.ipynb"))
    missing = []
    for path in paths:
        path = path.resolve()
        ctx.page = f"chapters/{path.stem}"
        executed = executed_chapter(path, args.cache)
        if executed is None:
            missing.append(path.name)
        chapter = nbformat.read(path, as_version=4)
        if args.language == "zh":
            from i18n import translate_notebook

            chapter = translate_notebook(chapter, ctx.page)
        nb = reader_notebook(chapter, ctx, executed, language=args.language)
        target = out / "chapters" / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, target)
        print(f"reader notebook: {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}"
              + ("" if executed is not None else "  (no cached execution: prose appears when run)"))
    if missing and args.require_outputs:
        print(f"no cached execution for {', '.join(missing)}: run `make execute` first", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
