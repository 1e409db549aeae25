"""The Chinese edition's catalogs (tools/i18n.py): complete, in step with the sources, faithful to
their roles, links, math and code; and the Chinese reader notebooks made from them."""
from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

import nbformat
import pytest
from babel.messages.catalog import Catalog

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import i18n  # noqa: E402
import reader  # noqa: E402

CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
GLUE_KEY = re.compile(r"\{glue:text\}`([\w]+)")
CJK = re.compile(r"[\u4e00-\u9fff]")


def _catalog(*pairs, fuzzy=()):
    catalog = Catalog(locale="zh_CN")
    for n, (msgid, msgstr) in enumerate(pairs):
        catalog.add(msgid, msgstr, flags=("fuzzy",) if n in fuzzy else ())
    return catalog


# --------------------------------------------------------------------------- the real catalogs
def test_every_message_of_every_page_is_translated_and_in_step_with_the_sources():
    """A prose change without its translation fails here, naming the catalog and the message."""
    problems = i18n.check(fresh=True)
    assert not problems, f"{len(problems)} catalog problems (fix the translations, then " \
        "`python tools/i18n.py check`):\n" + "\n".join(map(str, problems[:40]))


def test_there_is_a_catalog_for_every_page_of_the_book():
    pages = {p.relative_to(ROOT).with_suffix("").as_posix() for p in ROOT.glob("*.md")
             if p.name != "README.md"} | {f"chapters/{p.stem}" for p in CHAPTERS}
    assert pages <= set(i18n.catalogs()), f"no catalog for {sorted(pages - set(i18n.catalogs()))}"


def test_translated_prose_is_chinese():
    """Most of the prose characters of each catalog's translations are CJK (what is kept English:
    names, code and math, which are not counted)."""
    for page, path in i18n.catalogs().items():
        cjk = latin = 0
        for m in i18n.read_catalog(path):
            if m.id and m.string and m.string != m.id:
                c, l = i18n.prose_chars(m.string)
                cjk, latin = cjk + c, latin + l
        assert cjk > latin, f"{page}: {cjk} CJK against {latin} Latin letters in its translations"


# --------------------------------------------------------------------------- the checker catches
def test_the_checker_names_untranslated_fuzzy_and_changed_roles():
    catalog = _catalog(
        ("Needs {glue:text}`n_params:,` parameters {cite}`lecun1998gradient`.",
         "需要 {glue:text}`n_params:,` 个参数 {cite}`lecun1998gradient`。"),                 # fine
        ("A {term}`kernel` of size $k$.", "大小为 $k$ 的{term}`卷积核（kernel） <kernel>`。"),  # fine
        ("Untranslated.", ""),
        ("Changed English.", "旧的翻译。"),
        ("Uses {glue:text}`acc:.3f` and `nn.Conv2d`.", "用 {glue:text}`acc:.2f` 和 nn.Conv2d。"),
        ("See [the code](sec-lenet-how) and $n+2p$.", "见[代码](sec-lenet-what)和 $n + 2p$。"),
        ("It has {glue:text}`n:,` {glue:text}`word` parameters.", "它的参数{glue:text}`word_zh`（{glue:text}`n:,` 个）。"),
        ("Reproduce the *{term}`degradation`* problem.", "复现*{term}`退化 <degradation>`*问题。"),   # stars show
        ("A **{term}`kernel`**.", "一个 **{term}`卷积核 <kernel>`**。"),                                    # fine
        fuzzy={3})
    problems = i18n.check_catalog(catalog, "chapters/demo")
    what = Counter(p.what.split(" (")[0] for p in problems)
    assert what == Counter({"not translated": 1, "fuzzy": 1, "roles, links, math or code differ": 2,
                            "a '*' shows literally: emphasis next to Chinese text or a role needs a space "
                            "outside the markers": 1})
    assert all("locales/zh_CN/LC_MESSAGES/chapters/demo.po" in str(p) for p in problems)
    changed = " ".join(p.what for p in problems)
    assert "acc:.3f" in changed and "`nn.Conv2d`" in changed and "sec-lenet-how" in changed


def test_messages_without_prose_are_kept_and_prose_is_not():
    catalog = _catalog(("\nn_\\text{out} = \\left\\lfloor \\frac{n + 2p - k}{s} \\right\\rfloor + 1\n", ""),
                       ("$3 \\times 3$", ""), ("{glue:text}`acc:.3f`", ""), ("The paper's LeNet-5", ""))
    assert i18n.autofill(catalog, "chapters/demo") == 3
    assert [m.string == m.id for m in catalog if m.id] == [True, True, True, False]


def test_compiled_catalogs_qualify_every_glue_role_with_its_notebook():
    text = "卷积需要 {glue:text}`c1_conv_params:,` 个参数，约 {glue:text}`c1_ratio:,.0f` 倍。"
    assert i18n.qualify_glue(text, "chapters/lenet") == (
        "卷积需要 {glue:text}`lenet.ipynb::c1_conv_params:,` 个参数，约 {glue:text}`lenet.ipynb::c1_ratio:,.0f` 倍。")
    assert i18n.qualify_glue("{glue:text}`other.ipynb::k`", "chapters/lenet") == "{glue:text}`other.ipynb::k`"
    assert i18n.qualify_glue("第 {glue:text}`epochs` 轮", "chapters/lenet") == "第 {glue:text}`lenet.ipynb::epochs:s` 轮"


