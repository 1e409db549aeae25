"""The interactive figures' builders and the book extension (fast, no browser)."""
from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

from cnnbook.arithmetic import conv_output_size, stacked_receptive_field
from cnnbook.interactive import (LABELS, MIME_TYPE, Control, accuracy_cost_figure, activation_scale_figure,
                                 class_maps_figure, conv_arithmetic_figure, dense_block_figure, feature_maps_figure,
                                 gradient_norms_figure, lrn_figure, receptive_field_figure)
from cnnbook.interactive import sphinx as ext


def test_conv_states_agree_with_pytorch():
    fig = conv_arithmetic_figure(sizes=range(4, 7), kernels=range(1, 4), paddings=range(0, 2), strides=(1, 2),
                                 dilations=(1, 2))
    anchors = fig.states["anchors"]
    assert len(anchors) == 3 * 3 * 2 * 2 * 2
    for key, data in anchors.items():
        n, k, p, s, d = map(int, key.split("|"))
        conv = nn.Conv2d(1, 1, k, stride=s, padding=p, dilation=d)
        try:
            expected = conv(torch.zeros(1, 1, n, n)).shape[-1]
        except RuntimeError:
            assert data["x"] == [] and "PyTorch raises" in fig.states["formula"][key]
            continue
        assert len(data["x"]) == expected ** 2, key          # one window start per output pixel
        assert fig.states["formula"][key].endswith(f"<b>{expected}</b>")
        assert len(fig.states["first"][key]["x"]) == k * k
    assert len(fig.states["grid"]) == 3 * 2                   # the grid depends on n and p only


def test_control_checks_its_values():
    with pytest.raises(ValueError, match="evenly spaced"):
        Control("a", "a", "slider", [1, 2, 4])
    with pytest.raises(ValueError, match="kind must be"):
        Control("a", "a", "knob", [1])
    box = Control("c", "c", "checkbox", ["x", "y"])
    assert box.states() == [(), ("x",), ("y",), ("x", "y")] and box.key(("x", "y")) == "x,y"


def test_lrn_states_match_the_papers_layer():
    from cnnbook.models.alexnet import LRN_ALPHA, LRN_BETA, LRN_K, LRN_SIZE, paper_lrn

    a = torch.tensor([10., 20., 30., 150., 30., 20., 10., 5.])
    fig = lrn_figure(a)
    # The figure's alpha is the paper's (per channel sum); find the state equal to paper_lrn's output.
    expected = paper_lrn()(a.view(1, -1, 1, 1)).flatten().numpy()
    matches = [k for k, v in fig.states["output"].items() if np.allclose(v["top"], expected, atol=1e-3)]
    assert matches, "no state reproduces paper_lrn"
    k, n, alpha, beta = matches[0].split("|")
    assert (float(k), int(n), float(alpha), float(beta)) == (LRN_K, LRN_SIZE, LRN_ALPHA / LRN_SIZE, LRN_BETA)
    divisors = {k: np.array(v["top"]) for k, v in fig.states["divisor"].items()}
    assert len({tuple(np.round(d, 3)) for d in divisors.values()}) > len(divisors) // 2   # controls change it


def test_receptive_field_states():
    fig = receptive_field_figure(channels=8, max_depth=4)
    for depth in range(1, 5):
        image = np.array(fig.states["paths"][str(depth)]["image"][0]["__nd__"])
        r = stacked_receptive_field([(3, 1)] * depth)
        assert (image > 0).sum() == r * r
        stacked, single = fig.states["params"][str(depth)]["top"]
        assert stacked == depth * 9 and single == r * r          # in units of C²


def test_feature_maps_of_a_model():
    from cnnbook.models import create_model

    torch.manual_seed(0)
    model = create_model("lenet_modern")
    images, labels = torch.randn(3, 1, 28, 28), torch.tensor([0, 1, 2])
    fig = feature_maps_figure(model, images, labels, [str(i) for i in range(10)])
    layers = fig.controls[1].values
    assert len(layers) == 4 and model.training                # 2 ReLUs + 2 pools; mode restored
    for image in range(3):
        assert abs(sum(fig.states["probs"][str(image)]["top"]) - 1) < 1e-3
    first = fig.states["maps"]["0|" + layers[0]]["image"][0]
    assert first["shape"] == [29, 6 * 29]                       # six 28x28 maps with one-pixel gutters
    assert first["__nd__"].count(None) == 29 * 6 * 29 - 6 * 28 * 28   # gutters are transparent


def test_class_map_scores_are_map_means():
    maps = torch.randn(2, 3, 3, 3)
    fig = class_maps_figure(torch.randn(2, 1, 8, 8), maps, torch.tensor([0, 2]), ["a", "b", "c"])
    assert np.allclose(fig.states["scores"]["1|b"]["top"], maps[1].mean(dim=(1, 2)).numpy(), atol=1e-4)
    assert fig.states["scores"]["1|b"]["color"][1] != fig.states["scores"]["1|b"]["color"][0]


