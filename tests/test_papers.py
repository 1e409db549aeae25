import re
from pathlib import Path

import pandas as pd
import pytest
from pybtex.database import parse_file

from cnnbook.papers import (PAPERS, dates_table, months_between, paper, papers_of, people_table, record_table,
                            show, timeline_rows, venue_table)

ROOT = Path(__file__).resolve().parents[1]
BIB = parse_file(str(ROOT / "references.bib")).entries


def _plain(text: str) -> str:
    return re.sub(r"[{}\\']", "", text).casefold()


@pytest.mark.parametrize("p", PAPERS, ids=lambda p: p.key)
def test_record_agrees_with_references_bib(p):
    assert p.key in BIB, f"{p.key} is not in references.bib"
    entry = BIB[p.key]
    assert _plain(entry.fields["title"]) == _plain(p.title)
    if entry.type == "misc":          # cited as its arXiv preprint
        assert entry.fields.get("eprint") == p.arxiv and int(entry.fields["year"]) == p.first_public.when.year
    else:
        assert int(entry.fields["year"]) == p.published.when.year, "bib year is the year of publication"
    surnames = [person.last_names[-1] for person in entry.persons["author"]]
    assert [_plain(s) for s in surnames] == [_plain(a.split()[-1]) for a in p.authors], "full author list, in order"
    assert p.year == p.first_public.when.year
    assert ("journal" in entry.fields) == (p.kind == "journal")


def test_lookup_and_timeline_order():
    assert paper("lenet").year == 1998 and paper("AlexNet").key == "krizhevsky2012imagenet"
    years = [row["year"] for row in timeline_rows()]
    assert years == sorted(years)
    with pytest.raises(KeyError, match="known keys"):
        paper("no such net")


def test_affiliations_as_printed():
    goog = dict(zip(paper("szegedy2015going").authors, paper("szegedy2015going").affiliations))
    assert "Chapel Hill" in goog["Wei Liu"] and "Michigan" in goog["Scott Reed"]
    assert "University College London" in paper("Inception-v3").affiliation
    assert "Montréal" in paper("lecun1998gradient").affiliation and "AT&T Labs" in paper("lecun1998gradient").affiliation


def test_tables_never_cut_a_name_short():
    people = people_table("lecun1998gradient")
    assert list(people["author"]) == ["Yann LeCun", "Léon Bottou", "Yoshua Bengio", "Patrick Haffner"]
    assert "Patrick Haffner" in paper("lenet").who
    html = show(record_table("szegedy2015going")).to_html()
    assert "Andrew Rabinovich" in html and "…" not in html
    both = pd.concat([people_table("he2016deep"), people_table("he2016identity")])
    assert show(both).to_html().count("Kaiming He") == 2
    he = people_table("he2016deep").set_index("author").loc["Kaiming He", "also in this book"]
    assert "he2015delving" in he and "he2016identity" in he


def test_venue_and_dates_tables():
    venues = venue_table("googlenet").set_index("network")
    assert venues.loc["GoogLeNet", "type"] == "arXiv first, then conference"
    assert venue_table(["lenet"]).loc[0, "type"] == "journal"
    dates = dates_table("resnet")
    assert list(dates["date"]) == sorted(dates["date"])
    assert [p.chapter for p in papers_of("googlenet")] == ["googlenet"] * 4
    assert 8 <= months_between("ResNet", "DenseNet") < 9
    assert 8 <= months_between("ResNet", "DenseNet", event="arXiv v1") < 9
    with pytest.raises(KeyError, match="no 'arXiv v1' event"):
        months_between("lenet", "AlexNet", event="arXiv v1")


def test_mismatched_affiliations_are_refused():
    from dataclasses import replace
    with pytest.raises(ValueError, match="one affiliation per author"):
        replace(paper("resnet"), affiliations=("Microsoft Research",))


def test_a_malformed_record_of_papers_json_is_named():
    import json
    from importlib import resources
    from cnnbook.papers import papers_from_records
    records = json.loads(resources.files("cnnbook").joinpath("papers.json").read_text(encoding="utf-8"))
    assert [p.key for p in papers_from_records(records)] == [p.key for p in PAPERS]
    with pytest.raises(ValueError, match=r"papers.json, record he2016deep: .*unexpected keyword.*'authros'"):
        papers_from_records([{**r, "authros": r["authors"]} if r["key"] == "he2016deep" else r for r in records])
    with pytest.raises(ValueError, match=r"record lenet2: KeyError: 'affiliations'"):
        papers_from_records([{"key": "lenet2", "authors": ["Yann LeCun"]}])
    with pytest.raises(ValueError, match="neither 'journal' nor 'conference'"):
        papers_from_records([{**records[0], "kind": "workshop"}])
