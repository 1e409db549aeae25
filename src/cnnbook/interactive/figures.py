"""The book's interactive figures, one builder per chapter.

Every builder computes its states from what the chapter passes in (its
trained model, its tensors, its tables) or from the library's own formulas,
and returns an :class:`~cnnbook.interactive.core.InteractiveFigure`.
"""
from __future__ import annotations

import math
from typing import Mapping, Sequence

import numpy as np

from .core import Control, InteractiveFigure, stateful_figure
from .labels import LABELS

__all__ = ["conv_arithmetic_figure", "feature_maps_figure", "lrn_figure", "receptive_field_figure",
           "class_maps_figure", "activation_scale_figure", "gradient_norms_figure", "dense_block_figure",
           "accuracy_cost_figure"]

L = LABELS
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
           "#bcbd22", "#17becf"]


def _fig(title, **kwargs):
    from bokeh.plotting import figure

    kwargs.setdefault("width", 420)
    kwargs.setdefault("height", 340)
    f = figure(title=title, tools="", toolbar_location=None, **kwargs)
    return f


def _div(width=640):
    from bokeh.models import Div

    return Div(text="", width=width, css_classes=["cnnbook-caption"])


def _numpy(t):
    return t.detach().float().cpu().numpy() if hasattr(t, "detach") else np.asarray(t, dtype=float)


# --- convolution arithmetic ---------------------------------------------------------------

def conv_arithmetic_figure(sizes=range(4, 9), kernels=range(1, 6), paddings=range(0, 3), strides=range(1, 4),
                           dilations=(1, 2)) -> InteractiveFigure:
    """Kernel positions over the padded input, and the output size with its formula.

    Output sizes come from :func:`cnnbook.arithmetic.conv_output_size` (checked
    against ``nn.Conv2d`` in the chapter and the tests).
    """
    from bokeh.layouts import column
    from bokeh.models import ColumnDataSource
    from cnnbook.arithmetic import conv_output_size

    controls = [Control("n", L["conv.n"], "slider", list(sizes), 5),
                Control("k", L["conv.k"], "slider", list(kernels), 3),
                Control("p", L["conv.p"], "slider", list(paddings), 1),
                Control("s", L["conv.s"], "slider", list(strides), 2),
                Control("d", L["conv.d"], "slider", list(dilations), 1)]

    def fits(n, k, p, d):
        return n + 2 * p >= d * (k - 1) + 1

    def grid(n, p):
        size = n + 2 * p
        xs, ys = np.meshgrid(np.arange(size), np.arange(size))
        inside = (xs >= p) & (xs < p + n) & (ys >= p) & (ys < p + n)
        return {"x": xs.ravel(), "y": size - 1 - ys.ravel(),          # cell centres; the ranges start at -0.5
                "fill": np.where(inside.ravel(), "white", "#d9d9d9").tolist()}

    def anchors(n, k, p, s, d):
        size = n + 2 * p
        if not fits(n, k, p, d):
            return {"x": [], "y": []}
        starts = np.arange(conv_output_size(n, k, p, s, d)) * s
        xs, ys = np.meshgrid(starts, starts)
        return {"x": xs.ravel(), "y": size - 1 - ys.ravel()}

    def taps(which):
        def fn(n, k, p, s, d):
            size = n + 2 * p
            if not fits(n, k, p, d):
                return {"x": [], "y": []}
            start = 0 if which == "first" else (conv_output_size(n, k, p, s, d) - 1) * s
            offsets = start + np.arange(k) * d
            xs, ys = np.meshgrid(offsets, offsets)
            return {"x": xs.ravel(), "y": size - 1 - ys.ravel()}
        return fn

    def caption(n, k, p, s, d):
        if not fits(n, k, p, d):
            return L["conv.nofit"].format(span=d * (k - 1) + 1, padded=n + 2 * p)
        return L["conv.formula"].format(n=n, k=k, p=p, s=s, d=d, out=conv_output_size(n, k, p, s, d))

    big = max(sizes) + 2 * max(paddings)
    f = _fig(L["conv.title"], x_range=(-0.5, big - 0.5), y_range=(-0.5, big - 0.5), width=420, height=500, match_aspect=True)
    f.axis.visible = False
    f.grid.visible = False
    src = {name: ColumnDataSource() for name in ("grid", "anchors", "first", "last")}
    f.rect("x", "y", 1, 1, source=src["grid"], fill_color="fill", line_color="#999999")
    f.rect("x", "y", 0.9, 0.9, source=src["first"], fill_color=PALETTE[0], fill_alpha=0.35,
           line_color=PALETTE[0], legend_label=L["conv.first"])
    f.rect("x", "y", 0.9, 0.9, source=src["last"], fill_color=PALETTE[3], fill_alpha=0.35,
           line_color=PALETTE[3], legend_label=L["conv.last"])
    f.scatter("x", "y", source=src["anchors"], size=7, color="black", legend_label=L["conv.anchor"])
    f.legend.label_text_font_size = "8pt"
    f.add_layout(f.legend[0], "below")
    div = _div(520)
    deps = ["n", "k", "p", "s", "d"]
    return stateful_figure(column(div, f), controls, src,
                           {"grid": (["n", "p"], grid), "anchors": (deps, anchors),
                            "first": (deps, taps("first")), "last": (deps, taps("last"))},
                           {"formula": (div, deps, caption)}, title=L["conv.title"])