def test_series_figures_toggle():
    scales = pd.DataFrame({"with BN": [1.0, 1.0], "without BN": [1.0, 4.0]}, index=["conv1", "conv2"])
    fig = activation_scale_figure(scales)
    assert fig.states["lines"][""]["label"] == [] and len(fig.states["lines"]["with BN,without BN"]["ys"]) == 2
    fig = gradient_norms_figure({"plain-20": [1, 2], "ResNet-20": [1, 1], "plain-56": [1, 8], "ResNet-56": [2, 1]})
    assert fig.controls[0].values == ["20", "56"]
    assert fig.states["lines"]["56|plain"]["ys"] == [[1.0, 8.0]]
    assert "8.0" in fig.states["caption"]["56|plain"]


def test_dense_block_channels_are_traced():
    from cnnbook.models.densenet import DenseBlock

    block = DenseBlock(3, 16, 6, bottleneck=False)
    fig = dense_block_figure(block, growth_rates=(4, 12), size=4)
    assert fig.controls[0].values == [4, 6, 12] and fig.controls[0].value == 6     # the block's own k is a choice
    params = sum(p.numel() for p in block.parameters())
    assert f"{params:,} parameters" in fig.states["caption"]["6"]               # rebuilt like the block
    for k in (4, 6, 12):
        bars = fig.states["bars"][str(k)]
        assert [b + g for b, g in zip(bars["base"], bars["grown"])] == [16 + i * k for i in range(3)]
        assert f"<b>{16 + 3 * k}</b>" in fig.states["caption"][str(k)]


def test_comparison_filter_hides_points():
    measured = pd.DataFrame({"chapter": ["lenet", "vgg", "vgg"], "model": ["a", "b", "c"], "params": [10, 100, 50],
                             "MACs": [1e3, 1e6, 1e5], "test acc": [0.5, 0.9, 0.8], "train img/s": [10.0, 1.0, 2.0]})
    fig = accuracy_cost_figure(measured)
    assert fig.states["points"]["vgg"]["size"][0] == 0 and min(fig.states["points"]["vgg"]["size"][1:]) > 0
    assert fig.states["caption"]["lenet"] == LABELS["cmp.caption"].format(shown=1, total=3)


def test_mimebundle_for_book_and_notebook(monkeypatch):
    fig = receptive_field_figure(channels=4, max_depth=2)
    bundle = fig._repr_mimebundle_()
    assert "Bokeh.safely" in bundle[MIME_TYPE]["script"] and "data-root-id" in bundle[MIME_TYPE]["div"]
    assert "cdn.bokeh.org" in bundle["text/html"]            # Jupyter/Colab load BokehJS themselves
    monkeypatch.setenv("CNNBOOK_BOKEH_INLINE", "1")
    assert "cdn.bokeh.org" not in fig._repr_mimebundle_()["text/html"]
    spec = fig.spec
    json.dumps(spec)                                          # what the page embeds is plain JSON
    assert set(spec["sources"]["paths"]["table"]) == {"1", "2"}


def test_extension_serves_mathjax_and_bokeh_locally(tmp_path):
    config = SimpleNamespace(mathjax_path="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js")
    ext._use_local_mathjax(None, config)
    assert config.mathjax_path == "mathjax/tex-mml-chtml.js"
    app = SimpleNamespace(outdir=str(tmp_path), builder=SimpleNamespace(format="html"))
    ext._copy_assets(app, None)
    assert (tmp_path / "_static" / "mathjax" / "tex-mml-chtml.js").stat().st_size > 100_000
    assert any((tmp_path / "_static" / "mathjax" / "output" / "chtml" / "fonts" / "woff-v2").glob("*.woff"))
    assert (tmp_path / "_static" / "bokeh" / "bokeh.min.js").exists()


def test_mime_renderer_marks_the_page():
    data = SimpleNamespace(mime_type=MIME_TYPE, content={"div": "<div></div>", "script": "<script></script>"})
    (node,) = ext.BokehMimeRenderer.handle_mime(None, data, inline=False)
    assert ext.MARKER in node.astext()
    assert ext.BokehMimeRenderer.handle_mime(None, data, inline=True) is None
    added = []
    app = SimpleNamespace(builder=SimpleNamespace(add_js_file=added.append))
    ext._include_bokeh(app, "p", "page.html", {"body": "no figure"}, None)
    assert added == []
    ext._include_bokeh(app, "p", "page.html", {"body": node.astext()}, None)
    assert added == [f"bokeh/{n}" for n in ext.BOKEH_FILES]
