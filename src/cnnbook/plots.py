"""Figures the chapters share: image grids, training curves, predictions, filters.

Every function draws with matplotlib and returns the ``Figure`` so a chapter
can save or adjust it; in a notebook the figure shows itself.
"""
from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import torch

from .data import DeviceLoader, Split
from .training import History, predict

__all__ = ["show_images", "plot_history", "show_predictions", "show_filters", "plot_timeline"]


def _grid(n: int, cols: int) -> tuple[int, int]:
    cols = min(cols, n)
    return -(-n // cols), cols


def show_images(images: torch.Tensor, labels: Sequence[int] | torch.Tensor | None = None,
                classes: Sequence[str] | None = None, *, cols: int = 8, title: str | None = None,
                colors: Sequence[str] | None = None, scale: float = 1.3):
    """A grid of images ``(N, C, H, W)`` (uint8 or float) with optional labels underneath."""
    images = images.detach().cpu()
    rows, cols = _grid(len(images), cols)
    fig, axes = plt.subplots(rows, cols, figsize=(cols * scale, rows * scale * 1.15), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= len(images):
            continue
        img = images[i].float()
        img = (img - img.min()) / (img.max() - img.min() + 1e-8)
        if img.shape[0] == 1:
            ax.imshow(img[0], cmap="gray_r" if images.dtype == torch.uint8 else "gray")
        else:
            ax.imshow(img.permute(1, 2, 0))
        if labels is not None:
            label = int(labels[i])
            ax.set_title(classes[label] if classes else str(label), fontsize=9,
                         color=colors[i] if colors else "black")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_history(histories: History | Mapping[str, History] | Sequence[History], *,
                 title: str | None = None):
    """Training loss and validation accuracy per epoch, one line per run."""
    if isinstance(histories, History):
        histories = [histories]
    if not isinstance(histories, Mapping):
        histories = {h.label: h for h in histories}
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 3.6))
    for name, h in histories.items():
        line, = ax_loss.plot(h["epoch"], h["loss"], marker="o", ms=3, label=name)
        ax_acc.plot(h["epoch"], h["val_acc"], marker="o", ms=3, color=line.get_color(),
                    label=f"{name} (validation)")
        ax_acc.plot(h["epoch"], h["train_acc"], ls="--", color=line.get_color(), alpha=0.6,
                    label=f"{name} (train)")
    ax_loss.set(xlabel="epoch", ylabel="training loss", title="loss")
    ax_acc.set(xlabel="epoch", ylabel="accuracy", title="accuracy", ylim=(0, 1.02))
    ax_loss.grid(alpha=0.3)
    ax_acc.grid(alpha=0.3)
    ax_loss.legend(fontsize=8)
    ax_acc.legend(fontsize=8, loc="lower right")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def show_predictions(model: torch.nn.Module, loader: DeviceLoader, classes: Sequence[str], *,
                     n: int = 16, cols: int = 8, mistakes_first: bool = True):
    """Test images with predicted labels; mistakes in red as "predicted (true: …)".

    Predictions are compared with the labels of exactly the images the loader
    gave (in its order, shuffled or not; only the first batches when
    ``CNNBOOK_MAX_EVAL_BATCHES`` caps them).
    """
    split: Split = loader.split
    preds = predict(model, loader)
    seen = loader.order()[:len(preds)]               # the images predict() saw, in its order
    images, labels = split.images[seen], split.labels[seen]
    wrong = (preds != labels).nonzero().flatten()
    right = (preds == labels).nonzero().flatten()
    order = torch.cat([wrong, right]) if mistakes_first else torch.arange(len(preds))
    pick = order[:n]
    fig = show_images(images[pick], preds[pick], classes, cols=cols,
                      colors=["crimson" if preds[i] != labels[i] else "black" for i in pick])
    for ax, i in zip(fig.axes, pick):
        if preds[i] != labels[i]:
            ax.set_title(f"{classes[int(preds[i])]} (true: {classes[int(labels[i])]})",
                         fontsize=8, color="crimson")
    accuracy = float((preds == labels).float().mean())
    fig.suptitle(f"{len(wrong)} of {len(preds)} test images misclassified "
                 f"(accuracy {accuracy:.3f}); mistakes shown first, in red")
    fig.tight_layout()
    return fig


def show_filters(weight: torch.Tensor, *, cols: int = 16, title: str | None = None, scale: float = 0.7):
    """First-layer kernels ``(out, in, k, k)`` as an image grid (RGB if ``in == 3``)."""
    w = weight.detach().cpu().float()
    rows, cols = _grid(w.shape[0], cols)
    fig, axes = plt.subplots(rows, cols, figsize=(cols * scale, rows * scale), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= w.shape[0]:
            continue
        k = w[i]
        k = (k - k.min()) / (k.max() - k.min() + 1e-8)
        ax.imshow(k.permute(1, 2, 0) if k.shape[0] == 3 else k[0], cmap=None if k.shape[0] == 3 else "gray")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_timeline(rows: Sequence[Mapping] | None = None, *, title: str = "Ideas that shaped CNNs"):
    """A timeline of the papers: year, network and its idea (default: ``papers.timeline_rows()``)."""
    if rows is None:
        from .papers import timeline_rows
        rows = timeline_rows()
    fig, ax = plt.subplots(figsize=(11, 0.45 * len(rows) + 1.2))
    years = [r["year"] for r in rows]
    ax.hlines(range(len(rows)), min(years) - 1, years, color="0.85", lw=1)
    ax.scatter(years, range(len(rows)), s=60, zorder=3, color=plt.cm.viridis([(y - min(years)) / max(1, max(years) - min(years)) for y in years]))
    for i, r in enumerate(rows):
        ax.annotate(f"{r['network']} ({r['venue']}): {r['idea']}", (r["year"], i), xytext=(8, 0),
                    textcoords="offset points", va="center", fontsize=9)
    ax.set_yticks([])
    ax.invert_yaxis()
    ax.set_xlim(min(years) - 1, max(years) + 9)
    ax.set_xlabel("year first made public")
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.set_title(title)
    fig.tight_layout()
    return fig