# --- LeNet: feature maps of a trained network ----------------------------------------------

def _mosaic(maps: np.ndarray, cols: int) -> np.ndarray:
    """(C, H, W) -> one (rows·(H+1), cols·(W+1)) image with NaN gutters, each map scaled to 0..1."""
    c, h, w = maps.shape
    rows = math.ceil(c / cols)
    out = np.full((rows * (h + 1), cols * (w + 1)), np.nan)
    for i, m in enumerate(maps):
        lo, hi = m.min(), m.max()
        r, q = divmod(i, cols)
        out[r * (h + 1):r * (h + 1) + h, q * (w + 1):q * (w + 1) + w] = (m - lo) / (hi - lo) if hi > lo else 0
    return out[::-1]          # Bokeh draws row 0 at the bottom


def feature_maps_figure(model, images, labels, classes: Sequence[str], *, n_images: int = 6) -> InteractiveFigure:
    """The trained ``model``'s feature maps (after every activation and pooling layer) for a
    test image the reader picks, with the model's predicted probabilities."""
    import torch
    from torch import nn
    from bokeh.layouts import column, row
    from bokeh.models import ColumnDataSource, FactorRange, LinearColorMapper

    images, labels = images[:n_images], labels[:n_images]
    captured, hooks = {}, []
    kinds = (nn.ReLU, nn.Sigmoid, nn.Tanh, nn.MaxPool2d, nn.AvgPool2d)
    for name, m in model.named_modules():
        if isinstance(m, kinds):
            label = f"{name}: {type(m).__name__}"
            hooks.append(m.register_forward_hook(lambda mod, inp, out, label=label: captured.__setitem__(label, out)))
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            probs = torch.softmax(model(images), dim=1).cpu().numpy()
    finally:
        for h in hooks:
            h.remove()
        model.train(was_training)
    layers = [k for k, v in captured.items() if v.dim() == 4]
    if not layers:
        raise ValueError("feature_maps_figure: the model has no activation or pooling layer with 4-D output")
    maps = {k: captured[k].cpu().numpy() for k in layers}
    pics = images.cpu().float().numpy()[:, 0]
    image_ids = list(range(len(images)))
    controls = [Control("image", L["maps.image"], "slider", image_ids, 0),
                Control("layer", L["maps.layer"], "select", layers, layers[0])]

    mosaics = {(i, layer): _mosaic(maps[layer][i], cols=min(8, len(maps[layer][i])))
               for i in image_ids for layer in layers}
    scale = max(max(m.shape[1] / 2, m.shape[0]) for m in mosaics.values())   # the frame is 2 units by 1

    def mosaic(image, layer):
        m = mosaics[image, layer]
        # drawn to one scale for every layer, so pooling visibly shrinks the maps; top-left aligned
        return {"image": [np.round(m, 2)], "dw": [m.shape[1] / scale], "dh": [m.shape[0] / scale],
                "y": [1 - m.shape[0] / scale]}

    def source_image(image):
        return {"image": [np.round(_mosaic(pics[image][None], 1), 2)]}

    def bars(image):
        return {"top": probs[image], "color": [PALETTE[3] if i == probs[image].argmax() else PALETTE[0]
                                               for i in range(len(classes))]}

    def caption(image, layer):
        c, h, w = maps[layer][image].shape
        pred = int(probs[image].argmax())
        return L["maps.caption"].format(true=classes[int(labels[image])], pred=classes[pred],
                                        prob=float(probs[image][pred]), layer=layer, c=c, h=h, w=w)

    cmap = LinearColorMapper(palette="Viridis256", low=0, high=1, nan_color=(0, 0, 0, 0))
    grey = LinearColorMapper(palette="Greys256", low=0, high=1)
    src = {n: ColumnDataSource() for n in ("maps", "input", "probs")}
    f_maps = _fig(L["maps.title"], x_range=(0, 2), y_range=(0, 1), width=500, height=270)
    f_maps.image(image="image", x=0, y="y", dw="dw", dh="dh", color_mapper=cmap, source=src["maps"])
    f_in = _fig(L["maps.image"], x_range=(0, 1), y_range=(0, 1), width=160, height=160)
    f_in.image(image="image", x=0, y=0, dw=1, dh=1, color_mapper=grey, source=src["input"])
    for f in (f_maps, f_in):
        f.axis.visible = False
        f.grid.visible = False
    names = [str(c) for c in classes]
    f_p = _fig(L["maps.probs"], x_range=FactorRange(*names), y_range=(0, 1), width=300, height=170)
    f_p.vbar(x="class", top="top", color="color", width=0.8, source=src["probs"])
    f_p.xaxis.major_label_orientation = 0.8
    div = _div(680)
    return stateful_figure(column(div, row(column(f_in, f_p), f_maps)), controls, src,
                           {"maps": (["image", "layer"], mosaic), "input": (["image"], source_image),
                            "probs": (["image"], bars)},
                           {"caption": (div, ["image", "layer"], caption)}, title=L["maps.title"],
                           base={"probs": {"class": names}})


