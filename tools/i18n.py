"""The Chinese edition (中文版): Sphinx's gettext catalogs, checked, compiled and built.

One source, two languages. The English pages and notebooks are the only source; every
message of their prose (a paragraph, heading, list item, table cell, caption) is
translated in a gettext catalog, ``locales/zh_CN/LC_MESSAGES/<page>.po``, the way
Sphinx documentation is translated everywhere (``sphinx-build -b gettext`` and
``sphinx-intl``). Code, outputs and every computed number are the English build's:
the Chinese build renders the same execution cache.

    python tools/i18n.py update     # after changing prose: new messages empty, changed ones fuzzy
    python tools/i18n.py check      # every message translated, not fuzzy, roles/keys/math kept
    python tools/i18n.py build      # _build/html/zh (strict), from the English build's cache

Glued numbers. myst-nb resolves ``{glue:text}`key``` from the document being parsed,
and Sphinx parses a translated message as a document of its own, so a plain key
finds no value there. The document-qualified form ``{glue:text}`lenet.ipynb::key```
is resolved later, from the glue data of the whole build, and works in both. A glued
English word ("fewer", "more") has a Chinese twin glued beside it, ``<key>_zh``, which the
translation uses instead. The catalogs keep the plain form, exactly as the source has it
(translators copy the role, ``check`` verifies it), and ``compile`` writes the qualified form
into the binary catalogs the build reads, for every glue role of a chapter's messages.
"""
from __future__ import annotations

import argparse
import io
import re
import shutil
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LANGUAGE = "zh_CN"
LOCALES = ROOT / "locales"
BUILD = ROOT / "_build"
POT_DIR = BUILD / "gettext"
MO_DIR = BUILD / "locales"                      # compiled catalogs, glue roles qualified
ZH_OUT = BUILD / "zh"                           # the Chinese build's own outdir, doctrees, glue files
HTML = BUILD / "html"
EDITION_DIR = "zh"                              # the Chinese edition's folder inside the English one

# --------------------------------------------------------------------------- what a message must keep
_MATH = re.compile(r"\$\$.+?\$\$|\$[^$\n]+\$", re.S)
_CODE = re.compile(r"(?<!`)`[^`\n]+`(?!`)")
_ROLE = re.compile(r"\{(?P<name>[\w:-]+)\}`(?P<body>[^`]+)`")
_LINK = re.compile(r"\]\((?P<target>[^)\s]+)\)")
_TITLED = re.compile(r"^(?P<text>.*?)\s*<(?P<target>[^<>]+)>$", re.S)
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_WORD = re.compile(r"[A-Za-z]{2,}")
_GLUE = re.compile(r"\{glue:text\}`(?P<body>[^`]+)`")


def role_target(name: str, body: str) -> str:
    """What a role points at: the key, term, document or citation, not its display text. A glued
    word has a Chinese twin, ``<key>_zh`` (glued beside it by the chapter), which a translation uses
    in its place."""
    m = _TITLED.match(body.strip())
    target = (m.group("target") if m else body).strip()
    if name == "glue:text":
        target = re.sub(r"_zh(?=:|$)", "", target)
    return target.lower() if name == "term" else target


def invariants(text: str) -> Counter:
    """The parts of a message a translation must keep as they are: roles' targets (glue keys with their
    format, citations, terms, documents), link targets, math and inline code."""
    found: Counter = Counter()
    rest = _ROLE.sub(lambda m: found.update([f"{{{m['name']}}}{role_target(m['name'], m['body'])}"]) or " ", text)
    rest = _MATH.sub(lambda m: found.update([m.group(0)]) or " ", rest)
    for m in _CODE.finditer(rest):
        found[m.group(0)] += 1
    for m in _LINK.finditer(text):
        found[f"]({m['target']})"] += 1
    return found


_LATEX = re.compile(r"\\[A-Za-z]+")
_PHRASE = re.compile(r"(?<![\\{_A-Za-z])[A-Za-z]{2,} [A-Za-z]{2,} [A-Za-z]{2,}")


