import re
from pathlib import Path

from cnnbook.papers import PAPERS, paper, timeline_rows

ROOT = Path(__file__).resolve().parents[1]


def test_every_paper_is_in_references_bib():
    keys = set(re.findall(r"@\w+\{([^,]+),", (ROOT / "references.bib").read_text(encoding="utf-8")))
    assert {p.key for p in PAPERS} <= keys


def test_lookup_and_timeline_order():
    assert paper("lenet").year == 1998 and paper("AlexNet").key == "krizhevsky2012imagenet"
    years = [row["year"] for row in timeline_rows()]
    assert years == sorted(years)