# --- AlexNet: local response normalisation ---------------------------------------------------

def lrn_figure(a, *, ks=(0.5, 1.0, 2.0, 4.0), ns=(1, 3, 5, 7), alphas=(1e-5, 1e-4, 1e-3, 1e-2),
               betas=(0.5, 0.75, 1.0)) -> InteractiveFigure:
    """LRN's divisor and output for the channel vector ``a`` as k, n, α, β change,
    computed by :class:`torch.nn.LocalResponseNorm` (the layer the model uses)."""
    import torch
    from torch import nn
    from bokeh.layouts import column, row
    from bokeh.models import ColumnDataSource

    a = torch.as_tensor(a, dtype=torch.float32).flatten()
    peak = int(a.argmax())
    controls = [Control("k", L["lrn.k"], "select", list(ks), 2.0 if 2.0 in ks else ks[0]),
                Control("n", L["lrn.n"], "select", list(ns), 5 if 5 in ns else ns[0]),
                Control("alpha", L["lrn.alpha"], "select", list(alphas), 1e-4 if 1e-4 in alphas else alphas[0]),
                Control("beta", L["lrn.beta"], "select", list(betas), 0.75 if 0.75 in betas else betas[0])]

    def compute(k, n, alpha, beta):
        # PyTorch divides alpha by n; the paper does not, hence alpha * n (as the chapter's paper_lrn does).
        b = nn.LocalResponseNorm(size=n, alpha=alpha * n, beta=beta, k=k)(a.view(1, -1, 1, 1)).flatten()
        return a / b, b

    def divisor(k, n, alpha, beta):
        return {"top": compute(k, n, alpha, beta)[0].numpy()}

    def output(k, n, alpha, beta):
        return {"top": compute(k, n, alpha, beta)[1].numpy()}

    def caption(k, n, alpha, beta):
        d = compute(k, n, alpha, beta)[0]
        return L["lrn.caption"].format(k=k, n=n, alpha=alpha, beta=beta, peak=float(d[peak]), edge=float(d[-1]))

    x = list(range(len(a)))
    colors = [PALETTE[3] if i == peak else PALETTE[0] for i in x]
    src = {"divisor": ColumnDataSource(), "output": ColumnDataSource()}
    figs = []
    f_in = _fig(L["lrn.input"], width=225, height=230)
    f_in.vbar(x=x, top=a.numpy(), color=colors, width=0.8)
    figs.append(f_in)
    for name in ("divisor", "output"):
        f = _fig(L[f"lrn.{name}"], width=225, height=230)
        f.vbar(x="x", top="top", color="color", width=0.8, source=src[name])
        figs.append(f)
    for f in figs:
        f.xaxis.axis_label = L["lrn.channel"]
    div = _div(680)
    return stateful_figure(column(div, row(*figs)), controls, src,
                           {"divisor": (["k", "n", "alpha", "beta"], divisor),
                            "output": (["k", "n", "alpha", "beta"], output)},
                           {"caption": (div, ["k", "n", "alpha", "beta"], caption)}, title=L["lrn.title"],
                           base={"divisor": {"x": x, "color": colors}, "output": {"x": x, "color": colors}})