def test_worksheet_round_trip(tmp_path, monkeypatch):
    base = tmp_path / "zh_CN" / "LC_MESSAGES" / "chapters"
    base.mkdir(parents=True)
    i18n.write_catalog(_catalog(("Hello {glue:text}`n:,` world.", ""), ("Done.", "完成。")), base / "demo.po")
    monkeypatch.setattr(i18n, "LOCALES", tmp_path)
    sheet = i18n.export_sheet("chapters/demo")
    assert "=== 0\nHello {glue:text}`n:,` world.\n---\n" in sheet and "Done." not in sheet
    problems = i18n.import_sheet("chapters/demo", sheet.replace("---\n", "---\n你好 {glue:text}`n:,` 世界。\n", 1))
    assert problems == []
    with pytest.raises(SystemExit, match="export it again"):
        i18n.import_sheet("chapters/demo", "=== 0\nSomething else.\n---\n别的。\n")


# --------------------------------------------------------------------------- Chinese notebooks
def test_markdown_is_translated_message_by_message_and_never_inside_code():
    table = {"What you will be able to do": "学完本章你将能够",
             "compute every output size by hand, with padding counted **per side**;": "手算每个输出大小；",
             "LeNet": "LeNet（译）"}
    source = ("## What you will be able to do\n\n1. compute every output size by hand,\n   with padding "
              "counted **per side**;\n\n```python\nWhat you will be able to do\n```\n\n| LeNet | 1998 |")
    text, found = i18n.translate_markdown(source, table)
    assert text == ("## 学完本章你将能够\n\n1. 手算每个输出大小；\n\n```python\nWhat you will be able to do\n```"
                    "\n\n| LeNet（译） | 1998 |")
    assert found == set(table)


def test_a_catalog_out_of_step_with_its_chapter_is_an_error(monkeypatch):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("Some prose.")])
    monkeypatch.setattr(i18n, "translations", lambda page, lang="zh_CN": {"Other prose.": "别的。"})
    with pytest.raises(SystemExit, match="out of step"):
        i18n.translate_notebook(nb, "chapters/demo")


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chinese_reader_notebook_is_chinese_without_myst_and_keeps_every_glued_key(path):
    ctx = reader.book_context(ROOT)
    ctx.book_url += "zh/"
    ctx.page = f"chapters/{path.stem}"
    chapter = nbformat.read(path, as_version=4)
    nb = reader.reader_notebook(i18n.translate_notebook(chapter, ctx.page), ctx, None, language="zh")
    nbformat.validate(nb)
    english = {k for c in chapter.cells if c.cell_type == "markdown" for k in GLUE_KEY.findall(c.source)}
    templated = {k.removesuffix("_zh") for c in nb.cells if "reader-prose" in c.metadata.get("tags", [])
                 for k in re.findall(r"\{\{(\w+)", c.source)}
    assert templated == english, f"glued keys lost: {english - templated}, added: {templated - english}"
    prose = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    cjk, latin = i18n.prose_chars(prose)
    assert cjk > latin, f"{path.stem}: {cjk} CJK against {latin} Latin letters in the markdown"
    assert f"{ctx.book_url}chapters/{path.stem}.html" in nb.cells[0].source


def test_directive_fences_are_followed_and_code_and_math_blocks_kept():
    """Prose inside and after dropdowns is translated (two dropdowns in one cell, a code block inside
    one); code and multi-line ``$$`` blocks are not."""
    source = ("```{dropdown} Hint\nUse it.\n```\n\n**6. Going further.** Text.\n\n```{dropdown} Hint\n~~~python\n"
              "Use it.\n~~~\nUse it.\n```\n\n$$ a = b,\n   Use it. $$\n\nUse it.")
    table = {"Hint": "提示", "Use it.": "用它。", "**6. Going further.** Text.": "**6. 进一步。** 文本。"}
    text, found = i18n.translate_markdown(source, table)
    assert text == ("```{dropdown} 提示\n用它。\n```\n\n**6. 进一步。** 文本。\n\n```{dropdown} 提示\n~~~python\n"
                    "Use it.\n~~~\n用它。\n```\n\n$$ a = b,\n   Use it. $$\n\n用它。")
    assert found == set(table)


def test_a_glued_word_brings_its_chinese_twin():
    from cnnbook.notebook import glue, glued

    glue("demo_word", "fewer", zh={"fewer": "更少", "more": "更多"})
    assert glued["demo_word"] == "fewer" and glued["demo_word_zh"] == "更少"
    with pytest.raises(KeyError, match="no Chinese word for 'less'"):
        glue("demo_word", "less", zh={"fewer": "更少", "more": "更多"})
    for key in ("demo_word", "demo_word_zh"):
        glued.pop(key, None)
