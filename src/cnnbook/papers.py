"""The papers behind the book: who, where, when, and what each reported.

One record per paper, read by every chapter's 是谁 Who / 在哪儿 Where / 啥时候 When
sections, the landing page's timeline and the comparison chapter. The records are
data, in ``papers.json`` next to this module (shipped with the package), read into
:class:`Paper` objects once, as ``PAPERS``. ``key`` is
the entry in ``references.bib`` (a test checks that title and year agree);
every number in ``result`` is quoted from that paper.

Authors and affiliations are listed in full, as printed on the paper (the
version named in ``affiliation_source``). Dates are ISO strings, ``YYYY-MM-DD``
where the day is known (arXiv first versions) and ``YYYY-MM`` otherwise
(conferences, journal issues, contests).

Tables for a chapter, as pandas DataFrames (show them with :func:`show`, which
never cuts a cell short)::

    people_table("resnet")        # author, affiliation, what else of theirs the book uses
    record_table("resnet")        # title, venue, type, arXiv, dates, result
    venue_table(["szegedy2015going", "ioffe2015batch"])   # one row per paper
    dates_table("googlenet")      # every dated event of the chapter's papers, oldest first
"""
from __future__ import annotations

import datetime as _dt
import json
from dataclasses import dataclass
from importlib import resources
from typing import Iterable, Sequence

__all__ = ["Paper", "Event", "PAPERS", "BOOK_USES", "papers_from_records", "paper", "papers_of", "timeline_rows",
           "people_table", "record_table", "venue_table", "dates_table", "months_between", "show"]

JOURNAL, CONFERENCE = "journal", "conference"


@dataclass(frozen=True)
class Event:
    kind: str     # "arXiv v1", "contest", "conference", "journal"
    date: str     # "YYYY-MM-DD" or "YYYY-MM"
    what: str     # e.g. "CVPR 2016, Las Vegas"

    @property
    def when(self) -> _dt.date:
        parts = [int(x) for x in self.date.split("-")] + [1]
        return _dt.date(parts[0], parts[1], parts[2])


@dataclass(frozen=True)
class Paper:
    key: str                  # BibTeX key in references.bib
    network: str              # what the book calls the network
    chapter: str              # chapter file stem, e.g. "lenet"
    title: str
    authors: tuple[str, ...]  # every author, in the paper's order
    affiliations: tuple[str, ...]  # one per author, as printed on the paper
    venue: str                # where it was published, short ("CVPR 2016")
    kind: str                 # JOURNAL or CONFERENCE: where it was finally published
    year: int                 # first made public (contest entry or preprint)
    idea: str                 # the idea the timeline shows
    result: str               # the headline result, as the paper reports it
    events: tuple[Event, ...] = ()
    arxiv: str | None = None  # arXiv identifier if the paper appeared there first
    note: str = ""            # awards, naming, versions
    affiliation_source: str = "the published version"
    imagenet_top5: float | None = None  # ILSVRC top-5 error (%) the paper reports, if any

    def __post_init__(self):
        if self.kind not in (JOURNAL, CONFERENCE):
            raise ValueError(f"{self.key}: kind {self.kind!r} is neither {JOURNAL!r} nor {CONFERENCE!r}")
        if len(self.affiliations) != len(self.authors):
            raise ValueError(f"{self.key}: {len(self.authors)} authors but {len(self.affiliations)} affiliations; "
                             "give one affiliation per author")

    @property
    def who(self) -> str:
        """Every author, in the paper's order (never shortened)."""
        return ", ".join(self.authors)

    @property
    def affiliation(self) -> str:
        """The distinct affiliations, in order of first appearance."""
        return "; ".join(dict.fromkeys(self.affiliations))

    @property
    def venue_type(self) -> str:
        """'journal', 'conference', or 'arXiv first, then conference' and so on."""
        return f"arXiv first, then {self.kind}" if self.arxiv else self.kind

    @property
    def first_public(self) -> Event:
        return min(self.events, key=lambda e: e.when)

    @property
    def published(self) -> Event:
        """The journal issue or the conference where the paper was published."""
        return next(e for e in self.events if e.kind == self.kind)


def papers_from_records(records: list[dict]) -> tuple[Paper, ...]:
    """One :class:`Paper` per record of ``papers.json`` (a JSON object per paper, the fields of
    :class:`Paper`; ``events`` a list of objects with the fields of :class:`Event`)."""
    papers = []
    for record in records:
        try:
            papers.append(Paper(**{**record, "authors": tuple(record["authors"]),
                                   "affiliations": tuple(record["affiliations"]),
                                   "events": tuple(Event(**e) for e in record.get("events", ()))}))
        except (TypeError, KeyError) as error:
            name = record.get("key", f"number {len(papers) + 1}")
            raise ValueError(f"papers.json, record {name}: {type(error).__name__}: {error}; give each "
                             "record the fields of cnnbook.papers.Paper, and each event kind, date and what") from None
    return tuple(papers)


#: Every paper of the book, in the order of ``papers.json`` (shipped with the package).
PAPERS: tuple[Paper, ...] = papers_from_records(
    json.loads(resources.files(__package__).joinpath("papers.json").read_text(encoding="utf-8")))