# --- VGG: receptive field of stacked 3x3 layers ---------------------------------------------

def receptive_field_figure(influence=None, *, channels: int = 64, max_depth: int = 6) -> InteractiveFigure:
    """Slider = number of stacked 3×3 layers. Left: which input pixels reach one output unit
    (``influence(kernels, n)``, e.g. the chapter's autograd-based function); right: weights
    of the stack against one kernel with the same receptive field (library formulas)."""
    from bokeh.layouts import column, row
    from bokeh.models import ColumnDataSource, FactorRange, LinearColorMapper
    from cnnbook.arithmetic import conv_params, stacked_receptive_field

    n = 2 * max_depth + 3
    if influence is None:
        influence = _influence
    maps = {d: _numpy(influence([3] * d, n)) for d in range(1, max_depth + 1)}
    controls = [Control("depth", L["rf.depth"], "slider", list(range(1, max_depth + 1)), 2)]

    def counts(depth):
        r = stacked_receptive_field([(3, 1)] * depth)
        return r, depth * conv_params(channels, channels, 3, bias=False), conv_params(channels, channels, r, bias=False)

    def paths(depth):
        g = maps[depth]
        return {"image": [np.round(g[::-1] / g.max(), 3)]}

    def bars(depth):
        r, stacked, single = counts(depth)
        return {"top": [stacked / channels ** 2, single / channels ** 2]}

    def caption(depth):
        r, stacked, single = counts(depth)
        return L["rf.caption"].format(depth=depth, r=r, stacked=stacked, C=channels, single=single,
                                      ratio=single / stacked)

    src = {"paths": ColumnDataSource(), "params": ColumnDataSource()}
    f = _fig(L["rf.paths"], x_range=(0, n), y_range=(0, n), width=330, height=330)
    f.image(image="image", x=0, y=0, dw=n, dh=n, source=src["paths"],
            color_mapper=LinearColorMapper(palette="Viridis256", low=0, high=1))
    f.grid.visible = False
    cats = [L["rf.stacked"], L["rf.single"].format(r="r")]
    g = _fig(L["rf.params"], x_range=FactorRange(*cats), width=300, height=330)
    g.vbar(x="x", top="top", width=0.7, color="color", source=src["params"])
    g.y_range.start = 0
    div = _div(640)
    return stateful_figure(column(div, row(f, g)), controls, src,
                           {"paths": (["depth"], paths), "params": (["depth"], bars)},
                           {"caption": (div, ["depth"], caption)}, title=L["rf.title"],
                           base={"params": {"x": cats, "color": [PALETTE[0], PALETTE[1]]}})


