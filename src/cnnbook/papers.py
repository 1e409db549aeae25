"""The papers behind the book: who, where, when, and what each reported.

One record per paper, read by every chapter's who/where/when section, the
landing page's timeline and the comparison chapter. ``key`` is the entry in
``references.bib``; every number in ``result`` is quoted from that paper.
"""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Paper", "PAPERS", "paper", "timeline_rows"]


@dataclass(frozen=True)
class Paper:
    key: str                  # BibTeX key in references.bib
    network: str              # what the book calls the network
    chapter: str              # chapter file stem, e.g. "lenet"
    title: str
    authors: tuple[str, ...]
    affiliation: str
    venue: str
    year: int                 # first made public (contest entry or preprint)
    idea: str                 # the idea the timeline shows
    result: str               # the headline result, as the paper reports it
    imagenet_top5: float | None = None  # ILSVRC top-5 error (%) the paper reports, if any

    @property
    def who(self) -> str:
        if len(self.authors) <= 3:
            return ", ".join(self.authors)
        return f"{self.authors[0]}, {self.authors[1]}, … {self.authors[-1]} ({len(self.authors)} authors)"


PAPERS: tuple[Paper, ...] = (
    Paper("lecun1998gradient", "LeNet-5", "lenet",
          "Gradient-Based Learning Applied to Document Recognition",
          ("Yann LeCun", "Léon Bottou", "Yoshua Bengio", "Patrick Haffner"),
          "AT&T Labs", "Proceedings of the IEEE 86(11)", 1998,
          "local receptive fields, shared weights, subsampling",
          "0.95% test error on MNIST (0.8% when trained with distorted images)"),
    Paper("krizhevsky2012imagenet", "AlexNet", "alexnet",
          "ImageNet Classification with Deep Convolutional Neural Networks",
          ("Alex Krizhevsky", "Ilya Sutskever", "Geoffrey E. Hinton"),
          "University of Toronto", "NeurIPS (NIPS) 2012", 2012,
          "ReLU, dropout, GPUs",
          "ILSVRC-2012 winner: 15.3% top-5 test error, against 26.2% for the runner-up",
          15.3),
    Paper("simonyan2015very", "VGG", "vgg",
          "Very Deep Convolutional Networks for Large-Scale Image Recognition",
          ("Karen Simonyan", "Andrew Zisserman"),
          "University of Oxford (Visual Geometry Group)", "ICLR 2015", 2014,
          "small 3×3 kernels, stacked",
          "ILSVRC-2014 classification runner-up with 7.3% top-5 test error "
          "(6.8% after the contest with two models)", 6.8),
    Paper("lin2014network", "NiN", "nin", "Network In Network",
          ("Min Lin", "Qiang Chen", "Shuicheng Yan"),
          "National University of Singapore", "ICLR 2014", 2013,
          "1×1 convolutions, global average pooling",
          "10.41% test error on CIFAR-10 without augmentation (8.81% with); no ImageNet entry"),
    Paper("szegedy2015going", "GoogLeNet", "googlenet", "Going Deeper with Convolutions",
          ("Christian Szegedy", "Wei Liu", "Yangqing Jia", "Pierre Sermanet", "Scott Reed",
           "Dragomir Anguelov", "Dumitru Erhan", "Vincent Vanhoucke", "Andrew Rabinovich"),
          "Google", "CVPR 2015", 2014,
          "Inception blocks, 1×1 reductions",
          "ILSVRC-2014 classification winner: 6.67% top-5 test error", 6.67),
    Paper("ioffe2015batch", "BN-Inception", "googlenet",
          "Batch Normalization: Accelerating Deep Network Training by Reducing Internal Covariate Shift",
          ("Sergey Ioffe", "Christian Szegedy"),
          "Google", "ICML 2015", 2015,
          "batch normalization",
          "4.9% top-5 validation error with an ensemble (4.82% on the test server)", 4.82),
    Paper("szegedy2016rethinking", "Inception-v3", "googlenet",
          "Rethinking the Inception Architecture for Computer Vision",
          ("Christian Szegedy", "Vincent Vanhoucke", "Sergey Ioffe", "Jonathon Shlens", "Zbigniew Wojna"),
          "Google", "CVPR 2016", 2015,
          "factorised convolutions",
          "3.5% top-5 validation error with four models (3.6% test); 5.6% for one model, one crop",
          3.6),
    Paper("he2016deep", "ResNet", "resnet", "Deep Residual Learning for Image Recognition",
          ("Kaiming He", "Xiangyu Zhang", "Shaoqing Ren", "Jian Sun"),
          "Microsoft Research", "CVPR 2016", 2015,
          "residual (shortcut) connections",
          "ILSVRC-2015 classification winner: 3.57% top-5 test error", 3.57),
    Paper("he2016identity", "Pre-activation ResNet", "resnet",
          "Identity Mappings in Deep Residual Networks",
          ("Kaiming He", "Xiangyu Zhang", "Shaoqing Ren", "Jian Sun"),
          "Microsoft Research", "ECCV 2016", 2016,
          "pre-activation residual units",
          "a 1001-layer ResNet with 4.62% test error on CIFAR-10"),
    Paper("huang2017densely", "DenseNet", "densenet", "Densely Connected Convolutional Networks",
          ("Gao Huang", "Zhuang Liu", "Laurens van der Maaten", "Kilian Q. Weinberger"),
          "Cornell University, Tsinghua University, Facebook AI Research", "CVPR 2017", 2016,
          "dense (concatenating) connections",
          "CVPR 2017 best paper; DenseNet-201 reaches 6.34% top-5 single-crop validation error "
          "on ImageNet", 6.34),
)


def paper(key_or_network: str) -> Paper:
    """Look a paper up by BibTeX key, network name or chapter (first match)."""
    for p in PAPERS:
        if key_or_network in (p.key, p.network, p.chapter):
            return p
    raise KeyError(f"no paper {key_or_network!r}; known: {[p.network for p in PAPERS]}")


def timeline_rows() -> list[dict]:
    """One dict per paper, oldest first, for tables and timeline figures."""
    return [{"year": p.year, "network": p.network, "idea": p.idea, "venue": p.venue,
             "chapter": p.chapter, "key": p.key} for p in sorted(PAPERS, key=lambda p: p.year)]