# What else of an author's work the book uses, beyond the papers in PAPERS (which are
# added automatically). Only work a chapter actually uses or cites belongs here.
BOOK_USES: dict[str, tuple[str, ...]] = {
    "Yann LeCun": ("the MNIST digits (the book's offline data set)",),
    "Ilya Sutskever": ("dropout (hinton2012improving)",),
    "Alex Krizhevsky": ("the one-weird-trick single-column AlexNet (krizhevsky2014one)", "dropout (hinton2012improving)",
                        "the CIFAR-10 data set (NiN's, ResNet's and DenseNet's small-image results)"),
    "Geoffrey E. Hinton": ("dropout (hinton2012improving), used by AlexNet, VGG and GoogLeNet",),
    "Yangqing Jia": ("Caffe, whose reference AlexNet takes 227×227 crops, the input size the book uses",),
    "Kaiming He": ("Kaiming (He) initialisation, nn.init.kaiming_normal_ (he2015delving)",),
    "Xiangyu Zhang": ("Kaiming (He) initialisation (he2015delving)",),
    "Shaoqing Ren": ("Kaiming (He) initialisation (he2015delving)",),
    "Jian Sun": ("Kaiming (He) initialisation (he2015delving)",),
    "Gao Huang": ("the memory-efficient DenseNet implementation (pleiss2017memory)",),
    "Laurens van der Maaten": ("the memory-efficient DenseNet implementation (pleiss2017memory)",),
    "Kilian Q. Weinberger": ("the memory-efficient DenseNet implementation (pleiss2017memory)",),
}


def paper(key_or_network: str) -> Paper:
    """Look a paper up by BibTeX key, network name or chapter (first match: the chapter's main paper)."""
    for p in PAPERS:
        if key_or_network in (p.key, p.network, p.chapter):
            return p
    raise KeyError(f"no paper {key_or_network!r}; known keys: {[p.key for p in PAPERS]}, "
                   f"networks: {[p.network for p in PAPERS]}, chapters: {sorted({p.chapter for p in PAPERS})}")


def papers_of(keys: str | Iterable[str]) -> list[Paper]:
    """Papers for a chapter name (all of its papers, in PAPERS order), a key, or a list of keys/names."""
    if isinstance(keys, str):
        in_chapter = [p for p in PAPERS if p.chapter == keys]
        return in_chapter or [paper(keys)]
    return [paper(k) for k in keys]


def timeline_rows() -> list[dict]:
    """One dict per paper, oldest first, for tables and timeline figures."""
    return [{"year": p.year, "network": p.network, "idea": p.idea, "venue": p.venue,
             "chapter": p.chapter, "key": p.key} for p in sorted(PAPERS, key=lambda p: p.first_public.when)]


def _uses(author: str, exclude: str) -> str:
    own = [f"{p.network} ({p.key})" for p in PAPERS if author in p.authors and p.key != exclude]
    return "; ".join(own + list(BOOK_USES.get(author, ())))


def people_table(key: str):
    """Authors of one paper: name, affiliation as printed, and what else of theirs the book uses."""
    import pandas as pd
    p = paper(key)
    return pd.DataFrame({"author": p.authors, "affiliation (as printed)": p.affiliations,
                         "also in this book": [_uses(a, p.key) for a in p.authors]})


def record_table(key: str):
    """One paper's record: title, venue and type, arXiv, dates, reported result (field / value)."""
    import pandas as pd
    p = paper(key)
    rows = {"title": p.title, "authors": p.who, "published in": f"{p.published.what}",
            "type": p.venue_type, "arXiv": f"arXiv:{p.arxiv}" if p.arxiv else "none",
            "first made public": f"{p.first_public.date} ({p.first_public.kind})",
            "reported result": p.result}
    if p.note:
        rows["note"] = p.note
    rows["BibTeX key"] = p.key
    return pd.DataFrame({"": list(rows.values())}, index=pd.Index(list(rows), name="field"))


def venue_table(keys: str | Sequence[str]):
    """One row per paper: network, venue, type, arXiv first version and publication date."""
    import pandas as pd
    rows = []
    for p in papers_of(keys):
        arxiv = next((e for e in p.events if e.kind == "arXiv v1"), None)
        rows.append({"network": p.network, "published in": p.published.what, "type": p.venue_type,
                     "arXiv v1": f"{arxiv.date} ({arxiv.what})" if arxiv else "—",
                     "published": p.published.date})
    return pd.DataFrame(rows)


def dates_table(keys: str | Sequence[str]):
    """Every dated event (arXiv v1, contest, conference, journal) of the given papers, oldest first."""
    import pandas as pd
    rows = [{"date": e.date, "network": p.network, "event": e.kind, "what": e.what, "_when": e.when}
            for p in papers_of(keys) for e in p.events]
    return pd.DataFrame(rows).sort_values("_when", kind="stable").drop(columns="_when").reset_index(drop=True)


def months_between(earlier: str, later: str, *, event: str | None = None) -> float:
    """Months between two papers' first public appearance, e.g. ResNet → DenseNet.

    ``event="arXiv v1"`` (or "conference", ...) compares that event of both papers instead.
    """
    def when(p: Paper) -> _dt.date:
        if event is None:
            return p.first_public.when
        try:
            return next(e for e in p.events if e.kind == event).when
        except StopIteration:
            raise KeyError(f"{p.key} has no {event!r} event; it has {[e.kind for e in p.events]}") from None
    return (when(paper(later)) - when(paper(earlier))).days / (365.25 / 12)


def show(df):
    """A DataFrame as a left-aligned table with no index and no cell cut short."""
    if df.index.name is None:
        df = df.reset_index(drop=True)      # tables concatenated from several papers repeat 0, 1, ...
    styler = df.style.set_properties(**{"text-align": "left", "white-space": "normal"})
    if df.index.name is None:
        styler = styler.hide(axis="index")
    return styler
