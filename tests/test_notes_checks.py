"""The 'Check your notes' rebuilds of the GoogLeNet and ResNet chapters behave as their pages say.

The cells are run from the notebooks themselves, so the test checks the code the reader sees.
"""
import json
from pathlib import Path

import pytest
import torch
from torch import nn

ROOT = Path(__file__).resolve().parents[1]


def run_cells(chapter: str, ids: list[str], namespace: dict) -> dict:
    cells = {c["id"]: "".join(c["source"]) for c in json.loads((ROOT / "chapters" / f"{chapter}.ipynb").read_text())["cells"]}
    for cid in ids:
        assert cid in cells, f"{chapter}.ipynb has no cell {cid!r}"
        exec(compile(cells[cid], f"{chapter}:{cid}", "exec"), namespace)
    return namespace


@pytest.fixture
def base_namespace():
    import pandas as pd
    from IPython.display import display
    from cnnbook import anatomy, create_model
    from cnnbook.notebook import glue
    return {"torch": torch, "nn": nn, "pd": pd, "display": display, "anatomy": anatomy,
            "create_model": create_model, "glue": glue}


def test_googlenet_notes_module_and_v3_readings(base_namespace, capsys):
    from cnnbook.models.googlenet import INCEPTION_V1, Inception
    ns = run_cells("googlenet", ["notes-googlenet-code", "notes-googlenet-v3"],
                   {**base_namespace, "Inception": Inception, "INCEPTION_V1": INCEPTION_V1})
    table = ns["side_by_side"]
    assert table.loc["output on 192×28×28", "the course's module"] == (88, 28, 28)
    assert table.loc["ReLUs inside", "the course's module"] == 0 < table.loc["ReLUs inside", "paper's inception (3a)"]
    assert table.loc["parameters", "the course's module"] < table.loc["parameters", "paper's inception (3a)"]
    assert ns["notes_walk"].total_params == sum(p.numel() for p in ns["notes_net"].parameters())
    readings = ns["v3_readings"]
    three, pair7, pair3, seven = readings["parameters"]
    assert pair7 > three and pair3 < three and pair7 < seven           # 1x7+7x1 saves only against a 7x7
    assert list(readings["receptive field"].astype(str)) == ["3", "7", "3", "7"]


def test_resnet_notes_block_jacobian(base_namespace, capsys):
    run_cells("resnet", ["notes-resnet-code"], base_namespace)
    out = capsys.readouterr().out
    assert "d g/dx == ReLU'(f(x) + x) * (d f/dx + I): True" in out
    assert "d g/dx == d f/dx + I (the notes' formula): False" in out