def is_math_block(text: str) -> bool:
    """A displayed formula (its LaTeX is the message): commands, no ``$``, no run of plain words."""
    return "$" not in text and bool(_LATEX.search(text)) and not _PHRASE.search(text)


def has_prose(text: str) -> bool:
    """Whether a message has words to translate (not only math, code, roles, numbers and symbols)."""
    if is_math_block(text):
        return False
    rest = _MATH.sub(" ", _ROLE.sub(" ", text))
    rest = _CODE.sub(" ", _LINK.sub("]", rest))
    return bool(_WORD.search(rest))


def literal_stars(text: str) -> int:
    """How many ``*`` CommonMark leaves as text: emphasis markers that did not open or close, as
    happens when a marker sits between a Chinese character and a role or punctuation."""
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").parse(_CODE.sub("``", _MATH.sub("$$", text)))
    return sum(child.content.count("*") for token in tokens for child in (token.children or [])
               if child.type == "text")


def prose_chars(text: str) -> tuple[int, int]:
    """(CJK characters, Latin letters) of the prose in ``text``, leaving out code, math and roles."""
    rest = _CODE.sub(" ", _MATH.sub(" ", _ROLE.sub(" ", text)))
    rest = re.sub(r"\]\([^)\s]*\)|https?://\S+|<[^>\n]+>", " ", rest)     # link targets, addresses, HTML tags
    return len(_CJK.findall(rest)), len(re.findall(r"[A-Za-z]", rest))


# --------------------------------------------------------------------------- catalogs
def read_catalog(path: Path):
    from babel.messages.pofile import read_po

    with path.open("rb") as f:
        return read_po(f, locale=LANGUAGE, charset="utf-8")


def write_catalog(catalog, path: Path) -> None:
    from babel.messages.pofile import write_po

    buf = io.BytesIO()
    write_po(buf, catalog, width=76, omit_header=False, sort_output=False, include_previous=True)
    path.write_bytes(buf.getvalue())


def catalogs(lang: str = LANGUAGE) -> dict[str, Path]:
    """Page (``chapters/lenet``) -> its catalog."""
    base = LOCALES / lang / "LC_MESSAGES"
    return {p.relative_to(base).with_suffix("").as_posix(): p for p in sorted(base.rglob("*.po"))}


def glossary_terms(root: Path = ROOT) -> set[str]:
    """The glossary's terms (English and Chinese): kept as they are, since the chapters' ``{term}``
    references and the glossary's anchors are made from them."""
    from reader import glossary_terms as terms_in      # tools/reader.py reads the glossary for its links

    return set(terms_in(root / "glossary.md"))


KEPT_COMMENT = "kept as in the source: "


def autofill(catalog, page: str) -> int:
    """Fill the messages that have nothing to translate: math, code or roles alone, and the glossary's
    terms. Returns how many were filled."""
    terms = glossary_terms() if page == "glossary" else set()
    filled = 0
    for message in catalog:
        if not message.id or (message.string and message.string != message.id):
            continue
        reason = ("a glossary term (its anchor and the {term} references use it)" if message.id in terms
                  else "no prose" if not has_prose(message.id) else None)
        if reason:
            filled += not message.string
            message.string = message.id
            message.flags.discard("fuzzy")
            message.auto_comments = [KEPT_COMMENT + reason]  # (sphinx-intl's update drops the comment)
    return filled


def extract(root: Path = ROOT, out: Path = POT_DIR) -> Path:
    """The English sources' messages, one ``.pot`` per page (notebooks are not executed for this)."""
    from jupyter_book.sphinx import build_sphinx

    overrides = {"external_toc_path": str(root / "_toc.yml"), "latex_individualpages": False,
                 "nb_execution_mode": "off", "gettext_compact": False, "gettext_location": False,
                 "gettext_uuid": False, "gettext_last_translator": "", "gettext_language_team": "",
                 "suppress_warnings": ["mystnb.glue", "mystnb.unknown_mime_type"]}
    shutil.rmtree(out, ignore_errors=True)
    status = build_sphinx(root, out, noconfig=True, path_config=str(root / "_config.yml"),
                          confoverrides=overrides, builder="gettext",
                          doctreedir=BUILD / ".doctrees-gettext", quiet=True, warningiserror=True)
    if status:
        raise SystemExit(f"extracting messages failed ({status}): see the warnings above")
    return out


