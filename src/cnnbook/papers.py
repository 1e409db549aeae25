"""The papers behind the book: who, where, when, and what each reported.

One record per paper, read by every chapter's 是谁 Who / 在哪儿 Where / 啥时候 When
sections, the landing page's timeline and the comparison chapter. ``key`` is
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
from dataclasses import dataclass
from typing import Iterable, Sequence

__all__ = ["Paper", "Event", "PAPERS", "BOOK_USES", "paper", "papers_of", "timeline_rows",
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


def _ev(*triples) -> tuple[Event, ...]:
    return tuple(Event(*t) for t in triples)


GOOGLE = "Google Inc."
MSR = "Microsoft Research"

PAPERS: tuple[Paper, ...] = (
    Paper("lecun1998gradient", "LeNet-5", "lenet",
          "Gradient-Based Learning Applied to Document Recognition",
          ("Yann LeCun", "Léon Bottou", "Yoshua Bengio", "Patrick Haffner"),
          ("AT&T Labs-Research, Red Bank NJ", "AT&T Labs-Research, Red Bank NJ",
           "Université de Montréal (DIRO)", "AT&T Labs-Research, Red Bank NJ"),
          "Proceedings of the IEEE 86(11)", JOURNAL, 1998,
          "local receptive fields, shared weights, subsampling",
          "0.95% test error on MNIST (0.8% when trained with distorted images)",
          _ev(("journal", "1998-11", "Proceedings of the IEEE, vol. 86, no. 11, pp. 2278–2324 (invited paper)")),
          note="a long invited review; LeNet-5 is its Section II, and most of the paper is about "
               "graph transformer networks for reading cheques"),
    Paper("lecun1989backpropagation", "LeNet (1989)", "lenet",
          "Backpropagation Applied to Handwritten Zip Code Recognition",
          ("Yann LeCun", "Bernhard Boser", "John S. Denker", "Donnie Henderson", "Richard E. Howard",
           "Wayne Hubbard", "Lawrence D. Jackel"),
          ("AT&T Bell Laboratories, Holmdel NJ",) * 7,
          "Neural Computation 1(4)", JOURNAL, 1989,
          "a convolutional network trained end to end by backpropagation",
          "5.0% error on the 2,007 test digits of the U.S. Postal Service zip-code set",
          _ev(("journal", "1989-12", "Neural Computation, vol. 1, no. 4, pp. 541–551"))),
    Paper("krizhevsky2012imagenet", "AlexNet", "alexnet",
          "ImageNet Classification with Deep Convolutional Neural Networks",
          ("Alex Krizhevsky", "Ilya Sutskever", "Geoffrey E. Hinton"),
          ("University of Toronto",) * 3,
          "NIPS 2012", CONFERENCE, 2012,
          "ReLU, dropout, GPUs",
          "ILSVRC-2012 winner: 15.3% top-5 test error, against 26.2% for the runner-up",
          _ev(("contest", "2012-10", "ILSVRC-2012 results, workshop at ECCV 2012, Florence"),
              ("conference", "2012-12", "NIPS 2012 (now NeurIPS), Lake Tahoe")),
          note="no arXiv version; the team entered ILSVRC-2012 as \"SuperVision\"",
          imagenet_top5=15.3),
    Paper("simonyan2015very", "VGG", "vgg",
          "Very Deep Convolutional Networks for Large-Scale Image Recognition",
          ("Karen Simonyan", "Andrew Zisserman"),
          ("Visual Geometry Group, Department of Engineering Science, University of Oxford",) * 2,
          "ICLR 2015", CONFERENCE, 2014,
          "small 3×3 kernels, stacked",
          "ILSVRC-2014 classification runner-up with 7.3% top-5 test error "
          "(6.8% after the contest with two models)",
          _ev(("arXiv v1", "2014-09-04", "arXiv:1409.1556"),
              ("contest", "2014-09", "ILSVRC-2014 results, workshop at ECCV 2014, Zürich"),
              ("conference", "2015-05", "ICLR 2015, San Diego")),
          arxiv="1409.1556",
          note="updated on arXiv until v6 (April 2015), the version the book quotes",
          imagenet_top5=6.8),
    Paper("lin2014network", "NiN", "nin", "Network In Network",
          ("Min Lin", "Qiang Chen", "Shuicheng Yan"),
          ("National University of Singapore",) * 3,
          "ICLR 2014", CONFERENCE, 2013,
          "1×1 convolutions, global average pooling",
          "10.41% test error on CIFAR-10 without augmentation (8.81% with); no ImageNet entry",
          _ev(("arXiv v1", "2013-12-16", "arXiv:1312.4400"),
              ("conference", "2014-04", "ICLR 2014, Banff")),
          arxiv="1312.4400"),
    Paper("szegedy2015going", "GoogLeNet", "googlenet", "Going Deeper with Convolutions",
          ("Christian Szegedy", "Wei Liu", "Yangqing Jia", "Pierre Sermanet", "Scott Reed",
           "Dragomir Anguelov", "Dumitru Erhan", "Vincent Vanhoucke", "Andrew Rabinovich"),
          (GOOGLE, "University of North Carolina, Chapel Hill", GOOGLE, GOOGLE, "University of Michigan, Ann Arbor",
           GOOGLE, GOOGLE, GOOGLE, GOOGLE),
          "CVPR 2015", CONFERENCE, 2014,
          "Inception blocks, 1×1 reductions",
          "ILSVRC-2014 classification winner: 6.67% top-5 test error",
          _ev(("arXiv v1", "2014-09-17", "arXiv:1409.4842"),
              ("contest", "2014-09", "ILSVRC-2014 results, workshop at ECCV 2014, Zürich"),
              ("conference", "2015-06", "CVPR 2015, Boston")),
          arxiv="1409.4842",
          affiliation_source="the CVPR 2015 version (the arXiv version gives Andrew Rabinovich's later "
                             "affiliation, Magic Leap)",
          note="the team name GoogLeNet is an homage to LeNet; the paper calls the architecture Inception",
          imagenet_top5=6.67),
    Paper("ioffe2015batch", "BN-Inception", "googlenet",
          "Batch Normalization: Accelerating Deep Network Training by Reducing Internal Covariate Shift",
          ("Sergey Ioffe", "Christian Szegedy"),
          (GOOGLE, GOOGLE),
          "ICML 2015", CONFERENCE, 2015,
          "batch normalization",
          "4.9% top-5 validation error with an ensemble (4.82% on the test server)",
          _ev(("arXiv v1", "2015-02-11", "arXiv:1502.03167"),
              ("conference", "2015-07", "ICML 2015, Lille (PMLR vol. 37)")),
          arxiv="1502.03167",
          note="the paper calls its network BN-Inception; the Inception-v4 paper later calls it Inception-v2",
          imagenet_top5=4.82),
    Paper("szegedy2016rethinking", "Inception-v3", "googlenet",
          "Rethinking the Inception Architecture for Computer Vision",
          ("Christian Szegedy", "Vincent Vanhoucke", "Sergey Ioffe", "Jonathon Shlens", "Zbigniew Wojna"),
          (GOOGLE, GOOGLE, GOOGLE, GOOGLE, "University College London"),
          "CVPR 2016", CONFERENCE, 2015,
          "factorised convolutions",
          "3.5% top-5 validation error with four models (3.6% test); 5.6% for one model, one crop",
          _ev(("arXiv v1", "2015-12-02", "arXiv:1512.00567"),
              ("conference", "2016-06", "CVPR 2016, Las Vegas")),
          arxiv="1512.00567",
          note="this paper calls its factorised network Inception-v2 and the same network with the "
               "best training changes (RMSProp, label smoothing, factorised 7×7, BN auxiliary) Inception-v3",
          imagenet_top5=3.6),
    Paper("szegedy2016inception", "Inception-v4", "googlenet",
          "Inception-v4, Inception-ResNet and the Impact of Residual Connections on Learning",
          ("Christian Szegedy", "Sergey Ioffe", "Vincent Vanhoucke", "Alexander A. Alemi"),
          (GOOGLE,) * 4,
          "AAAI 2017", CONFERENCE, 2016,
          "Inception with residual connections",
          "3.08% top-5 test error with an ensemble of three Inception-ResNet-v2 and one Inception-v4",
          _ev(("arXiv v1", "2016-02-23", "arXiv:1602.07261"),
              ("conference", "2017-02", "AAAI 2017, San Francisco")),
          arxiv="1602.07261",
          note="the source of the names Inception-v1 (GoogLeNet), Inception-v2 (BN-Inception) and Inception-v3",
          imagenet_top5=3.08),
    Paper("he2016deep", "ResNet", "resnet", "Deep Residual Learning for Image Recognition",
          ("Kaiming He", "Xiangyu Zhang", "Shaoqing Ren", "Jian Sun"),
          (MSR,) * 4,
          "CVPR 2016", CONFERENCE, 2015,
          "residual (shortcut) connections",
          "ILSVRC-2015 classification winner: 3.57% top-5 test error with an ensemble of six models "
          "(4.49% for a single ResNet-152 on the validation set)",
          _ev(("contest", "2015-12", "ILSVRC-2015 results, workshop at ICCV 2015, Santiago"),
              ("arXiv v1", "2015-12-10", "arXiv:1512.03385"),
              ("conference", "2016-06", "CVPR 2016, Las Vegas (best paper award)")),
          arxiv="1512.03385", note="CVPR 2016 best paper award", imagenet_top5=3.57),
    Paper("he2016identity", "Pre-activation ResNet", "resnet",
          "Identity Mappings in Deep Residual Networks",
          ("Kaiming He", "Xiangyu Zhang", "Shaoqing Ren", "Jian Sun"),
          (MSR,) * 4,
          "ECCV 2016", CONFERENCE, 2016,
          "pre-activation residual units",
          "a 1001-layer ResNet with 4.62% test error on CIFAR-10",
          _ev(("arXiv v1", "2016-03-16", "arXiv:1603.05027"),
              ("conference", "2016-10", "ECCV 2016, Amsterdam")),
          arxiv="1603.05027"),
    Paper("huang2017densely", "DenseNet", "densenet", "Densely Connected Convolutional Networks",
          ("Gao Huang", "Zhuang Liu", "Laurens van der Maaten", "Kilian Q. Weinberger"),
          ("Cornell University", "Tsinghua University", "Facebook AI Research", "Cornell University"),
          "CVPR 2017", CONFERENCE, 2016,
          "dense (concatenating) connections",
          "DenseNet-201 reaches 6.34% top-5 single-crop validation error on ImageNet",
          _ev(("arXiv v1", "2016-08-25", "arXiv:1608.06993"),
              ("conference", "2017-07", "CVPR 2017, Honolulu (best paper award)")),
          arxiv="1608.06993",
          note="CVPR 2017 best paper award; Gao Huang and Zhuang Liu contributed equally",
          imagenet_top5=6.34),
)

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
