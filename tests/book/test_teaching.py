"""Teaching checks on the built HTML: exercises stay exercises, notes are checked, sections exist.

Runs in the book phase (``pytest -m book``); the conftest marks every test here ``book``.
"""
from bs4 import BeautifulSoup

from conftest import ROOT

NOTES_CHAPTERS = ["conv_arithmetic", "lenet", "alexnet", "vgg", "nin"]
ARCHITECTURE_CHAPTERS = ["lenet", "alexnet", "vgg", "nin"]       # this helper's half of the book


def soup_of(html, name: str) -> BeautifulSoup:
    return BeautifulSoup((html / "chapters" / f"{name}.html").read_text(encoding="utf-8"), "html.parser")


def headings(soup: BeautifulSoup, level: str = "h2") -> list:
    """The page's own headings (the theme's sidebar has an h2 "Contents" of its own)."""
    return soup.select(f"article {level}")


def exercises_section(soup: BeautifulSoup):
    heading = next((h for h in headings(soup) if "练习" in h.get_text()), None)
    return heading.find_parent("section") if heading else None


def folded(tag) -> bool:
    """Inside a <details> that is closed until the reader opens it (a dropdown or a hide-cell toggle).

    A ``hide-cell`` cell is a ``div.cell`` whose input and output sit in a closed <details> inside it."""
    if any(d.get("open") is None for d in tag.find_parents("details")):
        return True
    inner = tag.find("details", recursive=False)
    return inner is not None and inner.get("open") is None and tag.find("div", class_="cell_output") in \
        inner.find_all("div", class_="cell_output")


def test_no_exercise_answer_is_visible_before_the_reader_opens_it(html, chapter_pages):
    for page in chapter_pages:
        section = exercises_section(BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser"))
        if section is None:
            continue
        for output in section.select("div.cell_output"):
            cell = output.find_parent("div", class_="cell")
            if cell is not None and "tag_exercise-start" in cell.get("class", []):
                continue               # the reader's starting point (an empty model and the checker's verdict)
            assert folded(output), f"{page.name}: an exercise cell's output is visible: {output.get_text()[:120]!r}"


def test_every_build_it_yourself_exercise_has_its_checker_and_a_folded_solution(html):
    for name in ARCHITECTURE_CHAPTERS:
        section = exercises_section(soup_of(html, name))
        starts = section.select("div.cell.tag_exercise-start")
        assert starts, f"{name}: no build-it-yourself exercise"
        text = starts[0].get_text()
        assert "nn.Module" in text and "check_model" in text and "✗" in text, name
        solutions = [c for c in section.select("div.cell") if "check_model" in c.get_text() and folded(c)]
        assert solutions and "✓ parameter count" in solutions[-1].get_text(), name


def test_the_eight_questions_are_mapped_at_the_top_and_a_summary_closes_each_chapter(html):
    for name in ARCHITECTURE_CHAPTERS + ["dense_to_conv", "conv_arithmetic"]:
        soup = soup_of(html, name)
        first_h2 = headings(soup)[0]
        mapping = soup.find(lambda t: t.name in ("div", "aside") and "admonition" in t.get("class", [])
                            and ("eight questions" in t.get_text() or "questions in this chapter" in t.get_text()
                                 or "Where the eight questions" in t.get_text()))
        assert mapping is not None and first_h2 in mapping.find_all_next("h2"), f"{name}: no question map at the top"
        assert any("小结" in h.get_text() for h in headings(soup)), f"{name}: no 小结 · Summary"


def test_who_where_when_are_three_sections(html):
    for name in ARCHITECTURE_CHAPTERS:
        titles = [h.get_text() for h in headings(soup_of(html, name))]
        for question in ("是谁", "在哪儿", "啥时候"):
            own = [t for t in titles if question in t]
            assert own and all(sum(q in t for q in ("是谁", "在哪儿", "啥时候")) == 1 for t in own), (name, titles)


def test_every_chapter_checks_the_notes(html):
    for name in NOTES_CHAPTERS:
        soup = soup_of(html, name)
        assert any("对照你的笔记" in h.get_text() for h in headings(soup, "h2") + headings(soup, "h3")), name


def test_notes_rebuilds_show_what_the_pages_say(html):
    lenet = soup_of(html, "lenet").get_text()
    assert "forward pass failed in layer 'conv3'" in lenet and "4×4" in lenet and "61,706" in lenet
    alexnet = soup_of(html, "alexnet").get_text()
    assert "16,630,440" in alexnet
    vgg = soup_of(html, "vgg").get_text()
    assert "128,328,232" in vgg


def test_the_on_ramp_computes_the_three_counts(html):
    text = soup_of(html, "dense_to_conv").get_text()
    for number in ("4,821,600", "122,304", "156"):
        assert number in text, number


def test_glossary_is_linked_from_my_chapters(html):
    for name in ARCHITECTURE_CHAPTERS + ["dense_to_conv"]:
        links = soup_of(html, name).select('a[href*="glossary.html#term-"]')
        assert len(links) >= 3, name
    glossary = BeautifulSoup((html / "glossary.html").read_text(encoding="utf-8"), "html.parser")
    entries = glossary.select("dl.glossary > dt")
    assert len(entries) >= 60


def test_reading_order_puts_the_method_and_the_on_ramp_before_lenet():
    import yaml

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    files = [c["file"] for part in toc["parts"] for c in part["chapters"]]
    assert files.index("study_a_paper") < files.index("chapters/dense_to_conv") < files.index("chapters/lenet")