def _influence(kernels, n=15):
    """Which input pixels reach the centre output (all-ones kernels; gradient counts the paths)."""
    import torch
    from torch import nn

    layers = [nn.Conv2d(1, 1, k, padding=k // 2, bias=False) for k in kernels]
    for layer in layers:
        nn.init.ones_(layer.weight)
    x = torch.zeros(1, 1, n, n, requires_grad=True)
    nn.Sequential(*layers)(x)[0, 0, n // 2, n // 2].backward()
    return x.grad[0, 0]


# --- NiN: class maps and global average pooling -----------------------------------------------

def class_maps_figure(images, class_maps, labels, classes: Sequence[str]) -> InteractiveFigure:
    """For each test image and each class: the last block's class map, whose mean (GAP) is the
    class score; ``class_maps`` is (N, classes, h, w) from the chapter's trained NiN."""
    from bokeh.layouts import column, row
    from bokeh.models import ColumnDataSource, FactorRange, LinearColorMapper

    maps = _numpy(class_maps)
    scores = maps.mean(axis=(2, 3))
    pics = _numpy(images)[:, 0]
    names = [str(c) for c in classes]
    controls = [Control("image", L["nin.image"], "slider", list(range(len(maps))), 0),
                Control("cls", L["nin.class"], "select", names, names[0])]
    h, w = maps.shape[2:]
    lo, hi = float(maps.min()), float(maps.max())

    def cell(image, cls):
        m = maps[image, names.index(cls)]
        ys, xs = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")
        return {"x": xs.ravel() + 0.5, "y": h - ys.ravel() - 0.5, "v": m.ravel(),
                "label": [f"{v:.1f}" for v in m.ravel()]}

    def picture(image):
        p = pics[image]
        return {"image": [np.round((p[::-1] - p.min()) / (np.ptp(p) or 1), 2)]}

    def bars(image, cls):
        return {"top": scores[image], "color": [PALETTE[3] if c == cls else PALETTE[0] for c in names]}

    def caption(image, cls):
        c = names.index(cls)
        return L["nin.caption"].format(true=names[int(labels[image])], cls=cls, cells=h * w,
                                       score=float(scores[image, c]), pred=names[int(scores[image].argmax())])

    src = {n: ColumnDataSource() for n in ("cells", "input", "scores")}
    f_in = _fig(L["nin.image"], x_range=(0, 1), y_range=(0, 1), width=160, height=160)
    f_in.image(image="image", x=0, y=0, dw=1, dh=1, source=src["input"],
               color_mapper=LinearColorMapper(palette="Greys256", low=0, high=1))
    f_map = _fig(L["nin.class"], x_range=(0, w), y_range=(0, h), width=220, height=220)
    mapper = LinearColorMapper(palette="Viridis256", low=lo, high=hi)
    f_map.rect("x", "y", 1, 1, source=src["cells"], fill_color={"field": "v", "transform": mapper}, line_color="white")
    f_map.text("x", "y", text="label", source=src["cells"], text_align="center", text_baseline="middle",
               text_color="white", text_font_size="10pt")
    for f in (f_in, f_map):
        f.axis.visible = False
        f.grid.visible = False
    f_s = _fig(L["nin.score"], x_range=FactorRange(*names), width=290, height=220)
    f_s.vbar(x="class", top="top", color="color", width=0.8, source=src["scores"])
    f_s.xaxis.major_label_orientation = 0.8
    div = _div(680)
    return stateful_figure(column(div, row(f_in, f_map, f_s)), controls, src,
                           {"cells": (["image", "cls"], cell), "input": (["image"], picture),
                            "scores": (["image", "cls"], bars)},
                           {"caption": (div, ["image", "cls"], caption)}, title=L["nin.title"],
                           base={"scores": {"class": names}})


# --- line plots with a choice of series (GoogLeNet/BN, ResNet) --------------------------------

def _series_figure(series: Mapping[str, Mapping[str, Sequence[float]]], title, x_label, y_label, caption_fn,
                   group_label, show_label, x_categories=None) -> InteractiveFigure:
    """``series[group][name]`` = y values; controls: the group (select, if more than one) and which
    names to show (checkbox)."""
    from bokeh.layouts import column
    from bokeh.models import ColumnDataSource, FactorRange

    groups = list(series)
    names = list(dict.fromkeys(n for g in groups for n in series[g]))
    controls = []
    if len(groups) > 1:
        controls.append(Control("group", group_label, "select", groups, groups[0]))
    controls.append(Control("show", show_label, "checkbox", names, tuple(names)))
    deps = (["group"] if len(groups) > 1 else []) + ["show"]

    def lines(show, group=groups[0]):
        xs, ys, colors, labels = [], [], [], []
        for name in show:
            if name not in series[group]:
                continue
            y = list(series[group][name])
            xs.append(x_categories[:len(y)] if x_categories else list(range(1, len(y) + 1)))
            ys.append(y)
            colors.append(PALETTE[names.index(name) % len(PALETTE)])
            labels.append(name)
        return {"xs": xs, "ys": ys, "color": colors, "label": labels}

    def caption(show, group=groups[0]):
        return caption_fn(group, [n for n in show if n in series[group]])

    kwargs = dict(y_axis_type="log", width=640, height=340)
    if x_categories:
        kwargs["x_range"] = FactorRange(*x_categories)
    f = _fig(title, **kwargs)
    src = {"lines": ColumnDataSource()}
    f.multi_line("xs", "ys", color="color", line_width=2, legend_field="label", source=src["lines"])
    f.xaxis.axis_label, f.yaxis.axis_label = x_label, y_label
    if x_categories:
        f.xaxis.major_label_orientation = 1.2
    f.legend.location = "top_left"
    div = _div(640)
    return stateful_figure(column(div, f), controls, src, {"lines": (deps, lines)},
                           {"caption": (div, deps, caption)}, title=title)


def activation_scale_figure(scales) -> InteractiveFigure:
    """``scales``: a DataFrame, one row per layer and one column per variant (e.g. "with BN",
    "without BN"): the std of each layer's activations; toggle each variant."""
    series = {"": {str(c): [float(v) for v in scales[c]] for c in scales.columns}}

    def caption(group, shown):
        return L["bn.caption"].format(last=", ".join(f"{n}: {series[''][n][-1]:.3g}" for n in shown) or "—")

    return _series_figure(series, L["bn.title"], L["bn.layer"], L["bn.std"], caption, "", L["bn.show"],
                          x_categories=[str(i) for i in scales.index])


def gradient_norms_figure(grad_norms: Mapping[str, Sequence[float]]) -> InteractiveFigure:
    """``grad_norms[label]`` = gradient norm at each block's output, labels like "plain-56" and
    "ResNet-56"; a select picks the depth, checkboxes the networks."""
    series: dict[str, dict[str, list[float]]] = {}
    for label, norms in grad_norms.items():
        kind, _, depth = label.rpartition("-")
        series.setdefault(depth or label, {})[kind or label] = [float(v) for v in norms]

    def caption(group, shown):
        parts = [f"{n}-{group}: {max(series[group][n]) / min(series[group][n]):,.1f}" for n in shown]
        return L["grad.caption"].format(spread=", ".join(parts) or "—")

    return _series_figure(series, L["grad.title"], L["grad.block"], L["grad.norm"], caption, L["grad.depth"],
                          L["grad.show"])


# --- DenseNet: channels through a block --------------------------------------------------------

def dense_block_figure(block, *, growth_rates=(4, 8, 12, 16, 24, 32), size: int = 8) -> InteractiveFigure:
    """Channels that each layer of a dense block reads and adds as the growth rate k changes.

    ``block`` is a :class:`~cnnbook.models.densenet.DenseBlock` (e.g. the first block of the
    chapter's trained model): it is rebuilt with each k (same layers, input channels and
    bottleneck setting; its own k is always among the choices) and traced with forward
    hooks, not computed by formula.
    """
    import torch
    from bokeh.layouts import column
    from bokeh.models import ColumnDataSource

    layers = list(block.values())                     # denselayer1 ... denselayerL
    num_layers, in_channels = len(layers), block.in_channels
    initial = layers[0].growth_rate
    growth_rates = sorted(set(growth_rates) | {initial})
    traced = {}
    for k in growth_rates:
        rebuilt = type(block)(num_layers, in_channels, k, bottleneck=layers[0].bottleneck).eval()
        seen = []
        hooks = [layer.register_forward_hook(lambda m, i, o: seen.append((i[0].shape[1], o.shape[1])))
                 for layer in rebuilt.values()]
        with torch.no_grad():
            out = rebuilt(torch.zeros(1, in_channels, size, size))
        for h in hooks:
            h.remove()
        traced[k] = (seen, out.shape[1], sum(p.numel() for p in rebuilt.parameters()))
    controls = [Control("k", L["dense.k"], "select", growth_rates, initial)]

    def bars(k):
        seen = traced[k][0]
        ins = np.array([i for i, _ in seen])
        return {"base": np.full(len(seen), in_channels), "grown": ins - in_channels,
                "new": np.array([o for _, o in seen])}

    def caption(k):
        return L["dense.caption"].format(k=k, c0=in_channels, L=num_layers, out=traced[k][1], params=traced[k][2])

    top = max(traced[k][1] for k in growth_rates)
    f = _fig(L["dense.title"], width=640, height=340, y_range=(0, top * 1.05))
    src = {"bars": ColumnDataSource()}
    f.vbar_stack(["base", "grown", "new"], x="layer", width=0.7, source=src["bars"],
                 color=[PALETTE[7], PALETTE[0], PALETTE[2]],
                 legend_label=[L["dense.input"], L["dense.grown"], L["dense.new"]])
    f.xaxis.axis_label, f.yaxis.axis_label = L["dense.layer"], L["dense.channels"]
    f.legend.location = "top_left"
    div = _div(640)
    return stateful_figure(column(div, f), controls, src, {"bars": (["k"], bars)},
                           {"caption": (div, ["k"], caption)}, title=L["dense.title"],
                           base={"bars": {"layer": list(range(num_layers))}})


# --- comparison: accuracy, compute, parameters ------------------------------------------------

def accuracy_cost_figure(measured, *, group="chapter", x="MACs", y="test acc", size="params",
                         hover=("model", "params", "MACs", "test acc", "train img/s")) -> InteractiveFigure:
    """Scatter of the chapter's measured table: ``y`` against ``x`` (log), bubble area ∝ ``size``,
    hover for details and a checkbox filter by ``group``."""
    from bokeh.layouts import column
    from bokeh.models import ColumnDataSource, HoverTool

    groups = [str(g) for g in measured[group]]
    names = list(dict.fromkeys(groups))
    area = 40 + 2000 * np.asarray(measured[size], dtype=float) / float(np.max(measured[size]))
    diameter = np.sqrt(area) * 1.2
    base = {c: list(measured[c]) for c in hover}
    base.update({"x": np.asarray(measured[x], dtype=float), "y": np.asarray(measured[y], dtype=float),
                 "group": groups, "color": [PALETTE[names.index(g) % len(PALETTE)] for g in groups]})
    controls = [Control("show", L["cmp.filter"], "checkbox", names, tuple(names))]

    def visible(show):
        on = np.array([g in show for g in groups])
        return {"alpha": np.where(on, 0.6, 0.0), "size": np.where(on, diameter, 0.0)}

    def caption(show):
        return L["cmp.caption"].format(shown=sum(g in show for g in groups), total=len(groups))

    f = _fig(L["cmp.title"], x_axis_type="log", width=640, height=380)
    src = {"points": ColumnDataSource()}
    r = f.scatter("x", "y", size="size", fill_alpha="alpha", line_alpha="alpha", color="color", source=src["points"],
                  legend_field="group")
    numeric = {c: np.issubdtype(np.asarray(measured[c]).dtype, np.number) for c in hover}
    f.add_tools(HoverTool(renderers=[r], tooltips=[(c, f"@{{{c}}}" + ("{0,0.[000]}" if numeric[c] else ""))
                                                   for c in hover]))
    f.xaxis.axis_label, f.yaxis.axis_label = L["cmp.macs"], L["cmp.acc"]
    f.legend.location = "bottom_right"
    div = _div(640)
    return stateful_figure(column(div, f), controls, src, {"points": (["show"], visible)},
                           {"caption": (div, ["show"], caption)}, title=L["cmp.title"], base={"points": base})