def update(lang: str = LANGUAGE) -> None:
    """Bring the catalogs in line with the sources: new messages empty, changed ones fuzzy (with the
    previous source kept for the translator), removed ones dropped."""
    from sphinx_intl.basic import update as intl_update

    extract()
    intl_update(str(LOCALES), str(POT_DIR), (lang,), jobs=1)
    for page, path in catalogs(lang).items():
        catalog = read_catalog(path)
        catalog.obsolete.clear()                  # git keeps the history; stale entries only confuse
        n = autofill(catalog, page)
        write_catalog(catalog, path)
        if n:
            print(f"{path.relative_to(ROOT)}: {n} messages without prose kept as they are")
    print(status_table(lang))


@dataclass
class Problem:
    page: str
    msgid: str
    what: str

    def __str__(self) -> str:
        short = self.msgid if len(self.msgid) < 90 else self.msgid[:87] + "..."
        return f"locales/{LANGUAGE}/LC_MESSAGES/{self.page}.po: {self.what}: {short!r}"


def check_catalog(catalog, page: str) -> list[Problem]:
    problems = []
    for m in catalog:
        if not m.id:
            continue
        if not m.string:
            problems.append(Problem(page, m.id, "not translated"))
            continue
        if m.fuzzy:
            problems.append(Problem(page, m.id, "fuzzy (the English changed; check the translation, "
                                                "then remove the '#, fuzzy' line)"))
        if literal_stars(m.string) > literal_stars(m.id):
            problems.append(Problem(page, m.id, "a '*' shows literally: emphasis next to Chinese text or a role "
                                                "needs a space outside the markers (是 **{term}`...`**；)"))
        source, target = invariants(m.id), invariants(m.string)
        if source != target:
            lost = sorted((source - target).elements())
            extra = sorted((target - source).elements())
            problems.append(Problem(page, m.id, f"roles, links, math or code differ (missing {lost}, "
                                                f"added {extra})"))
    return problems


def check(lang: str = LANGUAGE, fresh: bool = True) -> list[Problem]:
    """Every message translated and not fuzzy, keeping the source's invariants; with ``fresh``, the
    catalogs also hold every message the sources have now (extracted again)."""
    problems = []
    found = catalogs(lang)
    if fresh:
        from babel.messages.pofile import read_po

        extract()
        for pot in sorted(POT_DIR.rglob("*.pot")):
            page = pot.relative_to(POT_DIR).with_suffix("").as_posix()
            with pot.open("rb") as f:
                wanted = {m.id for m in read_po(f) if m.id}
            have = {m.id for m in read_catalog(found[page])} if page in found else set()
            for msgid in sorted(wanted - have):
                problems.append(Problem(page, msgid, "new in the source, not in the catalog "
                                                     "(run `make translations`, then translate it)"))
    for page, path in found.items():
        problems += check_catalog(read_catalog(path), page)
    return problems


def status_table(lang: str = LANGUAGE) -> str:
    rows = ["catalog                          messages  translated  fuzzy  empty"]
    for page, path in catalogs(lang).items():
        messages = [m for m in read_catalog(path) if m.id]
        done = sum(1 for m in messages if m.string and not m.fuzzy)
        fuzzy = sum(1 for m in messages if m.fuzzy)
        empty = sum(1 for m in messages if not m.string)
        rows.append(f"{page:32s} {len(messages):8d} {done:11d} {fuzzy:6d} {empty:6d}")
    return "\n".join(rows)


