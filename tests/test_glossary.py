"""The glossary: enough entries, each with the Chinese term(s) readers meet, and every {term} resolves."""
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CJK = re.compile(r"[\u4e00-\u9fff]")


def glossary_entries() -> list[list[str]]:
    """Each entry's term lines (English and Chinese), parsed from glossary.md's ``{glossary}`` block."""
    text = (ROOT / "glossary.md").read_text(encoding="utf-8")
    block = text.split("```{glossary}", 1)[1].split("```", 1)[0]
    entries, terms = [], []
    for line in block.splitlines():
        if not line.strip():
            continue
        if line.startswith("  "):
            if terms:
                entries.append(terms)
            terms = []
        else:
            terms.append(line.strip())
    return entries


def term_references() -> dict[str, set[str]]:
    """{term} targets used in each page of the book (chapters, intro, study_a_paper)."""
    pages = {p: p.read_text(encoding="utf-8") for p in [*ROOT.glob("*.md"), *(ROOT / "chapters").glob("*.ipynb")]}
    refs = {}
    for path, text in pages.items():
        if path.suffix == ".ipynb":
            text = "\n".join("".join(c["source"]) for c in json.loads(text)["cells"] if c["cell_type"] == "markdown")
        found = {m.group(2) or m.group(1) for m in re.finditer(r"\{term\}`([^`<]*?)\s*(?:<([^>]+)>)?`", text)}
        refs[path.name] = {f.strip() for f in found}
    return refs


def test_glossary_has_at_least_60_entries_each_with_a_chinese_term():
    entries = glossary_entries()
    assert len(entries) >= 60, len(entries)
    missing = [terms[0] for terms in entries if not any(CJK.search(t) for t in terms)]
    assert not missing, f"entries without a Chinese term: {missing}"


def test_glossary_gives_the_alternative_chinese_terms_readers_meet():
    terms = {t for entry in glossary_entries() for t in entry}
    for pair in [("丢弃法", "暂退法"), ("批量归一化", "批量规范化"), ("权值共享", "参数共享"), ("池化", "汇聚"),
                 ("平移等变性",), ("平移不变性",), ("梯度消失",), ("退化",), ("标签平滑",)]:
        assert set(pair) <= terms, pair


def test_glossary_covers_the_terms_of_every_chapter():
    terms = {t for entry in glossary_entries() for t in entry}
    for needed in ["batch normalization", "residual connection", "bottleneck", "dense block", "transition layer",
                   "growth rate", "auxiliary classifier", "label smoothing", "degradation", "top-1 error",
                   "top-5 error", "local response normalization", "global average pooling", "1×1 convolution"]:
        assert needed in terms, needed


def test_no_term_is_defined_twice_and_every_term_reference_resolves():
    all_terms = [t for entry in glossary_entries() for t in entry]
    assert len(all_terms) == len(set(all_terms))
    known = {t.lower() for t in all_terms}
    unresolved = {page: sorted(r for r in refs if r.lower() not in known) for page, refs in term_references().items()}
    assert not any(unresolved.values()), {p: r for p, r in unresolved.items() if r}


def test_my_chapters_link_the_glossary():
    refs = term_references()
    for page in ["dense_to_conv.ipynb", "lenet.ipynb", "alexnet.ipynb", "vgg.ipynb", "nin.ipynb"]:
        if page in refs:
            assert len(refs[page]) >= 3, (page, refs[page])