# --------------------------------------------------------------------------- a translator's worksheet
# A plain-text worksheet, for translating a catalog in any editor without PO escaping:
#   === 12
#   <the English message, as it is>
#   ---
#   <its translation>
_SHEET_HEAD = re.compile(r"^=== (\d+)$")


def export_sheet(page: str, everything: bool = False) -> str:
    """The messages of ``page`` still to translate (or all), numbered, with any translation so far."""
    out = []
    for n, m in enumerate(m for m in read_catalog(catalogs()[page]) if m.id):
        if everything or not m.string or m.fuzzy:
            out += [f"=== {n}", m.id, "---", m.string or "", ""]
    return "\n".join(out)


def import_sheet(page: str, text: str) -> list[Problem]:
    """Write a worksheet's translations into the catalog (the English must still match); returns the
    problems the catalog has after it."""
    path = catalogs()[page]
    catalog = read_catalog(path)
    messages = [m for m in catalog if m.id]
    blocks = re.split(r"^(?==== \d+$)", text, flags=re.M)
    for block in blocks:
        lines = block.rstrip("\n").split("\n")
        if not lines or not _SHEET_HEAD.match(lines[0]):
            continue
        n = int(_SHEET_HEAD.match(lines[0]).group(1))
        sep = lines.index("---")
        english, translation = "\n".join(lines[1:sep]), "\n".join(lines[sep + 1:]).strip("\n")
        if n >= len(messages) or messages[n].id.strip("\n") != english.strip("\n"):
            raise SystemExit(f"{page}: message {n} is not the one the worksheet has: export it again")
        if translation.strip():
            messages[n].string = translation
            messages[n].flags.discard("fuzzy")
            messages[n].previous_id = ()
    write_catalog(catalog, path)
    return check_catalog(read_catalog(path), page)


# --------------------------------------------------------------------------- notebooks in Chinese
_OPEN = re.compile(r"^ {0,3}(?P<fence>`{3,}|~{3,}|:{3,})(?P<directive>\{[\w:-]+\})?(?P<info>.*)$")


def _code_blocks(source: str) -> list[tuple[int, int]]:
    """Character spans of the code blocks and ``$$`` math blocks of a markdown text. Directive fences
    (```{note}, :::{dropdown}) are followed, not protected: their content is prose."""
    spans, stack, offset, start = [], [], 0, None      # stack: open fences; start: an open code block
    for line in source.splitlines(keepends=True):
        bare = line.rstrip("\n")
        m = _OPEN.match(bare)
        if start is not None:                            # inside a code or math block
            closing = stack[-1]
            if (closing == "$$" and bare.rstrip().endswith("$$")) or (m and not m["directive"] and not m["info"].strip()
                                                             and m["fence"][0] == closing[0]
                                                             and len(m["fence"]) >= len(closing)):
                spans.append((start, offset + len(bare)))
                stack.pop()
                start = None
        elif bare.strip() == "$$" or (bare.startswith("$$") and not bare.rstrip().endswith("$$", 2)):
            stack.append("$$")
            start = offset
        elif m and m["directive"]:
            stack.append(m["fence"])
        elif m and stack and not m["info"].strip() and m["fence"] == stack[-1]:
            stack.pop()                                  # a directive closes
        elif m and m["fence"][0] != ":":
            stack.append(m["fence"])
            start = offset
        offset += len(line)
    if start is not None:
        spans.append((start, len(source)))
    return spans


def translations(page: str, lang: str = LANGUAGE) -> dict[str, str]:
    """English message -> its translation, for the translated (not fuzzy) messages of ``page``."""
    path = catalogs(lang).get(page)
    if path is None:
        return {}
    return {m.id: m.string for m in read_catalog(path) if m.id and m.string and not m.fuzzy}


def translate_markdown(source: str, table: dict[str, str]) -> tuple[str, set[str]]:
    """``source`` (a markdown cell) with every message of ``table`` it holds translated, and the
    messages found. A message is the text of a paragraph, heading, list item or table cell, its line
    breaks as spaces (how Sphinx extracts it), so it is matched as whole text between line starts,
    markup and cell borders; longest first, never inside code or math blocks."""
    found: set[str] = set()
    pieces: list[str] = []

    def hold(text: str) -> str:
        pieces.append(text)
        return f"\x00{len(pieces) - 1}\x00"

    text, end = "", 0
    for a, b in _code_blocks(source):
        text += source[end:a] + hold(source[a:b])
        end = b
    text += source[end:]
    for msgid in sorted(table, key=len, reverse=True):
        if table[msgid] == msgid:
            continue
        pattern = r"\s+".join(re.escape(word) for word in msgid.split())
        regex = re.compile(rf"(?<![^\s|>]){pattern}(?![^\s|])")
        text, n = regex.subn(lambda m: hold(table[msgid]), text)
        if n:
            found.add(msgid)
    while "\x00" in text:
        text = re.sub(r"\x00(\d+)\x00", lambda m: pieces[int(m.group(1))], text)
    return text, found


def translate_notebook(nb, page: str, lang: str = LANGUAGE):
    """A copy of chapter ``nb`` with its markdown in ``lang``; every translated message of the page's
    catalog must be found in it, or the catalog and the chapter are out of step (an error)."""
    import copy

    table = translations(page, lang)
    nb = copy.deepcopy(nb)
    used: set[str] = set()
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source, found = translate_markdown(cell.source, table)
            used |= found
    missing = [m for m, t in table.items() if t != m and m not in used]
    if missing:
        raise SystemExit(f"{page}: {len(missing)} translated messages not found in the notebook, e.g. "
                         f"{missing[0][:80]!r}: run `make translations` (the catalog is out of step)")
    return nb


# --------------------------------------------------------------------------- compile and build
def qualify_glue(text: str, page: str) -> str:
    """``{glue:text}`key:spec``` -> ``{glue:text}`lenet.ipynb::key:spec``` for a chapter's message
    (``key`` alone -> ``lenet.ipynb::key:s``)."""
    notebook = Path(page).name + ".ipynb"

    def qualified(m: re.Match) -> str:
        if "::" in m["body"]:
            return m.group(0)
        key, _, spec = m["body"].partition(":")
        # myst-nb splits a qualified body at its last colon, so the format is always written ("s": as is)
        return f"{{glue:text}}`{notebook}::{key}:{spec or 's'}`"

    return _GLUE.sub(qualified, text)


def compile_catalogs(lang: str = LANGUAGE, out: Path = MO_DIR) -> Path:
    """The binary catalogs the build reads (fuzzy messages left out, so they show in English)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import write_po

    target = out / lang / "LC_MESSAGES"
    wanted = set()
    for page, path in catalogs(lang).items():
        catalog = read_catalog(path)
        if page.startswith("chapters/"):
            for m in catalog:
                if m.id and m.string:
                    m.string = qualify_glue(m.string, page)
        mo_bytes, po_bytes = io.BytesIO(), io.BytesIO()
        write_mo(mo_bytes, catalog, use_fuzzy=False)
        write_po(po_bytes, catalog, width=76)
        # Sphinx re-reads a page whose .mo changed; it finds the .mo through the .po beside it.
        for written, data in ((target / f"{page}.mo", mo_bytes.getvalue()),
                              (target / f"{page}.po", po_bytes.getvalue())):
            wanted.add(written)
            if not written.exists() or written.read_bytes() != data:
                written.parent.mkdir(parents=True, exist_ok=True)
                written.write_bytes(data)
    for stale in {*target.rglob("*.mo"), *target.rglob("*.po")} - wanted:
        stale.unlink()
    return target


def build(lang: str = LANGUAGE, strict: bool = True) -> Path:
    """The Chinese edition, into ``_build/html/zh``: the same sources, configuration and execution
    cache as the English build (``make book`` runs that first), the catalogs compiled, Sphinx's
    Chinese search (jieba splits the words)."""
    from jupyter_book.config import get_final_config
    from jupyter_book.sphinx import build_sphinx

    compile_catalogs(lang)
    # The English build's Sphinx configuration, as Jupyter Book derives it from _config.yml.
    english, _ = get_final_config(user_yaml=ROOT / "_config.yml", sourcedir=ROOT, use_external_toc=True,
                                  cli_config={"latex_individualpages": False,
                                              "external_toc_path": str(ROOT / "_toc.yml")})
    overrides = {
        "external_toc_path": str(ROOT / "_toc.yml"), "latex_individualpages": False, "nitpicky": True,
        "language": lang, "locale_dirs": [str(MO_DIR)], "gettext_auto_build": False,
        "gettext_compact": False,                 # one catalog per page, as extracted
        "nb_execution_cache_path": str(BUILD / ".jupyter_cache"),
        "cnnbook_reader_dir": f"_build/reader/{EDITION_DIR}",
    }
    if english.get("html_baseurl"):
        overrides["html_baseurl"] = english["html_baseurl"].rstrip("/") + f"/{EDITION_DIR}/"
    # Search: jieba splits the Chinese text into words; the glossary's Chinese terms (感受野, 残差块, ...)
    # are added to its dictionary, so that each is one word in the index, as a reader types it.
    userdict = ZH_OUT / "jieba-terms.txt"
    userdict.parent.mkdir(parents=True, exist_ok=True)
    userdict.write_text("".join(f"{t}\n" for t in sorted(glossary_terms()) if _CJK.search(t) and " " not in t),
                        encoding="utf-8")
    overrides["html_search_options"] = {"dict": str(userdict)}
    # The launch buttons open the Chinese reader notebooks (zh/chapters/ on the reader branch).
    theme = dict(english.get("html_theme_options", {}))
    theme["path_to_docs"] = "/".join(p for p in (theme.get("path_to_docs", "").strip("/"), EDITION_DIR) if p)
    theme["search_bar_text"] = "搜索本书……"
    overrides["html_theme_options"] = theme
    html = ZH_OUT / "html"
    status = build_sphinx(ROOT, html, noconfig=True, path_config=str(ROOT / "_config.yml"),
                          confoverrides=overrides, builder="html", doctreedir=ZH_OUT / ".doctrees",
                          warningiserror=strict, keep_going=strict)
    if status:
        raise SystemExit(f"the Chinese build failed ({status}): see the warnings above")
    edition = HTML / EDITION_DIR
    shutil.rmtree(edition, ignore_errors=True)
    shutil.copytree(html, edition)
    return edition


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["extract", "update", "check", "status", "compile", "build",
                                            "export", "import"])
    parser.add_argument("page", nargs="?", help="export/import: the page, e.g. chapters/lenet")
    parser.add_argument("sheet", nargs="?", type=Path, help="import: the worksheet file")
    parser.add_argument("--all", action="store_true", help="export: every message, not only those to do")
    parser.add_argument("--no-extract", action="store_true",
                        help="check: only the catalogs, without comparing them with the sources")
    args = parser.parse_args(argv)
    if args.command == "extract":
        print(f"messages: {extract().relative_to(ROOT)}")
    elif args.command == "update":
        update()
    elif args.command == "status":
        print(status_table())
    elif args.command == "check":
        problems = check(fresh=not args.no_extract)
        for p in problems:
            print(p)
        print(status_table())
        if problems:
            print(f"{len(problems)} problems: translate or fix them in the catalogs named above", file=sys.stderr)
            return 1
        print("every message is translated and keeps its roles, links, math and code")
    elif args.command == "compile":
        print(f"compiled: {compile_catalogs().relative_to(ROOT)}")
    elif args.command == "export":
        print(export_sheet(args.page, args.all))
    elif args.command == "import":
        problems = import_sheet(args.page, args.sheet.read_text(encoding="utf-8"))
        for p in problems:
            print(p)
        print(f"{args.page}: {len(problems)} problems left")
        return 1 if problems else 0
    elif args.command == "build":
        print(f"Chinese edition: {build() / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
